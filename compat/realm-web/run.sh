#!/usr/bin/env bash
# Runs the realm-web 2.0.1 compatibility suite against a freshly started Latchkey:
# builds the jar if missing, starts PostgreSQL if needed, creates a throw-away database,
# starts the server on it, runs `node --test`, and always cleans up.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
cd "$ROOT"

PORT="${COMPAT_PORT:-18080}"
APP_ID="compat-app"
# shellcheck source=../../e2e/instance.sh
source e2e/instance.sh

cleanup() {
  local status=$?
  instance_stop
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ! -d "$SCRIPT_DIR/node_modules" ]]; then
  echo "compat: npm ci"
  (cd "$SCRIPT_DIR" && npm ci --no-audit --no-fund)
fi

# A key pair acting as GitHub's secret-scanning signer (test/keys-lifecycle.test.mjs signs
# leak reports with it; the server reads its public half from a file, as it would GitHub's).
GITHUB_KEYS="$ROOT/target/compat-github-keys"
node "$SCRIPT_DIR/lib/github-keys.mjs" "$GITHUB_KEYS"

# Short access tokens, so the SDK's refresh-after-401 path runs; fewer PBKDF2 rounds for speed.
instance_start compat "$PORT" LATCHKEY_BOOTSTRAP_APP="$APP_ID" \
  LATCHKEY_TOKEN_ACCESS_LIFETIME=3s LATCHKEY_PASSWORD_ITERATIONS=10000 \
  LATCHKEY_SECRET_SCANNING_GITHUB_KEYS_FILE="$GITHUB_KEYS/public_keys.json"
LOG="$INSTANCE_LOG"

echo "compat: running the realm-web suite"
set +e
(
  cd "$SCRIPT_DIR"
  LATCHKEY_URL="http://127.0.0.1:$PORT" LATCHKEY_APP="$APP_ID" LATCHKEY_GITHUB_SIGNER="$GITHUB_KEYS/private.pem" \
    timeout --kill-after=10 600 node --test --test-concurrency=1 test/*.test.mjs
)
tests_status=$?
set -e
if [[ $tests_status -ne 0 ]]; then
  echo "compat: suite failed (exit $tests_status); last lines of $LOG:" >&2
  tail -n 40 "$LOG" >&2 || true
fi

# Secrets never reach the log: the suite created keys, logged in with passwords and sent
# tokens in every request; none of them may appear in what the server wrote.
if grep -aEn 'lk_[0-9A-Za-z]{46}|eyJ[0-9A-Za-z_-]{10,}\.|Bearer |"password"|correct-horse-battery' "$LOG" >&2; then
  echo "compat: FAIL: the server log above contains an API key, a token or a password" >&2
  tests_status=1
else
  echo "compat: server log checked: no API key, token or password in $(wc -l < "$LOG") lines"
fi
exit "$tests_status"
