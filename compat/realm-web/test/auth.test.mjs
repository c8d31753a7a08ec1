// Email/password, anonymous, profile, log-out and delete-user flows through realm-web 2.0.1.
//
// Cases: 9 SDK, 0 raw HTTP (some SDK cases also check the server state with one raw request).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  APP_ID,
  BASE_URL,
  HEX24,
  PASSWORD,
  Realm,
  expectRealmError,
  http,
  newApp,
  registerAndLogIn,
  uniqueEmail,
  waitUntilExpired,
} from "../lib/harness.mjs";

const T = { timeout: 30_000 };
const ENDED = "invalid session: failed to find refresh token";

test("registerUser then logIn(emailPassword): user, tokens and profile", T, async () => {
  const app = newApp({ record: true });
  const email = uniqueEmail("login");
  const registered = await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
  assert.equal(registered, undefined);

  const user = await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));
  assert.match(user.id, HEX24);
  assert.equal(user.providerType, "local-userpass");
  assert.equal(user.isLoggedIn, true);
  assert.equal(app.currentUser, user);
  assert.equal(typeof user.accessToken, "string");
  assert.equal(typeof user.refreshToken, "string");
  assert.equal(user.profile.email, email);
  assert.deepEqual(
    user.identities.map((identity) => identity.providerType),
    ["local-userpass"],
  );
  assert.equal(typeof user.identities[0].id, "string");
  assert.deepEqual(user.customData, {}, "user_data is {} for a new user");
  assert.match(user.deviceId, HEX24, "baas_device_id claim");

  // realm-web resolves the location first and prefixes everything with its hostname.
  assert.deepEqual(
    app.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
    [
      `GET /api/client/v2.0/app/${APP_ID}/location 200`,
      `POST /api/client/v2.0/app/${APP_ID}/auth/providers/local-userpass/register 201`,
      `POST /api/client/v2.0/app/${APP_ID}/auth/providers/local-userpass/login 200`,
      "GET /api/client/v2.0/auth/profile 200",
    ],
  );
  for (const request of app.requests) {
    assert.ok(request.url.startsWith(BASE_URL), request.url);
  }
});

test("logIn(anonymous()): an anonymous user with an empty profile", T, async () => {
  const app = newApp();
  const user = await app.logIn(Realm.Credentials.anonymous());
  assert.match(user.id, HEX24);
  assert.equal(user.providerType, "anon-user");
  assert.deepEqual(user.profile, {}, "data:{} for anonymous users, never omitted");
  assert.deepEqual(
    user.identities.map((identity) => identity.providerType),
    ["anon-user"],
  );
  assert.deepEqual(user.customData, {});

  const other = await newApp().logIn(Realm.Credentials.anonymous());
  assert.notEqual(other.id, user.id, "each fresh anonymous login is a new user");
});

test("refreshProfile() fetches the profile again with the access token", T, async () => {
  const app = newApp({ record: true });
  const { user, email } = await registerAndLogIn(app);
  app.requests.length = 0;
  await user.refreshProfile();
  assert.equal(user.profile.email, email);
  assert.equal(user.identities.length, 1);
  assert.deepEqual(
    app.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
    ["GET /api/client/v2.0/auth/profile 200"],
  );
  assert.equal(app.requests[0].headers.Authorization, `Bearer ${user.accessToken}`);
});

test("logOut() ends the session: the old refresh token is refused afterwards", T, async () => {
  const { app, user } = await registerAndLogIn();
  const refreshToken = user.refreshToken;

  await user.logOut();
  assert.equal(user.isLoggedIn, false);
  assert.equal(user.refreshToken, null);
  assert.equal(app.currentUser, null);

  const res = await http("POST", "/auth/session", { token: refreshToken });
  assert.equal(res.status, 401, res.text);
  assert.equal(res.body?.error_code, "InvalidSession", res.text);
  assert.equal(res.body?.error, ENDED);
});

test("logOut() succeeds when the session was already ended elsewhere", T, async () => {
  const app = newApp({ record: true });
  const { user } = await registerAndLogIn(app);
  const ended = await http("DELETE", "/auth/session", { token: user.refreshToken });
  assert.equal(ended.status, 204, ended.text);

  app.requests.length = 0;
  await user.logOut(); // realm-web swallows exactly "failed to find refresh token"
  assert.equal(user.isLoggedIn, false);
  assert.deepEqual(
    app.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
    ["DELETE /api/client/v2.0/auth/session 401"],
  );
});

test("registerUser while another user is logged in with an expired access token", T, async () => {
  // realm-web sends the current user's access token with `register`; the route has no
  // auth and must ignore it, expired or not (a 401 there would make the SDK refresh).
  const app = newApp({ record: true });
  const { user } = await registerAndLogIn(app, "first");
  await waitUntilExpired(user.accessToken);

  app.requests.length = 0;
  const second = uniqueEmail("second");
  await app.emailPasswordAuth.registerUser({ email: second, password: PASSWORD });
  assert.deepEqual(
    app.requests.map((r) => `${r.method} ${r.path.replace(/^.*\/auth\//, "auth/")} ${r.status}`),
    ["POST auth/providers/local-userpass/register 201"],
  );
  assert.equal(app.requests[0].headers.Authorization, `Bearer ${user.accessToken}`);

  const secondUser = await app.logIn(Realm.Credentials.emailPassword(second, PASSWORD));
  assert.notEqual(secondUser.id, user.id);
  assert.equal(app.currentUser, secondUser);
});

test("the second login sends deviceId as {$oid} and gets the same device id back", T, async () => {
  const app = newApp({ record: true });
  const { user, email } = await registerAndLogIn(app);
  const deviceId = user.deviceId;
  assert.match(deviceId, HEX24);
  const firstLogin = app.requests.find((r) => r.path.endsWith("/login"));
  const firstBody = JSON.parse(firstLogin.body);
  assert.equal(firstBody.options.device.deviceId, undefined, "no device id before the first login");
  assert.equal(firstBody.options.device.sdkVersion, "2.0.1");

  await user.logOut();
  app.requests.length = 0;
  const again = await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));
  const secondLogin = app.requests.find((r) => r.path.endsWith("/login"));
  assert.equal(secondLogin.status, 200);
  assert.deepEqual(JSON.parse(secondLogin.body).options.device.deviceId, { $oid: deviceId });
  assert.equal(again, user, "realm-web reuses the user object for the same user id");
  assert.equal(again.deviceId, deviceId, "the echoed device id is in baas_device_id");
  assert.equal(again.isLoggedIn, true);
});

test("app.deleteUser(user) deletes the user, their keys and sessions", T, async () => {
  const app = newApp({ record: true });
  const { user, email } = await registerAndLogIn(app);
  const key = await user.apiKeys.create("doomed");
  const refreshToken = user.refreshToken;

  app.requests.length = 0;
  await app.deleteUser(user);
  assert.deepEqual(
    app.requests.map((r) => `${r.method} ${r.path} ${r.status}`),
    [
      "DELETE /api/client/v2.0/auth/delete 204",
      // removeUser() then logs out; the session is already gone, which realm-web accepts.
      "DELETE /api/client/v2.0/auth/session 401",
    ],
  );
  assert.equal(app.currentUser, null);

  const refresh = await http("POST", "/auth/session", { token: refreshToken });
  assert.equal(refresh.status, 401, refresh.text);
  assert.equal(refresh.body?.error, ENDED);

  await expectRealmError(newApp().logIn(Realm.Credentials.emailPassword(email, PASSWORD)), {
    statusCode: 401,
    errorCode: "InvalidPassword",
  });
  await expectRealmError(newApp().logIn(Realm.Credentials.apiKey(key.key)), {
    statusCode: 401,
    errorCode: "AuthError",
  });
});

test("two users in one app: each keeps its own tokens and keys", T, async () => {
  const app = newApp();
  const { user: alice } = await registerAndLogIn(app, "alice");
  const { user: bob } = await registerAndLogIn(app, "bob");
  assert.equal(app.currentUser, bob);
  await alice.apiKeys.create("alices");
  await bob.apiKeys.create("bobs");
  assert.deepEqual((await alice.apiKeys.fetchAll()).map((k) => k.name), ["alices"]);
  assert.deepEqual((await bob.apiKeys.fetchAll()).map((k) => k.name), ["bobs"]);
  app.switchUser(alice);
  assert.equal(app.currentUser, alice);
});
