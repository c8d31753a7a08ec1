#!/usr/bin/env bash
# Real-browser end-to-end test: headless Chromium drives a page that uses the unmodified
# realm-web 2.0.1 browser bundle against a freshly started Latchkey on another origin.
#
# Installs Debian's chromium if missing, runs `npm ci` if needed, builds the jar if missing,
# brings PostgreSQL up, creates a throw-away database, starts Latchkey and the static page
# server, runs `node --test`, and always stops both servers and drops the database.
# Exit code = the test result. Screenshot of the final page: target/browser-e2e.png; the
# console's screens: target/console-NN-<screen>.png.
#
# `run.sh --serve` starts the same servers and waits (Ctrl-C to stop), for a person to use
# the page at http://127.0.0.1:18181/ (and the console at http://127.0.0.1:18180/console/,
# signing in with the LATCHKEY_ADMIN_KEY set beforehand) instead of running the test.
#
# Env: BROWSER_API_PORT (18180), BROWSER_PAGE_PORT (18181), CHROMIUM (/usr/bin/chromium),
#      BROWSER_TEST_TIMEOUT (seconds, 300), LATCHKEY_ADMIN_KEY (random when unset)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
cd "$ROOT"

API_PORT="${BROWSER_API_PORT:-18180}"
PAGE_PORT="${BROWSER_PAGE_PORT:-18181}"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
TEST_TIMEOUT="${BROWSER_TEST_TIMEOUT:-300}"
LOG="target/browser-server.log"
STATIC_LOG="target/browser-static.log"
APP_ID="browser-app"
STATIC_PID=""
# shellcheck source=../../e2e/instance.sh
source e2e/instance.sh

stop() {
  local pid="$1"
  [[ -n "$pid" ]] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  stop "$STATIC_PID"
  instance_stop
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Waits until a URL answers 200 (or the process dies / the deadline passes).
wait_for_200() {
  local url="$1" pid="$2" seconds="$3"
  local deadline=$((SECONDS + seconds))
  while (( SECONDS < deadline )); do
    kill -0 "$pid" 2>/dev/null || return 1
    if node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
        .then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' \
        "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

# --- prerequisites --------------------------------------------------------------------------

if [[ ! -x "$CHROMIUM" ]]; then
  if [[ "$CHROMIUM" != /usr/bin/chromium ]]; then
    echo "browser: CHROMIUM=$CHROMIUM is not executable" >&2
    exit 1
  fi
  echo "browser: installing Debian's chromium"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi
"$CHROMIUM" --version 2>/dev/null || true

# Installed again whenever the lock file changed since the last install.
if [[ ! -f "$SCRIPT_DIR/node_modules/.package-lock.json" || "$SCRIPT_DIR/package-lock.json" -nt "$SCRIPT_DIR/node_modules/.package-lock.json" ]]; then
  echo "browser: npm ci"
  (cd "$SCRIPT_DIR" && npm ci --no-audit --no-fund)
fi

if port_in_use "$PAGE_PORT"; then
  echo "browser: port $PAGE_PORT is already in use; set BROWSER_PAGE_PORT" >&2
  exit 1
fi

mkdir -p target

# --- servers --------------------------------------------------------------------------------

# The admin key for the console: LATCHKEY_ADMIN_KEY when set (for --serve), else a fresh one
# for this run. It never reaches a log.
ADMIN_KEY="${LATCHKEY_ADMIN_KEY:-browser-admin-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}"
instance_start browser "$API_PORT" QUARKUS_HTTP_HOST=127.0.0.1 LATCHKEY_BOOTSTRAP_APP="$APP_ID" \
  LATCHKEY_PASSWORD_ITERATIONS=10000 LATCHKEY_ADMIN_KEY="$ADMIN_KEY"
SERVER_PID="$INSTANCE_PID"

echo "browser: starting the page server on 127.0.0.1:$PAGE_PORT (log $STATIC_LOG)"
node "$SCRIPT_DIR/static-server.mjs" "$PAGE_PORT" 127.0.0.1 >"$STATIC_LOG" 2>&1 &
STATIC_PID=$!

if ! wait_for_200 "http://127.0.0.1:$PAGE_PORT/vendor/realm-web.js" "$STATIC_PID" 15; then
  echo "browser: the page server did not come up; $STATIC_LOG:" >&2
  cat "$STATIC_LOG" >&2 || true
  exit 1
fi

if [[ "${1:-}" == "--serve" ]]; then
  echo "browser: open http://127.0.0.1:$PAGE_PORT/?api=http://127.0.0.1:$API_PORT&app=$APP_ID (Ctrl-C stops)"
  echo "browser: console at http://127.0.0.1:$API_PORT/console/ (sign in with the LATCHKEY_ADMIN_KEY you set before --serve)"
  wait "$SERVER_PID"
  exit $?
fi

# --- test -----------------------------------------------------------------------------------

echo "browser: running the browser tests (timeout ${TEST_TIMEOUT}s)"
rm -f target/console-*.png
set +e
(
  cd "$SCRIPT_DIR"
  LATCHKEY_URL="http://127.0.0.1:$API_PORT" LATCHKEY_APP="$APP_ID" \
  PAGE_URL="http://127.0.0.1:$PAGE_PORT/" CHROMIUM="$CHROMIUM" \
  SCREENSHOT="$ROOT/target/browser-e2e.png" SCREENSHOTS="$ROOT/target" LATCHKEY_ADMIN_KEY="$ADMIN_KEY" \
    timeout --kill-after=10 "$TEST_TIMEOUT" node --test --test-concurrency=1 test/*.test.mjs
)
tests_status=$?
set -e
if [[ $tests_status -ne 0 ]]; then
  [[ $tests_status -eq 124 ]] && echo "browser: test timed out after ${TEST_TIMEOUT}s" >&2
  echo "browser: test failed (exit $tests_status); last lines of $LOG:" >&2
  tail -n 40 "$LOG" >&2 || true
fi
exit "$tests_status"
