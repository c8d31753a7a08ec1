#!/usr/bin/env bash
# Start-up time and memory of the packaged jar against an external PostgreSQL.
#
#   bash bench/startup.sh [label]
#
# Starts target/quarkus-app/quarkus-run.jar RUNS times (default 3), each on a fresh database
# (migrations included), or with RESTART=1 each on one database an unmeasured first start
# migrated, and prints, per run and as the median: ready = process start to the first 200 of
# /q/health/ready, the JVM's RSS and the CPU time it had used (user + system) at that moment;
# on a busy machine the CPU time moves less than the wall-clock time. The java is $JAVA_HOME/bin/java when
# JAVA_HOME is set, else the one on PATH; the JVM options are bin/run's (LATCHKEY_JAVA_OPTS
# replaces them, e.g. to add -XX:AOTCache=target/quarkus-app/app.aot). Every start is bounded
# (60 s); the server is stopped and each database dropped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

label=${1:-startup}
RUNS=${RUNS:-3}
PORT=${STARTUP_PORT:-19010}
PGHOST_=${PGHOST:-127.0.0.1}
PGPORT_=${PGPORT:-5432}
PGUSER_=${PGUSER:-postgres}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JAR=target/quarkus-app/quarkus-run.jar
# shellcheck source=bin/jvm-options
. bin/jvm-options
OPTS=${LATCHKEY_JAVA_OPTS-$default_java_opts}
ARENAS=${MALLOC_ARENA_MAX-$default_malloc_arena_max}
LOG=target/startup-$label.log
[ -f "$JAR" ] || { echo "startup: build first (./mvnw -B package -DskipTests)" >&2; exit 1; }

pid=""
db=""
psql_admin() { psql -h "$PGHOST_" -p "$PGPORT_" -U "$PGUSER_" -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
stop() {
  [ -z "$pid" ] || stop_server
  [ -z "$db" ] || psql_admin -c "drop database if exists \"$db\" with (force)" >/dev/null
  db=""
}
trap stop EXIT

"$JAVA" -version 2>&1 | head -n 1
: > "$LOG"
ready=()
start() { # run
  [ -n "$db" ] || { db=latchkey_startup_$$_$1; psql_admin -c "create database \"$db\"" >/dev/null; }
  started=$(date +%s%N)
  # shellcheck disable=SC2086
  QUARKUS_HTTP_PORT=$PORT QUARKUS_HTTP_HOST=127.0.0.1 \
    QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://$PGHOST_:$PGPORT_/$db" \
    QUARKUS_DATASOURCE_USERNAME="$PGUSER_" QUARKUS_DATASOURCE_PASSWORD= MALLOC_ARENA_MAX="$ARENAS" \
    "$JAVA" $OPTS -jar "$JAR" >> "$LOG" 2>&1 < /dev/null &
  pid=$!
  local rc=0
  wait_ready "http://127.0.0.1:$PORT/q/health/ready" "$pid" 60 0.01 || rc=$?
  [ "$rc" != 2 ] || { tail -n 30 "$LOG" >&2; echo "startup: the server exited" >&2; exit 1; }
  [ "$rc" = 0 ] || { echo "startup: not ready in 60 s" >&2; exit 1; }
  ms=$(( ($(date +%s%N) - started) / 1000000 ))
  rss=$(( $(awk '$1 == "Rss:" { print $2 }' "/proc/$pid/smaps_rollup") / 1024 ))
  # Fields 14 and 15 of /proc/PID/stat, in clock ticks; the command name (field 2) has no space here.
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$pid/stat")
}
stop_server() {
  kill -TERM "$pid" 2>/dev/null || true
  timeout 20 tail --pid="$pid" -f /dev/null || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}
if [ "${RESTART:-0}" = 1 ]; then
  start 0
  stop_server
fi
for run in $(seq 1 "$RUNS"); do
  start "$run"
  echo "startup: $label run $run: ready in $ms ms, CPU $cpu ms, RSS $rss MB"
  ready+=("$ms $rss $cpu")
  stop_server
  [ "${RESTART:-0}" = 1 ] || stop
done
runs() { printf '%s\n' "${ready[@]}" | cut -d' ' -f"$1"; }
median() { runs "$1" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }
echo "startup: $label: median ready $(median 1) ms ($(runs 1 | paste -sd/)), CPU $(median 3) ms ($(runs 3 | paste -sd/)), RSS $(median 2) MB ($(runs 2 | paste -sd/))"
