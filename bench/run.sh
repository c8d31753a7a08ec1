#!/usr/bin/env bash
# Latchkey benchmark suite: see bench/README.md.
#
#   bash bench/run.sh                    Latchkey scenarios (DURATION s each, default 20)
#   bash bench/run.sh --peer keycloak    the same, alternating with Keycloak 26.7.3 peers
#   bash bench/run.sh --smoke            3 s per scenario, no warm-up, no peer; exits non-zero
#                                        when a scenario had non-2xx answers or no requests
#   bash bench/run.sh --soak             SOAK_SECONDS (300) of paced mixed traffic, RSS sampled
#                                        every 10 s; exits non-zero on any error or RSS growth
#   bash bench/run.sh --abuse            honest traffic alone, then beside registration,
#                                        anonymous-login and token floods (bench/abuse.sh);
#                                        with --smoke a few seconds per phase (CI)
#
# Every load goes to 127.0.0.1 only and every step is bounded in time. Servers started here
# are always stopped and the bench database is always dropped (trap on EXIT).
# Output: a markdown table on stdout, also written to target/bench/result.md; wrk and
# server logs under target/bench/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=../e2e/keycloak.sh
source e2e/keycloak.sh

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

SMOKE=0
SOAK=0
ABUSE=0
PEER=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1 ;;
    --soak) SOAK=1 ;;
    --abuse) ABUSE=1 ;;
    --peer) [ $# -ge 2 ] || die "--peer needs a name (keycloak)"; PEER=$2; shift ;;
    --peer=*) PEER=${1#--peer=} ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done
[ -z "$PEER" ] || [ "$PEER" = keycloak ] || die "unknown peer '$PEER' (only: keycloak)"

[ "$SMOKE" = 1 ] && [ "$SOAK" = 1 ] && die "--smoke and --soak do not go together"
[ "$ABUSE" = 1 ] && [ "$SOAK" = 1 ] && die "--abuse and --soak do not go together"
if [ "$ABUSE" = 1 ]; then
  [ -z "$PEER" ] || log "--abuse runs no peer; ignoring --peer $PEER"
  PEER=""
  [ "${ABUSE_SMOKE:-0}" = 1 ] && SMOKE=1
  # shellcheck source=bench/abuse.sh
  . bench/abuse.sh
  abuse_settings
fi
if [ "$SOAK" = 1 ]; then
  [ -z "$PEER" ] || log "--soak runs no peer; ignoring --peer $PEER"
  PEER=""
  SOAK_SECONDS=${SOAK_SECONDS:-300}
  SOAK_DELAY_MS=${SOAK_DELAY_MS:-10}
  SOAK_CONNS=${SOAK_CONNS:-8}
  [[ "$SOAK_SECONDS" =~ ^[1-9][0-9]*$ ]] || die "SOAK_SECONDS must be a positive whole number of seconds"
  [[ "$SOAK_DELAY_MS" =~ ^[0-9]+$ ]] || die "SOAK_DELAY_MS must be a whole number of milliseconds"
  [[ "$SOAK_CONNS" =~ ^[1-9][0-9]*$ ]] || die "SOAK_CONNS must be a positive whole number"
  # The seeded access token lives 30 min; the profile requests would turn 401 after that.
  [ "$SOAK_SECONDS" -le 1500 ] || die "SOAK_SECONDS is at most 1500 (the access token lives 30 min)"
fi
if [ "$SMOKE" = 1 ] && [ "$ABUSE" = 0 ]; then
  [ -z "$PEER" ] || log "--smoke runs no peer; ignoring --peer $PEER"
  PEER=""
  DURATION=3
  WARMUP=0
  SETTLE_MAX=0
fi
DURATION=${DURATION:-20}
# A warm-up of 15 s: on two cores the JIT compilers still take over half a core 5 s into the
# first load of a freshly started server, so a shorter one measures compilation, not the server.
WARMUP=${WARMUP:-15}
# Before each scenario, wait (at most SETTLE_MAX seconds) until the machine is idle: compilation
# left over from the last load, or the peer's own background work after its start, would
# otherwise be measured as part of the next scenario.
SETTLE_MAX=${SETTLE_MAX:-30}
SETTLE_IDLE_PCT=${SETTLE_IDLE_PCT:-85}
THREADS=2
CONNS=16
PW_CONNS=4
WRK_TIMEOUT=10s
LK_PORT=${BENCH_LATCHKEY_PORT:-$([ "$ABUSE" = 1 ] && echo 18780 || echo 18280)}
KC_PORT=${BENCH_KEYCLOAK_PORT:-18380}
KC_VERSION=$KEYCLOAK_VERSION
APP_ID=bench-app
PGHOST_=${PGHOST:-127.0.0.1}
PGPORT_=${PGPORT:-5432}
PGUSER_=${PGUSER:-postgres}

OUT=$ROOT/target/bench
LOGS=$OUT/logs
mkdir -p "$LOGS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-bench.XXXXXX")

# ---------------------------------------------------------------------------- cleanup
LK_PID=""
KC_PID=""
DB=""
APP_DIR=""
WATCHDOG_PID=""
BG_PIDS=()   # background jobs (wrk, samplers) the modes start; stopped first on exit

psql_admin() {
  psql -h "$PGHOST_" -p "$PGPORT_" -U "$PGUSER_" -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  local pid
  for pid in ${SOAK_WRK_PID:-} "${BG_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  keycloak_stop
  stop_process_group "$LK_PID" latchkey
  if [ -n "$DB" ]; then
    psql_admin -c "drop database if exists \"$DB\" with (force)" >/dev/null 2>&1 \
      || log "could not drop database $DB"
  fi
  [ -z "$APP_DIR" ] || rm -rf "$APP_DIR"
  rm -rf "$WORK"
  if [ -n "$WATCHDOG_PID" ]; then
    kill -TERM "$WATCHDOG_PID" 2>/dev/null
    wait "$WATCHDOG_PID" 2>/dev/null
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------- tools
tools=(wrk jq curl)
[ -z "$PEER" ] || tools+=(unzip)
install_missing "${tools[@]}"

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  JAVA=$JAVA_HOME/bin/java
else
  JAVA=$(command -v java) || die "no java on PATH"
fi
JAVA_VERSION=$("$JAVA" -version 2>&1 | head -n 1)
# The jcmd of the same JDK (heap figures of the running server; the soak and abuse modes).
JCMD=$(dirname "$(readlink -f "$JAVA")")/jcmd
[ -x "$JCMD" ] || JCMD=$(command -v jcmd || echo /nonexistent/jcmd)

now_ms() { date +%s%3N; }

# The machine's idle share of CPU time over one second, in percent (/proc/stat: user nice system
# idle iowait irq softirq steal).
cpu_idle_pct() {
  local a b busy idle
  read -r -a a < /proc/stat
  sleep 1
  read -r -a b < /proc/stat
  idle=$(( b[4] - a[4] + b[5] - a[5] ))
  busy=$(( b[1] - a[1] + b[2] - a[2] + b[3] - a[3] + b[6] - a[6] + b[7] - a[7] + b[8] - a[8] ))
  echo $(( idle + busy > 0 ? 100 * idle / (idle + busy) : 100 ))
}

# settle: waits until the machine is idle, at most SETTLE_MAX seconds.
settle() {
  local waited=0 idle
  [ "$SETTLE_MAX" -gt 0 ] || return 0
  while :; do
    idle=$(cpu_idle_pct)
    waited=$(( waited + 1 ))
    if [ "$idle" -ge "$SETTLE_IDLE_PCT" ]; then
      log "machine idle ($idle %) after ${waited} s"
      return 0
    fi
    if [ "$waited" -ge "$SETTLE_MAX" ]; then
      log "machine still busy after ${waited} s (idle $idle %); measuring anyway"
      return 0
    fi
  done
}

port_busy() { curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" ; }
port_busy "$LK_PORT" && die "something already answers on 127.0.0.1:$LK_PORT (BENCH_LATCHKEY_PORT)"
if [ -n "$PEER" ]; then
  port_busy "$KC_PORT" && die "something already answers on 127.0.0.1:$KC_PORT (BENCH_KEYCLOAK_PORT)"
fi

# ---------------------------------------------------------------------------- build
JAR=target/quarkus-app/quarkus-run.jar
if [ ! -f "$JAR" ]; then
  log "$JAR is missing: building it"
  timeout 1200 ./mvnw -B -q package -DskipTests
fi
# Run from a private copy, so a concurrent rebuild cannot pull the jars from under the server.
APP_DIR=$OUT/app-$$
for attempt in 1 2 3 4; do
  rm -rf "$APP_DIR"
  if [ -f "$JAR" ] && cp -a target/quarkus-app "$APP_DIR" 2>/dev/null \
      && [ -f "$APP_DIR/quarkus-run.jar" ]; then
    break
  fi
  [ "$attempt" -lt 4 ] || die "could not copy target/quarkus-app (a rebuild in progress?)"
  log "target/quarkus-app is incomplete (a rebuild in progress?); retrying in 30 s"
  sleep 30
done
LK_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- src pom.xml 2>/dev/null)" ]; then LK_COMMIT="$LK_COMMIT+dirty"; fi

# Keycloak comes only through Maven; the unzipped dist is cached under target/ (e2e/keycloak.sh).
if [ -n "$PEER" ]; then
  keycloak_fetch || die "could not fetch Keycloak $KC_VERSION"
fi

# Bounds the whole run from here on (builds and downloads excluded).
n_runs=5
peer_start=0
if [ -n "$PEER" ]; then n_runs=7; peer_start=300; fi
if [ "$SOAK" = 1 ]; then
  # start-up (at most 120 s) and seeding, the soak itself, wrk's own 30 s timeout margin
  MAX_SECONDS=${BENCH_MAX_SECONDS:-$(( 240 + SOAK_SECONDS ))}
elif [ "$ABUSE" = 1 ]; then
  MAX_SECONDS=${BENCH_MAX_SECONDS:-$(abuse_max_seconds)}
else
  MAX_SECONDS=${BENCH_MAX_SECONDS:-$(( 120 + peer_start + n_runs * (DURATION + WARMUP + SETTLE_MAX + 15) ))}
fi
(
  trap 'kill "$sp" 2>/dev/null; exit 0' TERM
  sleep "$MAX_SECONDS" & sp=$!
  wait "$sp"
  echo "bench: the run exceeded $MAX_SECONDS s (BENCH_MAX_SECONDS); stopping" >&2
  kill -TERM $$
) &
WATCHDOG_PID=$!

# ---------------------------------------------------------------------------- helpers
HTTP_CODE=""
HTTP_BODY=""
http() { # method url [bearer] [json body | @form:<urlencoded>]
  local method=$1 url=$2 auth=${3:-} body=${4:-}
  local args=(-s -X "$method" -o "$WORK/body" -w '%{http_code}' --max-time 60)
  [ -z "$auth" ] || args+=(-H "Authorization: Bearer $auth")
  if [ -n "$body" ]; then
    case "$body" in
      @form:*) args+=(-H 'Content-Type: application/x-www-form-urlencoded' --data-binary "${body#@form:}") ;;
      *) args+=(-H 'Content-Type: application/json' --data-binary "$body") ;;
    esac
  fi
  rm -f "$WORK/body"
  HTTP_CODE=$(curl "${args[@]}" "$url" || true)
  HTTP_BODY=$(cat "$WORK/body" 2>/dev/null || true)
}
expect() { # status what
  [ "$HTTP_CODE" = "$1" ] || die "$2 answered ${HTTP_CODE:-no response} (expected $1): ${HTTP_BODY:0:500}"
}

rss_mb() { # pid
  local kb
  kb=$(ps -o rss= -p "$1" 2>/dev/null | tr -d ' ' || true)
  [ -n "$kb" ] && awk -v k="$kb" 'BEGIN { printf "%.0f", k / 1024 }' || echo "?"
}

declare -A RES=()
declare -A conns_of=()
SCENARIOS=()
RUN_FAILED=()

check_alive() { # pid name log
  kill -0 "$1" 2>/dev/null && return 0
  log "$2 died; last lines of $3:"
  tail -n 30 "$3" >&2 || true
  die "$2 is gone (if target/quarkus-app was rebuilt meanwhile, rerun)"
}

# run_wrk name url lua conns [VAR=value ...]: warm-up, then the measured run
run_wrk() {
  local name=$1 url=$2 lua=$ROOT/bench/wrk/$3 conns=$4 rc=0 line
  shift 4
  SCENARIOS+=("$name")
  settle
  if [ "$WARMUP" -gt 0 ]; then
    log "$name: warm-up ${WARMUP}s"
    env "$@" timeout -k 5 $(( WARMUP + 30 )) wrk -t"$THREADS" -c"$conns" -d"${WARMUP}s" \
      --timeout "$WRK_TIMEOUT" -s "$lua" "$url" > "$LOGS/wrk-$name-warmup.txt" 2>&1 \
      || log "$name: warm-up exited $? (see $LOGS/wrk-$name-warmup.txt)"
  fi
  log "$name: -t$THREADS -c$conns -d${DURATION}s"
  env "$@" timeout -k 5 $(( DURATION + 30 )) wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" \
    --timeout "$WRK_TIMEOUT" --latency -s "$lua" "$url" > "$LOGS/wrk-$name.txt" 2>&1 || rc=$?
  wrk_result "$name" "$LOGS/wrk-$name.txt" "$rc" "$conns"
}

# wrk_result name log exit_status conns: RES[name] from the log's BENCH_RESULT line (zeros and
# "failed" when wrk failed, which also lands in RUN_FAILED), and a one-line summary.
wrk_result() {
  local name=$1 wrk_log=$2 rc=$3 line
  line=$(sed -n 's/^BENCH_RESULT //p' "$wrk_log" | head -n 1)
  if [ "$rc" != 0 ] || [ -z "$line" ] || ! jq -e . >/dev/null 2>&1 <<<"$line"; then
    log "$name: wrk failed (exit $rc); see $wrk_log"
    tail -n 20 "$wrk_log" >&2 || true
    RUN_FAILED+=("$name")
    RES[$name]='{"requests":0,"rps":0,"p50_us":0,"p99_us":0,"non2xx":0,"errors":{"connect":0,"read":0,"write":0,"timeout":0},"statuses":{},"samples":{},"failed":true}'
  else
    RES[$name]=$line
  fi
  conns_of[$name]=$4
  log "$name: $(jq -r '"\(.requests) requests, \(.rps|floor) req/s, p50 \(.p50_us/1000) ms, p99 \(.p99_us/1000) ms, non-2xx \(.non2xx)"' <<<"${RES[$name]}")"
}

field() { jq -r "$2" <<<"${RES[$1]}"; }
rps() { field "$1" '.rps | floor'; }
ms() { field "$1" ".$2 / 1000 | . * 100 | round / 100"; }
sockerr() { field "$1" '.errors | .connect + .read + .write + .timeout'; }

# ---------------------------------------------------------------------------- Latchkey
bin/postgres-up
DB=latchkey_bench_$$
psql_admin -c "create database \"$DB\"" >/dev/null

log "starting Latchkey on 127.0.0.1:$LK_PORT (database $DB)"
# The JVM options bin/run starts Latchkey with, unless LATCHKEY_JAVA_OPTS says otherwise.
# shellcheck source=bin/jvm-options
. bin/jvm-options
LK_JAVA_OPTS=${LATCHKEY_JAVA_OPTS-$default_java_opts}
LK_MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX-$default_malloc_arena_max}
# Every request comes from 127.0.0.1, so the failed-login limit per address is lifted; the
# abuse mode keeps every limit at its default, since its floods must meet the real ones.
throttle_env=(LATCHKEY_THROTTLE_ADDRESS_FAILURES=100000000)
[ "$ABUSE" = 0 ] || throttle_env=()
lk_t0=$(now_ms)
# shellcheck disable=SC2086
env QUARKUS_HTTP_PORT="$LK_PORT" \
  QUARKUS_DATASOURCE_REACTIVE_URL="postgresql://$PGHOST_:$PGPORT_/$DB" \
  QUARKUS_DATASOURCE_USERNAME="$PGUSER_" \
  QUARKUS_DATASOURCE_PASSWORD= \
  LATCHKEY_BOOTSTRAP_APP="$APP_ID" \
  MALLOC_ARENA_MAX="$LK_MALLOC_ARENA_MAX" \
  "${throttle_env[@]}" \
  setsid "$JAVA" $LK_JAVA_OPTS -jar "$APP_DIR/quarkus-run.jar" \
  > "$LOGS/latchkey.log" 2>&1 < /dev/null &
LK_PID=$!
rc=0
wait_ready "http://127.0.0.1:$LK_PORT/q/health/ready" "$LK_PID" 120 0.02 || rc=$?
if [ "$rc" != 0 ]; then
  tail -n 40 "$LOGS/latchkey.log" >&2 || true
  [ "$rc" = 2 ] && die "Latchkey exited during start-up (log above: $LOGS/latchkey.log)"
  die "Latchkey was not ready within 120 s (log: $LOGS/latchkey.log)"
fi
LK_READY_MS=$(( $(now_ms) - lk_t0 ))
log "Latchkey ready in $LK_READY_MS ms"

LK=http://127.0.0.1:$LK_PORT/api/client/v2.0
EMAIL=bench-user@example.com
PASSWORD=bench-password-1
http POST "$LK/app/$APP_ID/auth/providers/local-userpass/register" "" \
  "$(jq -cn --arg e "$EMAIL" --arg p "$PASSWORD" '{email:$e,password:$p}')"
expect 201 "register"
http POST "$LK/app/$APP_ID/auth/providers/local-userpass/login" "" \
  "$(jq -cn --arg e "$EMAIL" --arg p "$PASSWORD" '{username:$e,password:$p}')"
expect 200 "local-userpass login"
ACCESS=$(jq -r .access_token <<<"$HTTP_BODY")
REFRESH=$(jq -r .refresh_token <<<"$HTTP_BODY")
[ -n "$ACCESS" ] && [ "$ACCESS" != null ] && [ -n "$REFRESH" ] && [ "$REFRESH" != null ] \
  || die "login result without tokens: ${HTTP_BODY:0:300}"
KEYS=""
for i in 1 2 3 4 5; do
  http POST "$LK/auth/api_keys" "$REFRESH" "{\"name\":\"bench-key-$i\"}"
  expect 201 "create API key $i"
  key=$(jq -r .key <<<"$HTTP_BODY")
  [ -n "$key" ] && [ "$key" != null ] || die "API key answer without key: ${HTTP_BODY:0:300}"
  KEYS="$KEYS $key"
done
# One request of each kind before the load, so a broken route fails loudly here.
http POST "$LK/app/$APP_ID/auth/providers/api-key/login" "" "{\"key\":\"$(awk '{print $1}' <<<"$KEYS")\"}"
expect 200 "api-key login"
http POST "$LK/auth/session" "$REFRESH"; expect 201 "session refresh"
http GET "$LK/auth/api_keys" "$REFRESH"; expect 200 "list API keys"
[ "$(jq length <<<"$HTTP_BODY")" = 5 ] || die "list API keys: expected 5 keys, got ${HTTP_BODY:0:300}"
KEY_ID=$(jq -r '.[0]._id' <<<"$HTTP_BODY")
http GET "$LK/auth/profile" "$ACCESS"; expect 200 "profile"
if [ "$SOAK" = 1 ]; then
  http PUT "$LK/auth/api_keys/$KEY_ID/enable" "$REFRESH"; expect 204 "enable API key"
fi
log "seeded: 1 user, 5 API keys"

# ---------------------------------------------------------------------------- soak
if [ "$SOAK" = 1 ]; then
  # shellcheck source=bench/soak.sh
  . "$ROOT/bench/soak.sh"
  run_soak
  exit $?
fi

# ---------------------------------------------------------------------------- abuse
if [ "$ABUSE" = 1 ]; then
  run_abuse
  exit $?
fi

# ---------------------------------------------------------------------------- Keycloak
KC_READY_MS=""
KC_RSS=""
KC_JAVA_PID=""
if [ "$PEER" = keycloak ]; then
  # A fresh H2 database every run, like Latchkey's fresh PostgreSQL database.
  log "starting Keycloak $KC_VERSION (start-dev, H2) on 127.0.0.1:$KC_PORT"
  rc=0
  KEYCLOAK_JAVA=$JAVA keycloak_start "$KC_PORT" "$LOGS/keycloak.log" || rc=$?
  [ "$rc" = 0 ] || die "Keycloak was not ready (rc $rc; log: $LOGS/keycloak.log)"
  KC_PID=$KEYCLOAK_PID
  KC_READY_MS=$KEYCLOAK_READY_MS
  log "Keycloak ready in $KC_READY_MS ms"

  KC=http://127.0.0.1:$KC_PORT
  KC_SECRET=bench-client-secret-0123456789
  KC_USER_PASSWORD=bench-password-1
  http POST "$KC/realms/master/protocol/openid-connect/token" "" \
    "@form:grant_type=password&client_id=admin-cli&username=admin&password=admin"
  expect 200 "keycloak admin token"
  ADMIN=$(jq -r .access_token <<<"$HTTP_BODY")
  http POST "$KC/admin/realms" "$ADMIN" \
    '{"realm":"bench","enabled":true,"accessTokenLifespan":3600,"ssoSessionIdleTimeout":36000,"ssoSessionMaxLifespan":36000}'
  expect 201 "keycloak create realm"
  http POST "$KC/admin/realms/bench/clients" "$ADMIN" \
    "$(jq -cn --arg s "$KC_SECRET" '{clientId:"bench-client",enabled:true,protocol:"openid-connect",publicClient:false,secret:$s,serviceAccountsEnabled:true,directAccessGrantsEnabled:true,standardFlowEnabled:false}')"
  expect 201 "keycloak create client"
  http POST "$KC/admin/realms/bench/users" "$ADMIN" \
    "$(jq -cn --arg p "$KC_USER_PASSWORD" '{username:"bench-user",enabled:true,email:"bench-user@example.com",emailVerified:true,firstName:"Bench",lastName:"User",requiredActions:[],credentials:[{type:"password",value:$p,temporary:false}]}')"
  expect 201 "keycloak create user"
  http POST "$KC/realms/bench/protocol/openid-connect/token" "" \
    "@form:grant_type=client_credentials&client_id=bench-client&client_secret=$KC_SECRET"
  expect 200 "keycloak client_credentials"
  http POST "$KC/realms/bench/protocol/openid-connect/token" "" \
    "@form:grant_type=password&client_id=bench-client&client_secret=$KC_SECRET&username=bench-user&password=$KC_USER_PASSWORD&scope=openid"
  expect 200 "keycloak password grant"
  KC_USER_TOKEN=$(jq -r .access_token <<<"$HTTP_BODY")
  http GET "$KC/realms/bench/protocol/openid-connect/userinfo" "$KC_USER_TOKEN"
  expect 200 "keycloak userinfo"
  log "keycloak configured: realm bench, client bench-client, user bench-user"
fi

# ---------------------------------------------------------------------------- load
run_wrk apikey-login "$LK/app/$APP_ID/auth/providers/api-key/login" apikey-login.lua "$CONNS" \
  BENCH_KEYS="$KEYS"
check_alive "$LK_PID" Latchkey "$LOGS/latchkey.log"
if [ -n "$PEER" ]; then
  run_wrk kc-client-credentials "$KC/realms/bench/protocol/openid-connect/token" \
    kc-client-credentials.lua "$CONNS" BENCH_CLIENT_ID=bench-client BENCH_CLIENT_SECRET="$KC_SECRET"
  check_alive "$KC_PID" Keycloak "$LOGS/keycloak.log"
fi
run_wrk list-keys "$LK/auth/api_keys" list-keys.lua "$CONNS" BENCH_TOKEN="$REFRESH"
check_alive "$LK_PID" Latchkey "$LOGS/latchkey.log"
if [ -n "$PEER" ]; then
  run_wrk kc-userinfo "$KC/realms/bench/protocol/openid-connect/userinfo" kc-userinfo.lua \
    "$CONNS" BENCH_TOKEN="$KC_USER_TOKEN"
  check_alive "$KC_PID" Keycloak "$LOGS/keycloak.log"
fi
run_wrk refresh "$LK/auth/session" refresh.lua "$CONNS" BENCH_TOKEN="$REFRESH"
check_alive "$LK_PID" Latchkey "$LOGS/latchkey.log"
run_wrk profile "$LK/auth/profile" profile.lua "$CONNS" BENCH_TOKEN="$ACCESS"
check_alive "$LK_PID" Latchkey "$LOGS/latchkey.log"
run_wrk password-login "$LK/app/$APP_ID/auth/providers/local-userpass/login" password-login.lua \
  "$PW_CONNS" BENCH_EMAIL="$EMAIL" BENCH_PASSWORD="$PASSWORD"
check_alive "$LK_PID" Latchkey "$LOGS/latchkey.log"

LK_RSS=$(rss_mb "$LK_PID")
if [ -n "$PEER" ]; then
  KC_JAVA_PID=$(pgrep -n -f -- "-Dkc\.script\.pid=$KC_PID " || true)
  KC_RSS=$(rss_mb "${KC_JAVA_PID:-$KC_PID}")
fi

# ---------------------------------------------------------------------------- report
declare -A TITLE=(
  [apikey-login]="api-key login (POST .../api-key/login)"
  [password-login]="email/password login (PBKDF2 600k)"
  [refresh]="refresh (POST /auth/session)"
  [list-keys]="list keys (GET /auth/api_keys)"
  [profile]="profile (GET /auth/profile)"
  [kc-client-credentials]="Keycloak client_credentials token"
  [kc-userinfo]="Keycloak userinfo"
)
mark() { if [ "$1" = 1 ]; then echo PASS; else echo MISS; fi; }
ge() { # a >= b, both numbers
  [[ "$1" =~ ^[0-9.]+$ && "$2" =~ ^[0-9.]+$ ]] || return 1
  awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'
}

report() {
  local s name
  echo "## Latchkey benchmark"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $LK_COMMIT, $(nproc) cores, $JAVA_VERSION;" \
    "wrk -t$THREADS -c$CONNS (password login -c$PW_CONNS) -d${DURATION}s, warm-up ${WARMUP}s, each after an idle machine (at most ${SETTLE_MAX}s)," \
    "all on 127.0.0.1$([ "$SMOKE" = 1 ] && echo ', SMOKE run (timings meaningless)')."
  echo
  echo "| scenario | server | conns | requests | req/s | p50 ms | p99 ms | non-2xx | socket errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  for name in "${SCENARIOS[@]}"; do
    s=Latchkey
    case "$name" in kc-*) s="Keycloak $KC_VERSION" ;; esac
    echo "| ${TITLE[$name]} | $s | ${conns_of[$name]} | $(field "$name" .requests) | $(rps "$name") |" \
      "$(ms "$name" p50_us) | $(ms "$name" p99_us) | $(field "$name" .non2xx) | $(sockerr "$name") |"
  done
  echo
  if [ -n "$PEER" ]; then
    echo "| side by side | Latchkey req/s | Keycloak req/s | ratio | Latchkey p50 / p99 ms | Keycloak p50 / p99 ms |"
    echo "|---|---:|---:|---:|---:|---:|"
    for pair in "apikey-login:kc-client-credentials:api-key login vs client_credentials token" \
                "list-keys:kc-userinfo:list keys vs userinfo"; do
      IFS=: read -r a b t <<<"$pair"
      echo "| $t | $(rps "$a") | $(rps "$b") | $(ratio "$a" "$b")x |" \
        "$(ms "$a" p50_us) / $(ms "$a" p99_us) | $(ms "$b" p50_us) / $(ms "$b" p99_us) |"
    done
    echo "| ready (process start to first 200) | $LK_READY_MS ms | $KC_READY_MS ms | | | |"
    echo "| RSS after the runs | $LK_RSS MB | $KC_RSS MB | | | |"
  else
    echo "| | Latchkey |"
    echo "|---|---:|"
    echo "| ready (process start to first 200 of /q/health/ready) | $LK_READY_MS ms |"
    echo "| RSS after the runs | $LK_RSS MB |"
  fi
  echo
  echo "Targets (markers only, nothing asserted):"
  echo
  local r non2xx_total sock_total
  if [ -n "$PEER" ]; then
    r=$(ratio apikey-login kc-client-credentials)
    echo "- $(mark "$(ge "$r" 5 && echo 1)") api-key login >= 5x Keycloak client_credentials (${r}x)"
    for name in list-keys profile; do
      r=$(ratio "$name" kc-userinfo)
      echo "- $(mark "$(ge "$r" 10 && echo 1)") ${TITLE[$name]} >= 10x Keycloak userinfo (${r}x)"
    done
  else
    echo "- n/a api-key login >= 5x Keycloak client_credentials (run with --peer keycloak)"
    echo "- n/a list keys and profile >= 10x Keycloak userinfo (run with --peer keycloak)"
  fi
  r=$(ms apikey-login p99_us)
  echo "- $(mark "$(ge 15 "$r" && echo 1)") ${TITLE[apikey-login]}: p99 <= 15 ms ($r ms)"
  for name in list-keys profile; do
    r=$(ms "$name" p99_us)
    echo "- $(mark "$(ge 10 "$r" && echo 1)") ${TITLE[$name]}: p99 <= 10 ms ($r ms)"
  done
  non2xx_total=0; sock_total=0
  for name in "${SCENARIOS[@]}"; do
    case "$name" in kc-*) continue ;; esac
    non2xx_total=$(( non2xx_total + $(field "$name" .non2xx) ))
    sock_total=$(( sock_total + $(sockerr "$name") ))
  done
  echo "- $(mark "$([ "$non2xx_total" = 0 ] && echo 1)") zero non-2xx from Latchkey ($non2xx_total; socket errors: $sock_total)"
  echo "- $(mark "$(ge 1000 "$LK_READY_MS" && echo 1)") Latchkey ready <= 1000 ms ($LK_READY_MS ms; started without the AOT cache here: bench/startup.sh measures it)"
  echo "- $(mark "$(ge 250 "$LK_RSS" && echo 1)") Latchkey RSS <= 250 MB ($LK_RSS MB)"
  for name in "${SCENARIOS[@]}"; do
    if [ "$(field "$name" .non2xx)" != 0 ]; then
      echo
      echo "Non-2xx in $name: statuses $(field "$name" '.statuses | tostring'), first bodies:"
      field "$name" '.samples | to_entries[] | "- \(.key): `\(.value | gsub("[\r\n`|]"; " "))`"'
    fi
  done
  if [ ${#RUN_FAILED[@]} -gt 0 ]; then
    echo
    echo "wrk failed for: ${RUN_FAILED[*]} (logs in target/bench/logs/)"
  fi
}
ratio() { # a b: rps(a) / rps(b), one decimal
  jq -rn --argjson a "$(field "$1" .rps)" --argjson b "$(field "$2" .rps)" \
    'if $b > 0 then ($a / $b * 10 | round / 10) else "inf" end'
}

report > "$WORK/result.md"
cp "$WORK/result.md" "$OUT/result.md"
echo
cat "$WORK/result.md"
log "table written to target/bench/result.md; logs in target/bench/logs/"

status=0
[ ${#RUN_FAILED[@]} -eq 0 ] || status=1
if [ "$SMOKE" = 1 ]; then
  for name in "${SCENARIOS[@]}"; do
    if [ "$(field "$name" .requests)" = 0 ] || [ "$(field "$name" .non2xx)" != 0 ]; then
      log "smoke: $name had $(field "$name" .requests) requests and $(field "$name" .non2xx) non-2xx answers"
      status=1
    fi
  done
  [ "$status" = 0 ] && log "smoke: every scenario answered 2xx"
fi
exit "$status"
