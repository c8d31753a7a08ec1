# Sourced by the scripts that need a real OpenID Connect provider (e2e/keycloak-custom-jwt.sh,
# bench/run.sh --peer keycloak): Keycloak, fetched through Maven as
# org.keycloak:keycloak-quarkus-dist (never committed), started in dev mode (H2) on
# 127.0.0.1 only. Run from the repository root.
#
#   keycloak_fetch   unzips the distribution into $KEYCLOAK_HOME (target/keycloak-<version>)
#       unless it is there already.
#   keycloak_start PORT LOG [kc.sh option ...]   start-dev on 127.0.0.1:PORT with a fresh
#       H2 database and the bootstrap admin admin/admin, in its own process group, logging to
#       LOG; waits (KEYCLOAK_START_TIMEOUT, default 300 s) until the master realm answers.
#       Uses $KEYCLOAK_JAVA when set. Sets KEYCLOAK_PID (kc.sh, the group's leader) and
#       KEYCLOAK_READY_MS. Returns 1 on a timeout, 2 when Keycloak exited.
#   keycloak_stop    TERM the process group, KILL after 20 s; safe to call twice, so call it
#       from the EXIT trap.
#   stop_process_group PID NAME   the same for any process started with setsid.
#   keycloak_admin_token PORT   prints an access token of the bootstrap admin.
#   install_missing COMMAND ...   installs the missing ones from Debian's packages of the
#       same names (these functions need curl, jq and unzip).

KEYCLOAK_VERSION=26.7.3
KEYCLOAK_HOME=${KEYCLOAK_HOME:-$PWD/target/keycloak-$KEYCLOAK_VERSION}
KEYCLOAK_PID=""
KEYCLOAK_READY_MS=""

keycloak_fetch() {
  [ -x "$KEYCLOAK_HOME/bin/kc.sh" ] && return 0
  local download
  download=$(dirname "$KEYCLOAK_HOME")/keycloak-download
  echo "keycloak: fetching keycloak-quarkus-dist $KEYCLOAK_VERSION through Maven" >&2
  timeout 900 ./mvnw -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" -DoutputDirectory="$download" || return 1
  rm -rf "$KEYCLOAK_HOME.tmp"
  mkdir -p "$KEYCLOAK_HOME.tmp"
  unzip -q "$download/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip" -d "$KEYCLOAK_HOME.tmp" || return 1
  mv "$KEYCLOAK_HOME.tmp/keycloak-$KEYCLOAK_VERSION" "$KEYCLOAK_HOME"
  rm -rf "$KEYCLOAK_HOME.tmp" "$download"
}

keycloak_start() {
  local port=$1 log=$2 t0 code
  shift 2
  # A fresh H2 database every run.
  rm -rf "$KEYCLOAK_HOME/data"
  mkdir -p "$(dirname "$log")"
  local java_env=()
  [ -z "${KEYCLOAK_JAVA:-}" ] || java_env=(JAVA="$KEYCLOAK_JAVA")
  t0=$(date +%s%3N)
  env KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin "${java_env[@]}" \
    setsid "$KEYCLOAK_HOME/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="$port" "$@" \
    > "$log" 2>&1 < /dev/null &
  KEYCLOAK_PID=$!
  local deadline=$((SECONDS + ${KEYCLOAK_START_TIMEOUT:-300}))
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/realms/master" || true)
    [ "$code" = 200 ] && break
    if ! kill -0 "$KEYCLOAK_PID" 2>/dev/null; then
      echo "keycloak: exited during start-up; last lines of $log:" >&2
      tail -n 40 "$log" >&2 || true
      return 2
    fi
    if [ "$SECONDS" -gt "$deadline" ]; then
      echo "keycloak: not ready within ${KEYCLOAK_START_TIMEOUT:-300} s; last lines of $log:" >&2
      tail -n 40 "$log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  KEYCLOAK_READY_MS=$(( $(date +%s%3N) - t0 ))
}

keycloak_stop() {
  local pid=$KEYCLOAK_PID
  KEYCLOAK_PID=""
  stop_process_group "$pid" keycloak
}

stop_process_group() {
  local pid=$1 name=$2
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  echo "$name: stopping (pid $pid)" >&2
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$name: did not stop in 20 s; killing it" >&2
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

install_missing() {
  local need=() tool sudo=""
  for tool in "$@"; do command -v "$tool" >/dev/null || need+=("$tool"); done
  [ ${#need[@]} -gt 0 ] || return 0
  echo "installing ${need[*]} from Debian's packages" >&2
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need[@]}"
}

keycloak_admin_token() {
  curl -sf --max-time 60 -d grant_type=password -d client_id=admin-cli -d username=admin -d password=admin \
    "http://127.0.0.1:$1/realms/master/protocol/openid-connect/token" | jq -r .access_token
}
