// Access-token expiry and refresh. The suite runs the server with
// LATCHKEY_TOKEN_ACCESS_LIFETIME=3s, so waiting ~4 s expires an access token.
//
// Cases: 4 SDK, 3 raw HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  expectJson,
  expectError,
  http,
  jwtPayload,
  newApp,
  rawUser,
  registerAndLogIn,
  waitUntilExpired,
} from "../lib/harness.mjs";

const T = { timeout: 30_000 };
const calls = (app) => app.requests.map((r) => `${r.method} ${r.path.replace("/api/client/v2.0", "")} ${r.status}`);

test("SDK: an expired access token is refreshed after the 401 and the call retried", T, async () => {
  const app = newApp({ record: true });
  const { user, email } = await registerAndLogIn(app);
  const before = user.accessToken;
  await waitUntilExpired(before);

  app.requests.length = 0;
  await user.refreshProfile();
  assert.equal(user.profile.email, email);
  assert.deepEqual(calls(app), [
    "GET /auth/profile 401",
    "POST /auth/session 201",
    "GET /auth/profile 200",
  ]);
  assert.equal(app.requests[1].headers.Authorization, `Bearer ${user.refreshToken}`);
  assert.notEqual(user.accessToken, before, "the SDK stored the new access token");
  assert.equal(user.isLoggedIn, true);
});

test("SDK: key management uses the refresh token and works with an expired access token", T, async () => {
  const app = newApp({ record: true });
  const { user } = await registerAndLogIn(app);
  await waitUntilExpired(user.accessToken);

  app.requests.length = 0;
  const key = await user.apiKeys.create("after-expiry");
  await user.apiKeys.fetchAll();
  await user.apiKeys.disable(key._id);
  assert.deepEqual(calls(app), ["POST /auth/api_keys 201", "GET /auth/api_keys 200", `PUT /auth/api_keys/${key._id}/disable 204`]);
  for (const request of app.requests) {
    assert.equal(request.headers.Authorization, `Bearer ${user.refreshToken}`);
  }
});

test("SDK: refreshCustomData() gets a new access token whose user_data is an object", T, async () => {
  const { user } = await registerAndLogIn();
  const before = jwtPayload(user.accessToken);
  const data = await user.refreshCustomData();
  assert.deepEqual(data, {});
  const after = jwtPayload(user.accessToken);
  assert.equal(after.sid, before.sid);
  assert.equal(after.sub, before.sub);
});

test("SDK: after several expiries in a row every call still succeeds", { timeout: 40_000 }, async () => {
  const app = newApp({ record: true });
  const { user } = await registerAndLogIn(app);
  for (let round = 0; round < 2; round++) {
    await waitUntilExpired(user.accessToken);
    app.requests.length = 0;
    await user.refreshProfile();
    assert.deepEqual(calls(app), ["GET /auth/profile 401", "POST /auth/session 201", "GET /auth/profile 200"]);
  }
});

test("raw: an expired access token gets 401 InvalidSession", T, async () => {
  const login = await rawUser();
  expectJson(await http("GET", "/auth/profile", { token: login.access_token }), 200);
  await waitUntilExpired(login.access_token);
  expectError(await http("GET", "/auth/profile", { token: login.access_token }), 401, "InvalidSession", /^invalid session/);
});

test("raw: POST /auth/session returns only a new access token with the same sid and device", T, async () => {
  const login = await rawUser();
  const body = expectJson(await http("POST", "/auth/session", { token: login.refresh_token }), 201);
  assert.deepEqual(Object.keys(body), ["access_token"], "refresh tokens are never rotated");
  const old = jwtPayload(login.access_token);
  const fresh = jwtPayload(body.access_token);
  assert.equal(fresh.typ, "access");
  assert.equal(fresh.sid, old.sid);
  assert.equal(fresh.baas_device_id, old.baas_device_id);
  assert.equal(fresh.baas_device_id, login.device_id);
  assert.equal(fresh.sub, login.user_id);
  expectJson(await http("GET", "/auth/profile", { token: body.access_token }), 200);
  // The refresh token keeps working (not rotated).
  expectJson(await http("POST", "/auth/session", { token: login.refresh_token }), 201);
});

test("raw: the refreshed token works after the old one expired", T, async () => {
  const login = await rawUser();
  await waitUntilExpired(login.access_token);
  const { access_token } = expectJson(await http("POST", "/auth/session", { token: login.refresh_token }), 201);
  const profile = expectJson(await http("GET", "/auth/profile", { token: access_token }), 200);
  assert.equal(profile.user_id, login.user_id);
});
