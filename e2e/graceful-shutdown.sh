#!/usr/bin/env bash
# Graceful shutdown: on SIGTERM, requests in flight finish with their normal answer, requests
# that arrive afterwards are refused cleanly (503 or connection refused, never a hang), and the
# process exits by itself. Slow password logins stand in for long requests.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${SHUTDOWN_PORT:-18480}"
BASE="http://127.0.0.1:$PORT/api/client/v2.0/app/shutdown-app/auth/providers/local-userpass"
work=$(mktemp -d)
# shellcheck source=instance.sh
source e2e/instance.sh

cleanup() {
  instance_stop
  rm -rf "$work"
}
trap cleanup EXIT

# Close to a second of PBKDF2 per login, so the logins are surely in flight at the SIGTERM.
# Two hashes at a time (the default is half the cores: one here), and a request deadline that a busy
# CI machine cannot reach: this check is about the drain, not about those bounds.
instance_start shutdown "$PORT" LATCHKEY_BOOTSTRAP_APP=shutdown-app LATCHKEY_PASSWORD_ITERATIONS=3000000 \
  LATCHKEY_PASSWORD_CONCURRENCY=2 LATCHKEY_REQUEST_DEADLINE=30s
pid=$INSTANCE_PID

body='{"email":"drain@example.com","password":"drain-password"}'
curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$body" "$BASE/register" > "$work/register"
[ "$(cat "$work/register")" = 201 ] || { echo "shutdown: register failed: $(cat "$work/register")"; exit 1; }

login='{"username":"drain@example.com","password":"drain-password"}'
# One login first, so the first-time class loading of the login path is behind us.
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$login" "$BASE/login")" = 200 ] \
  || { echo "shutdown: warm-up login failed"; exit 1; }
INFLIGHT=6
for i in $(seq 1 $INFLIGHT); do
  curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' -d "$login" "$BASE/login" > "$work/inflight-$i" &
done
# SIGTERM only once every login is being worked on: its connection is established, and a
# second has passed for the server to read and route it. Six logins of ~0.75 s of PBKDF2 each
# on two cores take over two seconds, so all of them are still in flight then.
for _ in $(seq 1 50); do
  [ "$(ss -Htn state established "( sport = :$PORT )" 2>/dev/null | wc -l)" -ge "$INFLIGHT" ] && break
  sleep 0.1
done
sleep 1
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
INSTANCE_PID=""

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
# Nothing may fail while stopping: a listener or timer that outlives the beans it uses logs an
# ERROR after shutdown.
if grep ' ERROR ' "$INSTANCE_LOG"; then
  failed=$((failed + 1)); echo "shutdown: the server logged an ERROR (above)"
else
  passed=$((passed + 1))
fi
echo "graceful-shutdown: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
