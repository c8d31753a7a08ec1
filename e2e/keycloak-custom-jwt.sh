#!/usr/bin/env bash
# Custom JWT login with a real identity provider. Keycloak (e2e/keycloak.sh: fetched through
# Maven, start-dev, H2) gets a realm, a client and two users through its admin REST API; the
# packaged Latchkey is started with an app that takes that realm's RS256 tokens (JWKS URI,
# audience, metadata). Then a Keycloak token logs in over plain HTTP, and realm-web 2.0.1 logs
# in and links with Credentials.jwt (compat/realm-web/keycloak/custom-jwt.test.mjs).
#
# Loopback only. Ports: KEYCLOAK_E2E_PORT (18660; its management port 18661) and
# KEYCLOAK_E2E_LATCHKEY_PORT (18662). Every step is bounded in time (Keycloak's start 300 s,
# Latchkey's 90 s, each request 60 s, the node test 300 s); Keycloak and Latchkey are always
# stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

KC_PORT=${KEYCLOAK_E2E_PORT:-18660}
KC_MANAGEMENT_PORT=$((KC_PORT + 1))
LK_PORT=${KEYCLOAK_E2E_LATCHKEY_PORT:-18662}
APP_ID=keycloak-jwt-app
REALM=latchkey-e2e
CLIENT_ID=latchkey-web
AUDIENCE=latchkey-api
KC=http://127.0.0.1:$KC_PORT
LOGS=target/keycloak-e2e

# shellcheck source=instance.sh
source e2e/instance.sh
# shellcheck source=keycloak.sh
source e2e/keycloak.sh

log() { echo "keycloak-jwt: $*"; }
jwt_part() { # token index: a JWT's header (1) or payload (2), decoded
  local part
  part=$(cut -d. -f"$2" <<<"$1" | tr '_-' '/+')
  while [ $(( ${#part} % 4 )) != 0 ]; do part="$part="; done
  base64 -d <<<"$part"
}
die() { echo "keycloak-jwt: FAIL: $*" >&2; exit 1; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  keycloak_stop
  instance_stop
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

install_missing jq curl unzip
for port in "$KC_PORT" "$KC_MANAGEMENT_PORT" "$LK_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is already in use"
  fi
done
if [[ ! -f compat/realm-web/node_modules/.package-lock.json || compat/realm-web/package-lock.json -nt compat/realm-web/node_modules/.package-lock.json ]]; then
  log "npm ci in compat/realm-web"
  (cd compat/realm-web && npm ci --no-audit --no-fund)
fi
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests
keycloak_fetch

# ---------------------------------------------------------------------------- Keycloak
log "starting Keycloak $KEYCLOAK_VERSION on 127.0.0.1:$KC_PORT (log $LOGS/keycloak.log)"
KEYCLOAK_JAVA=${KEYCLOAK_JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}} \
  keycloak_start "$KC_PORT" "$LOGS/keycloak.log" --http-management-port="$KC_MANAGEMENT_PORT" \
  || die "Keycloak did not start"
log "Keycloak ready in $KEYCLOAK_READY_MS ms"

kc_admin() { # method path json: the admin REST API; fails on any non-2xx
  local code
  code=$(curl -s -o "$LOGS/admin-answer" -w '%{http_code}' --max-time 60 -X "$1" \
    -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' --data-binary "$3" "$KC/admin/realms$2")
  [[ "$code" == 2* ]] || die "Keycloak admin $1 $2 answered $code: $(head -c 500 "$LOGS/admin-answer")"
}
ADMIN=$(keycloak_admin_token "$KC_PORT")
[ -n "$ADMIN" ] && [ "$ADMIN" != null ] || die "no Keycloak admin token"
kc_admin POST "" "$(jq -cn --arg r "$REALM" '{realm:$r, enabled:true}')"
# A public client for a web app (password grant for the test), whose access tokens carry the
# API's audience, as an app would configure Keycloak for Latchkey.
kc_admin POST "/$REALM/clients" "$(jq -cn --arg c "$CLIENT_ID" --arg a "$AUDIENCE" '{
  clientId:$c, enabled:true, publicClient:true, directAccessGrantsEnabled:true, standardFlowEnabled:false,
  protocolMappers:[{name:"latchkey audience", protocol:"openid-connect", protocolMapper:"oidc-audience-mapper",
    config:{"included.custom.audience":$a, "access.token.claim":"true", "id.token.claim":"false"}}]}')"
for user in ada grace; do
  kc_admin POST "/$REALM/users" "$(jq -cn --arg u "$user" '{username:$u, enabled:true, email:($u + "@example.com"),
    emailVerified:true, firstName:$u, lastName:"Tester", requiredActions:[],
    credentials:[{type:"password", value:($u + "-password-1"), temporary:false}]}')"
done
log "Keycloak: realm $REALM, public client $CLIENT_ID (audience $AUDIENCE), users ada and grace"

TOKEN_URL=$KC/realms/$REALM/protocol/openid-connect/token
TOKEN=$(curl -sf --max-time 60 -d grant_type=password -d client_id="$CLIENT_ID" -d username=ada \
  -d password=ada-password-1 -d scope=openid "$TOKEN_URL" | jq -r .access_token)
[ -n "$TOKEN" ] && [ "$TOKEN" != null ] || die "Keycloak issued no token for ada"
CLAIMS=$(jwt_part "$TOKEN" 2)
log "Keycloak token for ada: alg $(jwt_part "$TOKEN" 1 | jq -r .alg), kid $(jwt_part "$TOKEN" 1 | jq -r .kid)," \
  "iss $(jq -r .iss <<<"$CLAIMS"), aud $(jq -c .aud <<<"$CLAIMS"), ${#TOKEN} chars"

# ---------------------------------------------------------------------------- Latchkey
SETTINGS=$(jq -cn --arg jwks "$KC/realms/$REALM/protocol/openid-connect/certs" --arg a "$AUDIENCE" '{providers: {
  "custom-token": {enabled:true, signing_algorithm:"RS256", jwks_uri:$jwks, audience:[$a],
    metadata_fields:[{required:true, name:"email"}, {name:"preferred_username", field_name:"name"},
                     {name:"realm_access.roles", field_name:"roles"}]}}}')
instance_start keycloak_jwt "$LK_PORT" LATCHKEY_BOOTSTRAP_APP="$APP_ID" LATCHKEY_BOOTSTRAP_SETTINGS="$SETTINGS"

LK=http://127.0.0.1:$LK_PORT/api/client/v2.0
login() { # token -> HTTP status, body in $LOGS/login
  curl -s -o "$LOGS/login" -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' \
    --data-binary "$(jq -cn --arg t "$1" '{token:$t}')" "$LK/app/$APP_ID/auth/providers/custom-token/login"
}
status=$(login "$TOKEN")
[ "$status" = 200 ] || die "custom-token login answered $status: $(cat "$LOGS/login")"
USER_ID=$(jq -r .user_id "$LOGS/login")
ACCESS=$(jq -r .access_token "$LOGS/login")
PROFILE=$(curl -sf --max-time 30 -H "Authorization: Bearer $ACCESS" "$LK/auth/profile")
[ "$(jq -r '.identities[0].provider_id' <<<"$PROFILE")" = "$(jq -r .sub <<<"$CLAIMS")" ] \
  || die "profile identity is not the Keycloak sub: $PROFILE"
[ "$(jq -r .data.email <<<"$PROFILE")" = ada@example.com ] || die "profile without Keycloak's email: $PROFILE"
log "HTTP: Keycloak user ada logged in as Latchkey user $USER_ID; profile $(jq -c '{identities, data}' <<<"$PROFILE")"
SIGNATURE=${TOKEN##*.}
FLIPPED=$([ "${SIGNATURE:20:1}" = A ] && echo B || echo A)
status=$(login "${TOKEN%.*}.${SIGNATURE:0:20}$FLIPPED${SIGNATURE:21}")
[ "$status" = 401 ] || die "a tampered Keycloak token answered $status: $(cat "$LOGS/login")"
OTHER_REALM=$(keycloak_admin_token "$KC_PORT")
status=$(login "$OTHER_REALM")
[ "$status" = 401 ] || die "a token of Keycloak's master realm answered $status: $(cat "$LOGS/login")"
log "HTTP: a tampered token and a token of another realm are refused (401)"

log "running compat/realm-web/keycloak/custom-jwt.test.mjs"
(
  cd compat/realm-web
  LATCHKEY_URL="http://127.0.0.1:$LK_PORT" LATCHKEY_APP="$APP_ID" \
    KEYCLOAK_TOKEN_URL="$TOKEN_URL" KEYCLOAK_CLIENT_ID="$CLIENT_ID" \
    timeout --kill-after=10 300 node --test --test-reporter=spec keycloak/custom-jwt.test.mjs
) || die "the realm-web custom JWT test failed; server log: $INSTANCE_LOG"

if grep -aEn 'eyJ[0-9A-Za-z_-]{10,}\.|Bearer ' "$INSTANCE_LOG" >&2; then
  die "the server log above contains a token"
fi
log "passed"
