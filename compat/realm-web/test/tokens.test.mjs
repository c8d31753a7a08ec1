// Access and refresh tokens verified offline against the published JWKS with an independent
// JWT library (jose), as another service would.
//
// Cases: 4 SDK, 4 raw HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import {
  APP_ID,
  BASE_URL,
  HEX24,
  Realm,
  expectError,
  expectJson,
  http,
  newApp,
  rawUser,
  registerAndLogIn,
} from "../lib/harness.mjs";

const T = { timeout: 30_000 };
const JWKS_URL = `${BASE_URL}/.well-known/jwks.json`;
const remoteJwks = createRemoteJWKSet(new URL(JWKS_URL));
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k"];

function assertAccessClaims(payload, { userId, deviceId }) {
  assert.equal(payload.typ, "access");
  assert.equal(payload.sub, userId);
  assert.equal(payload.aud === APP_ID || (Array.isArray(payload.aud) && payload.aud.includes(APP_ID)), true);
  assert.equal(typeof payload.iat, "number");
  assert.equal(typeof payload.exp, "number");
  assert.ok(payload.exp > payload.iat);
  assert.equal(typeof payload.sid, "string");
  assert.ok(payload.sid.length > 0);
  assert.equal(typeof payload.baas_device_id, "string");
  if (deviceId) {
    assert.equal(payload.baas_device_id, deviceId);
  }
  assert.equal(typeof payload.user_data, "object", "user_data is always an object");
  assert.notEqual(payload.user_data, null);
  assert.equal(Array.isArray(payload.user_data), false);
}

test("raw: the JWKS is public JSON with asymmetric public keys only", T, async () => {
  const res = await http("GET", JWKS_URL);
  const jwks = expectJson(res, 200);
  assert.ok(Array.isArray(jwks.keys) && jwks.keys.length > 0, res.text);
  for (const jwk of jwks.keys) {
    assert.ok(["RSA", "EC", "OKP"].includes(jwk.kty), `asymmetric key type, got ${jwk.kty}`);
    assert.equal(typeof jwk.kid, "string", "each key has a kid");
    for (const member of PRIVATE_MEMBERS) {
      assert.equal(member in jwk, false, `the JWKS must not publish the private member '${member}'`);
    }
  }
});

test("SDK: user.accessToken verifies against the remote JWKS with the app id as audience", T, async () => {
  const { user } = await registerAndLogIn();
  const { payload, protectedHeader } = await jwtVerify(user.accessToken, remoteJwks, { audience: APP_ID });
  assert.notEqual(protectedHeader.alg, "none");
  assert.ok(!protectedHeader.alg.startsWith("HS"), `asymmetric signature, got ${protectedHeader.alg}`);
  assertAccessClaims(payload, { userId: user.id, deviceId: user.deviceId });
  assert.deepEqual(payload.user_data, {});
  assert.equal(payload.exp - payload.iat, 3, "LATCHKEY_TOKEN_ACCESS_LIFETIME=3s is honoured");
});

test("SDK: local JWKS verification; refreshed and anonymous tokens verify too", T, async () => {
  const jwks = createLocalJWKSet(expectJson(await http("GET", JWKS_URL), 200));
  const { user } = await registerAndLogIn();
  const first = await jwtVerify(user.accessToken, jwks, { audience: APP_ID });
  await user.refreshAccessToken();
  const second = await jwtVerify(user.accessToken, jwks, { audience: APP_ID });
  assertAccessClaims(second.payload, { userId: user.id, deviceId: first.payload.baas_device_id });
  assert.equal(second.payload.sid, first.payload.sid);

  const anon = await newApp().logIn(Realm.Credentials.anonymous());
  const anonToken = await jwtVerify(anon.accessToken, jwks, { audience: APP_ID });
  assertAccessClaims(anonToken.payload, { userId: anon.id });
  assert.deepEqual(anonToken.payload.user_data, {});
});

test("SDK: an API-key session's access token names the owner", T, async () => {
  const { user } = await registerAndLogIn();
  const key = await user.apiKeys.create("jwt");
  const keyUser = await newApp().logIn(Realm.Credentials.apiKey(key.key));
  const { payload } = await jwtVerify(keyUser.accessToken, remoteJwks, { audience: APP_ID });
  assertAccessClaims(payload, { userId: user.id });
  const owner = await jwtVerify(user.accessToken, remoteJwks, { audience: APP_ID });
  assert.notEqual(payload.sid, owner.payload.sid, "the key login is a session of its own");
});

test("SDK: the refresh token is a JWT with typ refresh, 60 days, same sid", T, async () => {
  // SPEC requires only access tokens to verify against the JWKS (the refresh token is read by
  // the server alone, which may sign it with a secret), so its claims are decoded, not verified.
  const { user } = await registerAndLogIn();
  const refresh = decodeJwt(user.refreshToken);
  const access = await jwtVerify(user.accessToken, remoteJwks, { audience: APP_ID });
  assert.equal(refresh.typ, "refresh");
  assert.equal(refresh.sub, user.id);
  assert.equal(refresh.sid, access.payload.sid);
  assert.equal(refresh.exp - refresh.iat, 60 * 24 * 3600);
});

test("raw: the login result's ids match the token claims", T, async () => {
  const login = await rawUser();
  assert.match(login.user_id, HEX24);
  assert.match(login.device_id, HEX24);
  const { payload } = await jwtVerify(login.access_token, remoteJwks, { audience: APP_ID });
  assertAccessClaims(payload, { userId: login.user_id, deviceId: login.device_id });
});

test("raw: a tampered or foreign token fails jose and the server alike", T, async () => {
  const login = await rawUser();
  const [h, p, s] = login.access_token.split(".");
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  claims.sub = "000000000000000000000000";
  const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
  await assert.rejects(jwtVerify(forged, remoteJwks, { audience: APP_ID }));
  expectError(await http("GET", "/auth/profile", { token: forged }), 401, "InvalidSession", /^invalid session/);

  const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${p}.`;
  expectError(await http("GET", "/auth/profile", { token: unsigned }), 401, "InvalidSession");
  expectError(await http("GET", "/auth/profile", { token: "not.a.jwt" }), 401, "InvalidSession");
});

test("raw: the header's kid selects a key from the JWKS", T, async () => {
  const login = await rawUser();
  const header = decodeProtectedHeader(login.access_token);
  const jwks = expectJson(await http("GET", JWKS_URL), 200);
  assert.ok(jwks.keys.some((jwk) => jwk.kid === header.kid), `kid ${header.kid} is published`);
});
