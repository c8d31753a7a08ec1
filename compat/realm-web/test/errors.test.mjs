// MongoDBRealmError fields (statusCode, errorCode, error) as realm-web 2.0.1 builds them from
// Latchkey's error bodies, one or more per error status of SPEC section 4.
//
// Cases: 12 SDK, 0 raw HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PASSWORD,
  Realm,
  expectRealmError,
  newApp,
  randomHex24,
  registerAndLogIn,
  uniqueEmail,
} from "../lib/harness.mjs";

const T = { timeout: 30_000 };

test("400 InvalidParameter: a bad key name", T, async () => {
  const { user } = await registerAndLogIn();
  const err = await expectRealmError(user.apiKeys.create("bad name!"), {
    statusCode: 400,
    errorCode: "InvalidParameter",
    error: "can only contain ASCII letters, numbers, underscores, and hyphens",
  });
  assert.match(err.message, /can only contain/, "the message carries the server's error");
  assert.equal(user.isLoggedIn, true);
});

test("400 BadRequest: a password shorter than 6 or longer than 128 on register", T, async () => {
  const app = newApp();
  for (const password of ["12345", "", "p".repeat(129)]) {
    await expectRealmError(app.emailPasswordAuth.registerUser({ email: uniqueEmail("short"), password }), {
      statusCode: 400,
      errorCode: "BadRequest",
      error: "password must be between 6 and 128 characters",
    });
  }
  const email = uniqueEmail("edge");
  await app.emailPasswordAuth.registerUser({ email, password: "123456" });
  await app.logIn(Realm.Credentials.emailPassword(email, "123456"));
  const longer = uniqueEmail("edge");
  await app.emailPasswordAuth.registerUser({ email: longer, password: "p".repeat(128) });
});

test("401 InvalidPassword: a wrong password or an unknown email", T, async () => {
  const { email } = await registerAndLogIn();
  const app = newApp();
  const wrong = { statusCode: 401, errorCode: "InvalidPassword", error: "invalid username/password" };
  await expectRealmError(app.logIn(Realm.Credentials.emailPassword(email, "wrong-password")), wrong);
  await expectRealmError(app.logIn(Realm.Credentials.emailPassword(uniqueEmail("nobody"), PASSWORD)), wrong);
  assert.equal(app.currentUser, null);
});

test("401 AuthError: a bad API key at login", T, async () => {
  await expectRealmError(newApp().logIn(Realm.Credentials.apiKey("lk_definitelyNotAKey")), {
    statusCode: 401,
    errorCode: "AuthError",
    error: "unauthorized",
  });
});

test("403 Forbidden: an anonymous user cannot create or list API keys", T, async () => {
  const user = await newApp().logIn(Realm.Credentials.anonymous());
  await expectRealmError(user.apiKeys.create("anon-key"), { statusCode: 403, errorCode: "Forbidden" });
  await expectRealmError(user.apiKeys.fetchAll(), { statusCode: 403, errorCode: "Forbidden" });
  assert.equal(user.isLoggedIn, true, "a 403 does not log the user out");
});

test("404 APIKeyNotFound: an unknown 24-hex id and a malformed id", T, async () => {
  const { user } = await registerAndLogIn();
  const notFound = { statusCode: 404, errorCode: "APIKeyNotFound", error: "API key not found" };
  await expectRealmError(user.apiKeys.fetch(randomHex24()), notFound);
  await expectRealmError(user.apiKeys.fetch("not-an-object-id"), notFound);
  await expectRealmError(user.apiKeys.enable(randomHex24()), notFound);
  await expectRealmError(user.apiKeys.disable("ZZZZZZZZZZZZZZZZZZZZZZZZ"), notFound);
  await expectRealmError(user.apiKeys.delete(randomHex24()), notFound);
});

test("404 AppNotFound: an app id the server does not know", T, async () => {
  const id = `no-such-app-${randomHex24()}`;
  const app = newApp({ id });
  await expectRealmError(app.logIn(Realm.Credentials.anonymous()), {
    statusCode: 404,
    errorCode: "AppNotFound",
    error: `cannot find app using Client App ID '${id}'`,
  });
  await expectRealmError(app.emailPasswordAuth.registerUser({ email: uniqueEmail(), password: PASSWORD }), {
    statusCode: 404,
    errorCode: "AppNotFound",
  });
});

test("404 AppNotFound also on the login route itself (location skipped)", T, async () => {
  const id = `no-such-app-${randomHex24()}`;
  const app = new Realm.App({
    id,
    baseUrl: process.env.LATCHKEY_URL,
    skipLocationRequest: true,
    storage: Realm.getEnvironment().defaultStorage.prefix(`skip-${randomHex24()}`),
  });
  await expectRealmError(app.logIn(Realm.Credentials.anonymous()), {
    statusCode: 404,
    errorCode: "AppNotFound",
    error: `cannot find app using Client App ID '${id}'`,
  });
});

test("409 APIKeyAlreadyExists: a duplicate key name", T, async () => {
  const { user } = await registerAndLogIn();
  await user.apiKeys.create("dup");
  await expectRealmError(user.apiKeys.create("dup"), {
    statusCode: 409,
    errorCode: "APIKeyAlreadyExists",
    error: "API key with name already exists",
  });
  assert.equal((await user.apiKeys.fetchAll()).length, 1);
});

test("409 AccountNameInUse: registering the same email twice", T, async () => {
  const app = newApp();
  const email = uniqueEmail("twice");
  await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
  await expectRealmError(app.emailPasswordAuth.registerUser({ email, password: "another-password" }), {
    statusCode: 409,
    errorCode: "AccountNameInUse",
    error: "name already in use",
  });
  // The first password still works.
  await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));
});

test("401 InvalidSession on a refresh-token route logs the SDK user out", T, async () => {
  const app = newApp();
  const { user } = await registerAndLogIn(app);
  await newApp().logIn(Realm.Credentials.anonymous()); // unrelated traffic
  const ended = await fetch(`${process.env.LATCHKEY_URL}/api/client/v2.0/auth/session`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${user.refreshToken}` },
  });
  assert.equal(ended.status, 204);
  await expectRealmError(user.apiKeys.fetchAll(), {
    statusCode: 401,
    errorCode: "InvalidSession",
    error: "invalid session: failed to find refresh token",
  });
  assert.equal(user.isLoggedIn, false);
  assert.equal(app.currentUser, null);
});

test("MongoDBRealmError message names method, URL, error and status", T, async () => {
  const { user } = await registerAndLogIn();
  const err = await expectRealmError(user.apiKeys.fetch(randomHex24()), {
    statusCode: 404,
    errorCode: "APIKeyNotFound",
  });
  assert.equal(err.method, "GET");
  assert.match(err.url, /\/api\/client\/v2\.0\/auth\/api_keys\/[0-9a-f]{24}$/);
  assert.match(err.message, /^Request failed \(GET .*\): API key not found \(status 404/);
});
