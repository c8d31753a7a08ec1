#!/usr/bin/env bash
# Runs the realm-web 2.0.1 compatibility suite against a freshly started Latchkey:
# builds the jar if missing, starts PostgreSQL if needed, creates a throw-away database,
# starts the server on it, runs `node --test`, and always cleans up.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
cd "$ROOT"

PORT="${COMPAT_PORT:-18080}"
APP_ID="compat-app"
# The email/password lifecycle suite's SMTP server and webhook receiver (started by the test
# file itself), and the two apps it uses; compat-app stays auto-confirming for the other files.
SMTP_PORT="${COMPAT_SMTP_PORT:-$((PORT + 1))}"
HOOK_PORT="${COMPAT_HOOK_PORT:-$((PORT + 2))}"
MAIL_APP="compat-mail-app"
HOOK_APP="compat-hook-app"
WEBHOOK_SECRET="compat-webhook-secret-$$-$RANDOM$RANDOM"
# shellcheck source=../../e2e/instance.sh
source e2e/instance.sh

cleanup() {
  local status=$?
  instance_stop
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Installed again whenever the lock file changed since the last install.
if [[ ! -f "$SCRIPT_DIR/node_modules/.package-lock.json" || "$SCRIPT_DIR/package-lock.json" -nt "$SCRIPT_DIR/node_modules/.package-lock.json" ]]; then
  echo "compat: npm ci"
  (cd "$SCRIPT_DIR" && npm ci --no-audit --no-fund)
fi

# A key pair acting as GitHub's secret-scanning signer (test/keys-lifecycle.test.mjs signs
# leak reports with it; the server reads its public half from a file, as it would GitHub's).
GITHUB_KEYS="$ROOT/target/compat-github-keys"
node "$SCRIPT_DIR/lib/github-keys.mjs" "$GITHUB_KEYS"

# Short access tokens, so the SDK's refresh-after-401 path runs; fewer PBKDF2 rounds for speed.
# Mails go to the suite's SMTP server; a mail that finds it not yet listening is retried within seconds.
instance_start compat "$PORT" LATCHKEY_BOOTSTRAP_APP="$APP_ID" \
  LATCHKEY_TOKEN_ACCESS_LIFETIME=3s LATCHKEY_PASSWORD_ITERATIONS=10000 \
  QUARKUS_MAILER_HOST=127.0.0.1 QUARKUS_MAILER_PORT="$SMTP_PORT" QUARKUS_MAILER_FROM=latchkey@compat.example \
  LATCHKEY_USERPASS_MAIL_RETRY_BACKOFF=1s LATCHKEY_USERPASS_MAIL_POLL_EVERY=1s \
  LATCHKEY_SECRET_SCANNING_GITHUB_KEYS_FILE="$GITHUB_KEYS/public_keys.json"
LOG="$INSTANCE_LOG"
SECRETS="$ROOT/target/compat-lifecycle-secrets.txt"
: > "$SECRETS"

# Apps in the admin API's shape (SPEC section 9), inserted directly until that API exists.
psql -h 127.0.0.1 -U postgres -d "$INSTANCE_DB" -qv ON_ERROR_STOP=1 <<SQL
insert into apps (id, domain_id, settings) values
  ('$MAIL_APP', '$(printf '%024x' $$)', '{"providers": {"local-userpass": {"enabled": true, "auto_confirm": false,
      "email_confirmation_url": "http://127.0.0.1:$PORT/confirm-email?lang=en",
      "reset_password_url": "http://127.0.0.1:$PORT/reset-password"}}}'),
  ('$HOOK_APP', '$(printf '%024x' $((PORT + $$)))', '{"providers": {"local-userpass": {"enabled": true, "auto_confirm": false,
      "confirmation_webhook_url": "http://127.0.0.1:$HOOK_PORT/confirm",
      "reset_webhook_url": "http://127.0.0.1:$HOOK_PORT/reset", "webhook_secret": "$WEBHOOK_SECRET"}}}');
SQL

echo "compat: running the realm-web suite"
set +e
(
  cd "$SCRIPT_DIR"
  LATCHKEY_URL="http://127.0.0.1:$PORT" LATCHKEY_APP="$APP_ID" \
    LATCHKEY_MAIL_APP="$MAIL_APP" LATCHKEY_HOOK_APP="$HOOK_APP" LATCHKEY_WEBHOOK_SECRET="$WEBHOOK_SECRET" \
    LATCHKEY_SMTP_PORT="$SMTP_PORT" LATCHKEY_HOOK_PORT="$HOOK_PORT" LATCHKEY_SECRETS_FILE="$SECRETS" \
    LATCHKEY_GITHUB_SIGNER="$GITHUB_KEYS/private.pem" \
    timeout --kill-after=10 600 node --test --test-concurrency=1 test/*.test.mjs
)
tests_status=$?
set -e
if [[ $tests_status -ne 0 ]]; then
  echo "compat: suite failed (exit $tests_status); last lines of $LOG:" >&2
  tail -n 40 "$LOG" >&2 || true
fi

# Secrets never reach the log: the suite created keys, logged in with passwords and sent
# tokens in every request; none of them may appear in what the server wrote.
# The same for the confirmation and reset tokens the lifecycle suite caught in mails and webhooks.
if grep -aEn 'lk_[0-9A-Za-z]{46}|eyJ[0-9A-Za-z_-]{10,}\.|Bearer |"password"|correct-horse-battery' "$LOG" >&2 \
  || { [ -s "$SECRETS" ] && grep -aFn -f "$SECRETS" "$LOG" >&2; }; then
  echo "compat: FAIL: the server log above contains an API key, a token or a password" >&2
  tests_status=1
else
  echo "compat: server log checked: no API key, token or password in $(wc -l < "$LOG") lines" \
    "($(wc -l < "$SECRETS") lifecycle tokens looked for)"
fi
exit "$tests_status"
