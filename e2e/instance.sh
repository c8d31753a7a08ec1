# Sourced by the end-to-end suites (compat/realm-web, compat/browser, e2e/graceful-shutdown):
# starts the packaged Latchkey on a fresh PostgreSQL database, and stops it and drops the
# database again. Run from the repository root.
#
#   instance_start NAME PORT [VAR=value ...]   builds the jar if missing, starts PostgreSQL if
#       needed, creates latchkey_NAME_<pid>, starts the jar on 127.0.0.1:PORT with SPEC
#       section 1's variables plus the given ones, logs to target/NAME-server.log and waits
#       for /q/health/ready. Sets INSTANCE_PID, INSTANCE_DB, INSTANCE_LOG.
#   instance_stop   TERM (KILL after 15 s) and drop the database; safe to call twice, so
#       call it from the suite's EXIT trap.

# shellcheck source=../bin/jvm-options
. bin/jvm-options

INSTANCE_PID=""
INSTANCE_DB=""
INSTANCE_LOG=""

instance_start() {
  local name=$1 port=$2
  shift 2
  [ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
  bin/postgres-up
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "$name: port $port is already in use" >&2
    return 1
  fi
  INSTANCE_DB="latchkey_${name}_$$"
  psql -h 127.0.0.1 -U postgres -d postgres -qc "create database $INSTANCE_DB"
  mkdir -p target
  INSTANCE_LOG="target/$name-server.log"
  echo "$name: starting Latchkey on 127.0.0.1:$port (database $INSTANCE_DB, log $INSTANCE_LOG)"
  env QUARKUS_HTTP_PORT="$port" \
    QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:5432/$INSTANCE_DB" \
    QUARKUS_DATASOURCE_USERNAME=postgres \
    QUARKUS_DATASOURCE_PASSWORD= \
    "$@" \
    java -jar target/quarkus-app/quarkus-run.jar > "$INSTANCE_LOG" 2>&1 &
  INSTANCE_PID=$!
  if ! wait_ready "http://127.0.0.1:$port/q/health/ready" "$INSTANCE_PID" 90 0.2; then
    echo "$name: Latchkey did not become ready; last lines of $INSTANCE_LOG:" >&2
    tail -n 60 "$INSTANCE_LOG" >&2 || true
    return 1
  fi
}

instance_stop() {
  if [ -n "$INSTANCE_PID" ]; then
    kill "$INSTANCE_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do
      kill -0 "$INSTANCE_PID" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$INSTANCE_PID" 2>/dev/null || true
    wait "$INSTANCE_PID" 2>/dev/null || true
    INSTANCE_PID=""
  fi
  if [ -n "$INSTANCE_DB" ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc "drop database if exists $INSTANCE_DB with (force)" >/dev/null 2>&1 || true
    INSTANCE_DB=""
  fi
}
