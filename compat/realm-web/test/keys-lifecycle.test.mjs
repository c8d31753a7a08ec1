// Latchkey's extra key features (SPEC section 10) next to realm-web 2.0.1: the SDK's
// user.apiKeys.* keep working with created_at / expires_at / last_used_at in every key object
// (and hand them through, since they return the response body as is); rotation, expiry and
// GitHub leak reports are new routes the SDK does not know, so they go over raw HTTP, while the
// key logins and the effects are seen through the SDK.
//
// Cases: 4 (SDK with raw HTTP for the new routes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  BASE_URL,
  KEY_FORMAT,
  Realm,
  expectJson,
  expectRealmError,
  http,
  newApp,
  registerAndLogIn,
  sleep,
} from "../lib/harness.mjs";

const T = { timeout: 30_000 };
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const REFUSED = { statusCode: 401, errorCode: "AuthError", error: "unauthorized" };
// lib/github-keys.mjs wrote the key pair under this identifier.
const GITHUB_KEY_ID = "compat-github-key";

const logInWithKey = (key) => newApp().logIn(Realm.Credentials.apiKey(key));

test("user.apiKeys.* carry created_at, expires_at and last_used_at through the SDK", T, async () => {
  const { user } = await registerAndLogIn();
  const created = await user.apiKeys.create("extra-fields");
  assert.match(created.key, KEY_FORMAT);
  assert.match(created.created_at, RFC3339_UTC);
  assert.equal(created.expires_at, null);
  assert.equal(created.last_used_at, null);

  const fetched = await user.apiKeys.fetch(created._id);
  assert.deepEqual(Object.keys(fetched).sort(), ["_id", "created_at", "disabled", "expires_at", "last_used_at", "name"]);
  assert.equal(fetched.created_at, created.created_at);
  const all = await user.apiKeys.fetchAll();
  assert.deepEqual(all.map((k) => [k._id, k.name, k.disabled, k.created_at]), [
    [created._id, "extra-fields", false, created.created_at],
  ]);
  // The SDK's own calls still work around the extra fields.
  await user.apiKeys.disable(created._id);
  assert.equal((await user.apiKeys.fetch(created._id)).disabled, true);
  await user.apiKeys.enable(created._id);
  assert.equal((await logInWithKey(created.key)).id, user.id);
});

test("a key created with expires_at logs in until then, and is refused like a deleted one after", T, async () => {
  const { user } = await registerAndLogIn();
  const expiresAt = new Date(Date.now() + 2500).toISOString();
  const key = expectJson(
    await http("POST", "/auth/api_keys", { token: user.refreshToken, json: { name: "brief", expires_at: expiresAt } }),
    201,
  );
  assert.match(key.expires_at, RFC3339_UTC);
  assert.equal(Date.parse(key.expires_at), Date.parse(expiresAt));
  const keyUser = await logInWithKey(key.key);
  assert.equal(keyUser.id, user.id);
  assert.equal((await user.apiKeys.fetch(key._id)).expires_at, key.expires_at, "the SDK shows the expiry");

  await sleep(Date.parse(expiresAt) - Date.now() + 500);

  await expectRealmError(logInWithKey(key.key), REFUSED);
  await expectRealmError(keyUser.refreshAccessToken(), { statusCode: 401, errorCode: "InvalidSession" });
  const past = await http("POST", "/auth/api_keys", {
    token: user.refreshToken,
    json: { name: "past", expires_at: "2001-01-01T00:00:00Z" },
  });
  assert.equal(past.status, 400);
  assert.equal(past.body.error_code, "InvalidParameter");
});

test("rotation: same _id, a new value the SDK logs in with; the old one is refused at once without grace", T, async () => {
  const { user } = await registerAndLogIn();
  const key = await user.apiKeys.create("rotating");
  const oldSession = await logInWithKey(key.key);

  const rotated = expectJson(await http("POST", `/auth/api_keys/${key._id}/rotate`, { token: user.refreshToken }), 201);

  assert.equal(rotated._id, key._id);
  assert.equal(rotated.name, "rotating");
  assert.match(rotated.key, KEY_FORMAT);
  assert.notEqual(rotated.key, key.key);
  assert.equal((await logInWithKey(rotated.key)).id, user.id);
  await expectRealmError(logInWithKey(key.key), REFUSED);
  await expectRealmError(oldSession.refreshAccessToken(), { statusCode: 401, errorCode: "InvalidSession" });
  assert.equal((await user.apiKeys.fetchAll()).length, 1, "still one key");

  const withGrace = expectJson(
    await http("POST", `/auth/api_keys/${key._id}/rotate`, { token: user.refreshToken, json: { grace_seconds: 60 } }),
    201,
  );
  assert.equal((await logInWithKey(rotated.key)).id, user.id, "the previous value works during its grace");
  assert.equal((await logInWithKey(withGrace.key)).id, user.id);
});

test("a GitHub leak report signed as GitHub signs disables the key; the SDK's key session is logged out", T, async () => {
  const { user } = await registerAndLogIn();
  const key = await user.apiKeys.create("leaked");
  const keyUser = await logInWithKey(key.key);
  const body = JSON.stringify([
    { token: key.key, type: "latchkey_api_key", url: "https://github.com/octo/app/blob/main/.env", source: "content" },
    { token: "ghp_not_ours", type: "latchkey_api_key", url: "", source: "commit" },
  ]);
  // What GitHub sends: ECDSA P-256 over SHA-256 of the raw body, base64 of the DER signature.
  const signer = createPrivateKey(readFileSync(process.env.LATCHKEY_GITHUB_SIGNER));
  const signature = sign("sha256", Buffer.from(body), signer).toString("base64");
  const report = (headers, payload = body) =>
    http("POST", `${BASE_URL}/api/secret-scanning/github`, {
      body: payload,
      headers: { "Content-Type": "application/json", ...headers },
    });

  const unsigned = await report({});
  assert.equal(unsigned.status, 401);
  const tampered = await report(
    { "Github-Public-Key-Identifier": GITHUB_KEY_ID, "Github-Public-Key-Signature": signature },
    body.replace(".env", ".enw"),
  );
  assert.equal(tampered.status, 401);
  assert.equal((await user.apiKeys.fetch(key._id)).disabled, false, "a refused report changes nothing");

  const labels = expectJson(
    await report({ "Github-Public-Key-Identifier": GITHUB_KEY_ID, "Github-Public-Key-Signature": signature }),
    200,
  );

  const sha256 = (text) => createHash("sha256").update(text).digest("hex");
  assert.deepEqual(labels, [
    { token_hash: sha256(key.key), token_type: "latchkey_api_key", label: "true_positive" },
    { token_hash: sha256("ghp_not_ours"), token_type: "latchkey_api_key", label: "false_positive" },
  ]);
  assert.equal((await user.apiKeys.fetch(key._id)).disabled, true);
  await expectRealmError(keyUser.refreshAccessToken(), { statusCode: 401, errorCode: "InvalidSession" });
  assert.equal(keyUser.isLoggedIn, false);
  await expectRealmError(logInWithKey(key.key), REFUSED);
});
