#!/usr/bin/env bash
# Graceful shutdown: on SIGTERM, requests in flight finish with their normal answer, requests
# that arrive afterwards are refused cleanly (503 or connection refused, never a hang), and the
# process exits by itself. Slow password logins stand in for long requests.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${SHUTDOWN_PORT:-18480}"
DB="latchkey_shutdown_$$"
LOG=target/shutdown-server.log
BASE="http://127.0.0.1:$PORT/api/client/v2.0/app/shutdown-app/auth/providers/local-userpass"
work=$(mktemp -d)
pid=""

cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -d postgres -qc "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
bin/postgres-up
psql -h 127.0.0.1 -U postgres -d postgres -qc "create database $DB"
mkdir -p target

# Close to a second of PBKDF2 per login, so the logins are surely in flight at the SIGTERM.
QUARKUS_HTTP_PORT="$PORT" \
QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:5432/$DB" \
QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://127.0.0.1:5432/$DB" \
QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_DATASOURCE_PASSWORD= \
LATCHKEY_BOOTSTRAP_APP=shutdown-app LATCHKEY_PASSWORD_ITERATIONS=3000000 \
  java -jar target/quarkus-app/quarkus-run.jar > "$LOG" 2>&1 &
pid=$!

for _ in $(seq 1 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/q/health/ready")" = 200 ] && break
  sleep 0.5
done

body='{"email":"drain@example.com","password":"drain-password"}'
curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$body" "$BASE/register" > "$work/register"
[ "$(cat "$work/register")" = 201 ] || { echo "shutdown: register failed: $(cat "$work/register")"; exit 1; }

login='{"username":"drain@example.com","password":"drain-password"}'
INFLIGHT=6
for i in $(seq 1 $INFLIGHT); do
  curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' -d "$login" "$BASE/login" > "$work/inflight-$i" &
done
# SIGTERM only once every login has reached the server (its connection is established).
for _ in $(seq 1 50); do
  [ "$(ss -Htn state established "( sport = :$PORT )" 2>/dev/null | wc -l)" -ge "$INFLIGHT" ] && break
  sleep 0.1
done
sleep 0.3
kill -TERM "$pid"
sleep 1
late=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$PORT/api/client/v2.0/app/shutdown-app/location" || true)
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true

exit_code=0
for _ in $(seq 1 40); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if kill -0 "$pid" 2>/dev/null; then
  echo "shutdown: FAIL: the process did not exit within 20 s of SIGTERM"
  exit 1
fi
wait "$pid" || exit_code=$?
pid=""

passed=0; failed=0
for i in $(seq 1 $INFLIGHT); do
  if [ "$(cat "$work/inflight-$i")" = 200 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "shutdown: in-flight login $i answered $(cat "$work/inflight-$i")"; fi
done
case "$late" in
  503|000) passed=$((passed + 1)) ;;
  *) failed=$((failed + 1)); echo "shutdown: a request after SIGTERM answered $late (expected 503 or refused)" ;;
esac
case "$exit_code" in
  0|143) passed=$((passed + 1)) ;;
  *) failed=$((failed + 1)); echo "shutdown: process exited with $exit_code" ;;
esac
echo "graceful-shutdown: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
