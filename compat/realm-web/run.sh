#!/usr/bin/env bash
# Runs the realm-web 2.0.1 compatibility suite against a freshly started Latchkey:
# builds the jar if missing, starts PostgreSQL if needed, creates a throw-away database,
# starts the server on it, runs `node --test`, and always cleans up.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
cd "$ROOT"

PORT="${COMPAT_PORT:-18080}"
DB="latchkey_compat_$$"
JAR="target/quarkus-app/quarkus-run.jar"
LOG="target/compat-server.log"
APP_ID="compat-app"
SERVER_PID=""
DB_CREATED=""

cleanup() {
  local status=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ -n "$DB_CREATED" ]]; then
    psql -h 127.0.0.1 -U postgres -q -c "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ! -f "$JAR" ]]; then
  echo "compat: building $JAR"
  ./mvnw -B -q package -DskipTests
fi

if [[ ! -d "$SCRIPT_DIR/node_modules" ]]; then
  echo "compat: npm ci"
  (cd "$SCRIPT_DIR" && npm ci --no-audit --no-fund)
fi

if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  echo "compat: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect 15 main start
fi
for _ in $(seq 1 60); do
  pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432

psql -h 127.0.0.1 -U postgres -q -c "create database $DB"
DB_CREATED=1

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "compat: port $PORT is already in use; set COMPAT_PORT to a free port" >&2
  exit 1
fi

mkdir -p target
echo "compat: starting Latchkey on port $PORT (database $DB, log $LOG)"
QUARKUS_HTTP_PORT="$PORT" \
QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:5432/$DB" \
QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/$DB" \
QUARKUS_DATASOURCE_USERNAME=postgres \
QUARKUS_DATASOURCE_PASSWORD= \
LATCHKEY_BOOTSTRAP_APP="$APP_ID" \
LATCHKEY_TOKEN_ACCESS_LIFETIME=3s \
LATCHKEY_PASSWORD_ITERATIONS=10000 \
  java -jar "$JAR" >"$LOG" 2>&1 &
SERVER_PID=$!

ready=""
deadline=$((SECONDS + 60))
while (( SECONDS < deadline )); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    break
  fi
  if node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
      .then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' \
      "http://127.0.0.1:$PORT/q/health/ready" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  echo "compat: Latchkey did not become ready within 60 s; last lines of $LOG:" >&2
  tail -n 80 "$LOG" >&2 || true
  exit 1
fi

echo "compat: running the realm-web suite"
set +e
(
  cd "$SCRIPT_DIR"
  LATCHKEY_URL="http://127.0.0.1:$PORT" LATCHKEY_APP="$APP_ID" \
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
