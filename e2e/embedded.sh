#!/usr/bin/env bash
# Embedded default: the packaged service, started with no datasource settings, runs its own
# PostgreSQL in LATCHKEY_DATA_DIR. Users and keys survive a SIGTERM restart, a SIGKILL of the
# JVM, and a SIGKILL of the JVM together with the server's watchdog (the next start stops the
# server left behind); no postgres process of the data directory outlives a stop. Prints the
# ready time (process start to the first 200 of /q/health/ready) and resident memory of each start.
set -euo pipefail
cd "$(dirname "$0")/.."
# bin/run's JVM options.
# shellcheck source=bin/jvm-options
. bin/jvm-options
JAVA_OPTS_RUN=$default_java_opts

PORT="${EMBEDDED_PORT:-18580}"
BASE="http://127.0.0.1:$PORT/api/client/v2.0"
PROVIDERS="$BASE/app/latchkey-app/auth/providers"
JAR=target/quarkus-app/quarkus-run.jar
LOG=target/embedded-server.log
work=$(mktemp -d)
data="$work/data"
pid=""
passed=0

# Whatever the calling shell has configured, this check is about having no database settings.
for variable in $(compgen -e | grep '^QUARKUS_DATASOURCE_' || true); do
  unset "$variable"
done

# Every process of this data directory: the server's processes run in pgdata (a postmaster
# chdirs there), the watchdog's command line names it.
leftovers() {
  local proc
  for proc in /proc/[0-9]*; do
    if [ "$(readlink "$proc/cwd" 2>/dev/null)" = "$data/pgdata" ] \
        || tr '\0' ' ' 2>/dev/null < "$proc/cmdline" | grep -qF -- "-D $data/pgdata"; then
      echo "${proc#/proc/}"
    fi
  done
}

children() { # PID NAME: the children of PID whose command name is NAME
  local proc
  for proc in /proc/[0-9]*; do
    if [ "$(awk '/^PPid:/ { print $2 }' "$proc/status" 2>/dev/null)" = "$1" ] \
        && [ "$(cat "$proc/comm" 2>/dev/null)" = "$2" ]; then
      echo "${proc#/proc/}"
    fi
  done
}

cleanup() {
  if [ -n "$pid" ]; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  local left
  left=$(leftovers)
  [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "embedded: FAIL: $*"
  echo "embedded: last lines of $LOG:"
  tail -n 40 "$LOG" || true
  echo "embedded: $passed passed, 1 failed"
  exit 1
}

pass() {
  passed=$((passed + 1))
  echo "embedded: ok: $*"
}

memory_kb() { # FIELD PID...: sum of a /proc field (Rss, Pss) over the pids, in kB
  local field=$1 total=0 p kb
  shift
  for p in "$@"; do
    kb=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

start() {
  local what=$1 started ready_ms server jvm_kb pg_kb pg_pss_kb
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    fail "port $PORT is already in use"
  fi
  started=$(date +%s%N)
  # shellcheck disable=SC2086
  QUARKUS_HTTP_PORT="$PORT" QUARKUS_HTTP_HOST=127.0.0.1 LATCHKEY_DATA_DIR="$data" LATCHKEY_PASSWORD_ITERATIONS=10000 \
    MALLOC_ARENA_MAX=2 java $JAVA_OPTS_RUN -jar "$JAR" >> "$LOG" 2>&1 &
  pid=$!
  local rc=0
  wait_ready "http://127.0.0.1:$PORT/q/health/ready" "$pid" 120 || rc=$?
  [ "$rc" != 2 ] || fail "$what: Latchkey exited before it was ready"
  [ "$rc" = 0 ] || fail "$what: not ready within 120 s"
  ready_ms=$((($(date +%s%N) - started) / 1000000))
  server=$(leftovers)
  jvm_kb=$(memory_kb Rss "$pid")
  # shellcheck disable=SC2086
  pg_kb=$(memory_kb Rss $server)
  # shellcheck disable=SC2086
  pg_pss_kb=$(memory_kb Pss $server)
  # RSS counts the server's shared buffers once per process that touched them; PSS shares them out.
  echo "embedded: $what: ready in $ready_ms ms; RSS $(((jvm_kb + pg_kb) / 1024)) MB" \
    "(JVM $((jvm_kb / 1024)) MB, PostgreSQL $((pg_kb / 1024)) MB, PostgreSQL PSS $((pg_pss_kb / 1024)) MB)"
  pass "$what: ready"
}

# Waits (bounded) for the JVM to exit; sets exit_code.
await_exit() {
  exit_code=0
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && fail "Latchkey did not exit within 30 s"
  { wait "$pid"; } 2>/dev/null || exit_code=$?
  pid=""
}

no_leftovers() {
  local what=$1 left=""
  for _ in $(seq 1 100); do
    left=$(leftovers)
    [ -z "$left" ] && { pass "$what: no postgres process of the data directory is left"; return; }
    sleep 0.1
  done
  fail "$what: processes of the data directory are still running: $(for p in $left; do tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline"; echo; done)"
}

post() { # URL BODY [BEARER] -> "status body"
  local auth=()
  [ $# -lt 3 ] || auth=(-H "Authorization: Bearer $3")
  curl -s --max-time 10 -w ' %{http_code}' -H 'Content-Type: application/json' "${auth[@]}" -d "$2" "$1"
}

json_field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

key_logs_in() {
  local answer
  answer=$(post "$PROVIDERS/api-key/login" "{\"key\":\"$key\"}")
  [ "${answer##* }" = 200 ] || fail "$1: api-key login answered ${answer##* }"
  pass "$1: the API key still logs in"
}

[ -f "$JAR" ] || ./mvnw -B -q package -DskipTests
mkdir -p target
: > "$LOG"

# 0. The JDBC URL alone (what releases before database/Migrations also needed) is refused with a
# message, instead of starting the embedded server beside the database it names.
# shellcheck disable=SC2086
out=$(QUARKUS_HTTP_PORT="$PORT" QUARKUS_HTTP_HOST=127.0.0.1 LATCHKEY_DATA_DIR="$data" \
  QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:5432/latchkey \
  timeout 60 java $JAVA_OPTS_RUN -jar "$JAR" 2>&1 < /dev/null) && fail "a JDBC URL alone: Latchkey started"
grep -q "QUARKUS_DATASOURCE_JDBC_URL is set and QUARKUS_DATASOURCE_REACTIVE_URL is not" <<<"$out" \
  || fail "a JDBC URL alone: no message saying so: $(tail -n 5 <<<"$out")"
[ ! -e "$data/pgdata" ] || fail "a JDBC URL alone: the embedded server was set up anyway"
pass "a JDBC URL without the reactive URL stops the start with a message, and starts no embedded server"

# 1. First start: unpacks the server, creates the cluster and the database.
start "first start"
[ -f "$data/password" ] && [ "$(stat -c %a "$data/password")" = 600 ] || fail "no private password file in $data"
grep -q "trust" "$data/pgdata/pg_hba.conf" && grep -v '^#' "$data/pgdata/pg_hba.conf" | grep -qw trust && fail "pg_hba.conf trusts connections"
pass "the server asks for a password (scram-sha-256), kept in a 0600 file"
[ "$(grep -c "Database: embedded PostgreSQL" "$LOG")" = 1 ] || fail "the start-up log lacks the one line about the embedded database"
pass "one log line says where the data is and how to use another PostgreSQL"

answer=$(post "$PROVIDERS/local-userpass/register" '{"email":"embedded@example.com","password":"embedded-pw"}')
[ "${answer##* }" = 201 ] || fail "register answered ${answer##* }"
answer=$(post "$PROVIDERS/local-userpass/login" '{"username":"embedded@example.com","password":"embedded-pw"}')
[ "${answer##* }" = 200 ] || fail "login answered ${answer##* }"
refresh=$(echo "$answer" | json_field refresh_token)
answer=$(post "$BASE/auth/api_keys" '{"name":"embedded-key"}' "$refresh")
[ "${answer##* }" = 201 ] || fail "creating a key answered ${answer##* }"
key=$(echo "$answer" | json_field key)
[ -n "$key" ] || fail "no key in the answer"
pass "register, log in, create a key"

# 2. SIGTERM: the server stops with Latchkey.
kill -TERM "$pid"
await_exit
case "$exit_code" in 0|143) pass "SIGTERM: Latchkey exited ($exit_code)" ;; *) fail "SIGTERM: Latchkey exited with $exit_code" ;; esac
no_leftovers "after SIGTERM"

# 3. Restart on the same directory.
start "restart"
key_logs_in "after restart"

# 4. SIGKILL of the JVM alone: the watchdog stops the server.
kill -KILL "$pid"
await_exit
no_leftovers "after SIGKILL of the JVM"
start "start after SIGKILL"
key_logs_in "after SIGKILL"

# 5. SIGKILL of the JVM and the watchdog: the server is left behind, the next start stops it.
watchdogs=$(children "$pid" sh)
for w in $watchdogs; do watchdogs="$watchdogs $(children "$w" sh)"; done
[ -n "$watchdogs" ] || fail "no watchdog process under the JVM"
# shellcheck disable=SC2086
kill -KILL "$pid" $watchdogs
await_exit
sleep 0.5
[ -n "$(leftovers)" ] || fail "killing the watchdog too should have left the server running"
start "start over a server left running"
grep -q "left running in $data/pgdata by an earlier Latchkey" "$LOG" || fail "the left-over server was not reported"
pass "the server left behind was found and stopped"
key_logs_in "after the left-over server"

# 6. Final stop.
kill -TERM "$pid"
await_exit
no_leftovers "after the final SIGTERM"

echo "embedded: $passed passed, 0 failed"
