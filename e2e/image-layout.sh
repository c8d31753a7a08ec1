#!/usr/bin/env bash
# bin/run and bin/aot-train as Dockerfile.jvm uses them, without a container engine: the
# packaged application and the three scripts copied into a directory laid out like the image's
# /deployments (no pom.xml, no sources), then
#   - bin/run with no jar there stops with a message instead of trying to build;
#   - on JDK 25 or later (JDK25_HOME, else the first one under /usr/lib/jvm): bin/aot-train
#     writes the cache, and bin/run starts from it (-XX:AOTCache on the command line, the
#     cache mapped into the JVM), answers, and stops on SIGTERM;
#   - on the default java (JDK 17 here) bin/run starts without a cache and answers.
# Each start uses a fresh database on 127.0.0.1:5432; prints the ready times. Bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=bin/jvm-options
. bin/jvm-options
PORT="${IMAGE_LAYOUT_PORT:-18690}"
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
bin/postgres-up

work=$(mktemp -d)
root="$work/deployments"
pid=""
dbs=()
passed=0
cleanup() {
  if [ -n "$pid" ]; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  for db in "${dbs[@]}"; do
    psql -h 127.0.0.1 -U postgres -d postgres -qc "drop database if exists $db" || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "image-layout: FAIL: $*" >&2
  [ -f "$root/run.log" ] && tail -n 30 "$root/run.log" >&2
  exit 1
}
pass() {
  passed=$((passed + 1))
  echo "image-layout: ok: $*"
}
now_ms() { date +%s%3N; }

# The image's layout: Dockerfile.jvm's COPY lines.
mkdir -p "$root/target/quarkus-app" "$root/bin"
cp bin/aot-train bin/run bin/jvm-options "$root/bin/"

out=$(cd "$root" && timeout 20 bin/run 2>&1) && fail "bin/run without a jar exited 0"
grep -q "no target/quarkus-app/quarkus-run.jar" <<<"$out" || fail "bin/run without a jar said: $out"
[ ! -e "$root/mvnw" ] && [ ! -d "$root/target/quarkus-app/lib" ] || fail "bin/run without a jar left files behind"
pass "bin/run with no jar and no sources stops with a message and builds nothing"

cp -a target/quarkus-app/lib target/quarkus-app/app target/quarkus-app/quarkus "$root/target/quarkus-app/"
cp target/quarkus-app/*.jar "$root/target/quarkus-app/"

# new_db: creates a fresh database, named in DB (dropped on exit).
new_db() {
  DB="latchkey_image_$$_${#dbs[@]}"
  psql -h 127.0.0.1 -U postgres -d postgres -qc "create database $DB"
  dbs+=("$DB")
}

# start JAVA_HOME: bin/run in the layout on a fresh database; sets pid and READY_MS.
start() {
  local db t0
  new_db
  db=$DB
  t0=$(now_ms)
  (cd "$root" && exec env JAVA_HOME="$1" QUARKUS_HTTP_PORT="$PORT" \
    QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:5432/$db" \
    QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_DATASOURCE_PASSWORD= \
    bin/run > "$root/run.log" 2>&1) &
  pid=$!
  local rc=0
  wait_ready "http://127.0.0.1:$PORT/q/health/ready" "$pid" 120 || rc=$?
  [ "$rc" != 2 ] || fail "bin/run exited before it was ready"
  [ "$rc" = 0 ] || fail "bin/run was not ready within 120 s"
  READY_MS=$(( $(now_ms) - t0 ))
  # The subshell execs env, env execs bin/run, bin/run execs java: one process all along.
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ] || fail "bin/run did not exec java (pid $pid is $(cat "/proc/$pid/comm"))"
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/api/client/v2.0/app/latchkey-app/location")
  [ "$code" = 200 ] || fail "location answered $code"
}

stop() {
  kill -TERM "$pid"
  local rc=0
  timeout 30 tail --pid="$pid" -f /dev/null || fail "bin/run did not stop within 30 s of SIGTERM"
  wait "$pid" || rc=$?
  pid=""
  [ "$rc" = 0 ] || [ "$rc" = 143 ] || fail "bin/run exited with $rc after SIGTERM"
}

jdk25="${JDK25_HOME:-}"
if [ -z "$jdk25" ]; then
  for home in /usr/lib/jvm/*; do
    [ -x "$home/bin/java" ] || continue
    feature=$(java_feature "$home/bin/java")
    if [ "${feature:-0}" -ge 25 ] 2>/dev/null; then
      jdk25=$home
      break
    fi
  done
fi

if [ -n "$jdk25" ]; then
  new_db
  train_db=$DB
  (cd "$root" && JAVA_HOME="$jdk25" AOT_TRAIN_PORT=$((PORT + 1)) \
    QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://127.0.0.1:5432/$train_db" \
    QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_DATASOURCE_PASSWORD= \
    timeout 600 bin/aot-train) || fail "bin/aot-train failed"
  [ -s "$root/target/quarkus-app/app.aot" ] || fail "bin/aot-train wrote no cache"
  # The JDK leaves the classes of signed jars out of the cache (application.properties unsigns
  # Bouncy Castle's copy for that reason; a new release may name its signature files otherwise).
  signed=$(grep -c "Skipping .*: Signed JAR" "$root/target/aot-train.log" || true)
  [ "$signed" = 0 ] || fail "$signed classes of signed jars were left out of the cache"
  pass "bin/aot-train in the layout wrote the cache ($(du -m "$root/target/quarkus-app/app.aot" | cut -f1) MB), no class left out as signed"

  start "$jdk25"
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "-XX:AOTCache=target/quarkus-app/app.aot" \
    || fail "bin/run on JDK 25 did not start from the cache: $(tr '\0' ' ' < "/proc/$pid/cmdline")"
  # A cache the JVM refuses (another JDK build, other options) is only a warning; one it uses is
  # mapped into the process.
  grep -q "/target/quarkus-app/app.aot" "/proc/$pid/maps" \
    || fail "the JVM did not map the cache: $(grep -i aot "$root/run.log" | head -n 3)"
  aot_ms=$READY_MS
  stop
  pass "bin/run on JDK 25 starts from the cache, answers, stops on SIGTERM (ready in $aot_ms ms)"
else
  echo "image-layout: no JDK 25 or later under /usr/lib/jvm (set JDK25_HOME): the cache is not checked"
fi

default_home=$(java_home_of java)
default_feature=$(java_feature java)
start "$default_home"
! tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "-XX:AOTCache" \
  || [ "$default_feature" -ge 25 ] \
  || fail "bin/run passed -XX:AOTCache to a JDK before 25"
stop
pass "bin/run on the default java ($default_feature) answers and stops (ready in $READY_MS ms)"

echo "image-layout: $passed checks passed"
