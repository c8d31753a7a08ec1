#!/usr/bin/env bash
# Several instances (SPEC section 11): two packaged instances on ONE fresh database behind HAProxy
# (deploy/haproxy/haproxy.cfg, exactly as committed). e2e/two-instances.mjs then checks that
# tokens and keys made on one instance work on the other; that logout, key disable, key delete,
# user delete and an operator's user disable made on A are refused (401) by B, timing each over
# 200 trials (p99 at most 100 ms); that failed logins spread over both reach the per-account
# limit once; and that SIGKILL of one instance under traffic through HAProxy leaves the other
# serving. Prints the latency table; takes about two minutes on two busy cores.
#
# Installs Debian's haproxy when missing; builds the jar if missing. Ports 18950-18953
# (TWO_INSTANCES_PORT_BASE moves them). Always stops what it started and drops the database.
set -euo pipefail
cd "$(dirname "$0")/.."
# bin/run's JVM options.
# shellcheck source=bin/jvm-options
. bin/jvm-options
JAVA_OPTS_RUN=$default_java_opts

base="${TWO_INSTANCES_PORT_BASE:-18950}"
LB_PORT=$base A_PORT=$((base + 1)) B_PORT=$((base + 2)) STATS_PORT=$((base + 3))
APP=two-app
DB="latchkey_two_$$"
ADMIN_KEY="two-instances-$(od -An -N24 -tx1 /dev/urandom | tr -d " \n")"
# One key-encryption key for both, as a deployment gives every instance the same one.
KEK=$(head -c 32 /dev/urandom | base64)
work=$(mktemp -d)
pids=()

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  psql -h 127.0.0.1 -U postgres -d postgres -qc "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
started=$SECONDS

if ! command -v haproxy >/dev/null 2>&1; then
  echo "two-instances: installing Debian's haproxy"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy
fi
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
bin/postgres-up
for port in "$LB_PORT" "$A_PORT" "$B_PORT" "$STATS_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "two-instances: port $port is already in use" >&2
    exit 1
  fi
done
psql -h 127.0.0.1 -U postgres -d postgres -qc "create database $DB"

# Both start at once on the empty database: migrations, the app and the signing keys are made by
# whichever gets there first, as in a real rollout. bin/run's JVM options.
start() {
  local name=$1 port=$2
  # shellcheck disable=SC2086
  env QUARKUS_HTTP_PORT="$port" \
    QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:5432/$DB" \
    QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_DATASOURCE_PASSWORD= \
    LATCHKEY_BOOTSTRAP_APP=$APP LATCHKEY_ADMIN_KEY="$ADMIN_KEY" LATCHKEY_KEY_ENCRYPTION_KEY="$KEK" \
    QUARKUS_HTTP_PROXY_PROXY_ADDRESS_FORWARDING=true QUARKUS_HTTP_PROXY_ALLOW_X_FORWARDED=true \
    QUARKUS_HTTP_PROXY_TRUSTED_PROXIES=127.0.0.1 LATCHKEY_PASSWORD_ITERATIONS=1000 LATCHKEY_THROTTLE_REGISTRATIONS=100000 \
    MALLOC_ARENA_MAX=2 java $JAVA_OPTS_RUN -jar target/quarkus-app/quarkus-run.jar > "target/two-$name-server.log" 2>&1 &
  pids+=($!)
}
mkdir -p target
start a "$A_PORT"; A_PID=${pids[-1]}
start b "$B_PORT"; B_PID=${pids[-1]}
echo "two-instances: A on :$A_PORT (pid $A_PID), B on :$B_PORT (pid $B_PID), database $DB, logs target/two-{a,b}-server.log"
if ! wait_ready "http://127.0.0.1:$A_PORT/q/health/ready" "$A_PID" 120 0.2 \
  || ! wait_ready "http://127.0.0.1:$B_PORT/q/health/ready" "$B_PID" 120 0.2; then
  echo "two-instances: FAIL: the instances did not both become ready" >&2
  tail -n 40 target/two-a-server.log target/two-b-server.log >&2 || true
  exit 1
fi
echo "two-instances: both ready after $((SECONDS - started)) s"

LATCHKEY_LB_BIND="127.0.0.1:$LB_PORT" LATCHKEY_A="127.0.0.1:$A_PORT" LATCHKEY_B="127.0.0.1:$B_PORT" \
  LATCHKEY_LB_STATS="127.0.0.1:$STATS_PORT" haproxy -db -f deploy/haproxy/haproxy.cfg > target/two-haproxy.log 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$LB_PORT/q/health/ready" "" 60 0.2 \
  || { echo "two-instances: FAIL: HAProxy did not answer" >&2; exit 1; }

status=0
A="http://127.0.0.1:$A_PORT" B="http://127.0.0.1:$B_PORT" LB="http://127.0.0.1:$LB_PORT" \
  STATS="http://127.0.0.1:$STATS_PORT/stats;csv" APP=$APP ADMIN_KEY="$ADMIN_KEY" DB="$DB" B_PID="$B_PID" \
  timeout 240 node e2e/two-instances.mjs &
# In the background, so a SIGTERM or Ctrl-C reaches the trap at once rather than after the driver.
driver=$!
pids=("$driver" "${pids[@]}")
wait "$driver" || status=$?
if grep -h ' ERROR ' target/two-a-server.log target/two-b-server.log; then
  echo "FAIL an instance logged an ERROR (above)"
  status=1
fi
echo "two-instances: finished in $((SECONDS - started)) s"
exit "$status"
