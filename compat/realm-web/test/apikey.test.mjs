// API-key login and the key lifecycle (disable / enable / delete) through realm-web 2.0.1.
//
// Cases: 11 SDK, 0 raw HTTP (some SDK cases also check the server state with one raw request).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  KEY_FORMAT,
  Realm,
  expectRealmError,
  http,
  newApp,
  registerAndLogIn,
} from "../lib/harness.mjs";

const T = { timeout: 30_000 };
const ENDED = "invalid session: failed to find refresh token";
const REFUSED = { statusCode: 401, errorCode: "AuthError", error: "unauthorized" };

// Logs in with the key in an App of its own: an API-key login returns the owner's user id,
// and realm-web would otherwise overwrite the owner's tokens in the owner's App.
const logInWithKey = (key) => newApp().logIn(Realm.Credentials.apiKey(key));

async function assertSessionEnded(refreshToken) {
  const res = await http("POST", "/auth/session", { token: refreshToken });
  assert.equal(res.status, 401, `a session of a disabled/deleted key must end at once: ${res.text}`);
  assert.equal(res.body?.error_code, "InvalidSession");
  assert.equal(res.body?.error, ENDED);
}

test("Credentials.apiKey logs in as the key's owner; the owner gains an api-key identity", T, async () => {
  const { user: owner, email } = await registerAndLogIn();
  const key = await owner.apiKeys.create("service");
  assert.match(key.key, KEY_FORMAT);

  const keyUser = await logInWithKey(key.key);
  assert.equal(keyUser.id, owner.id, "API-key login returns the owner's user_id");
  assert.equal(keyUser.providerType, "api-key");
  assert.equal(keyUser.profile.email, email, "the session's profile is the owner's");
  assert.notEqual(keyUser.refreshToken, owner.refreshToken, "a session of its own");

  await owner.refreshProfile();
  const providers = owner.identities.map((identity) => identity.providerType);
  assert.ok(providers.includes("local-userpass"), providers.join());
  assert.ok(providers.includes("api-key"), `identities after refreshProfile: ${providers.join()}`);

  // The owner's own session is untouched by the key login.
  assert.deepEqual((await owner.apiKeys.fetchAll()).map((k) => k.name), ["service"]);
});

test("a disabled key cannot log in; enabling it again lets it log in", T, async () => {
  const { user } = await registerAndLogIn();
  const key = await user.apiKeys.create("toggled");

  await user.apiKeys.disable(key._id);
  await expectRealmError(logInWithKey(key.key), REFUSED);

  await user.apiKeys.enable(key._id);
  const keyUser = await logInWithKey(key.key);
  assert.equal(keyUser.id, user.id);
});

test("a deleted key: fetch gives 404 APIKeyNotFound and login is refused", T, async () => {
  const { user } = await registerAndLogIn();
  const key = await user.apiKeys.create("deleted");
  await logInWithKey(key.key); // works before the delete

  await user.apiKeys.delete(key._id);
  await expectRealmError(user.apiKeys.fetch(key._id), {
    statusCode: 404,
    errorCode: "APIKeyNotFound",
    error: "API key not found",
  });
  await expectRealmError(logInWithKey(key.key), REFUSED);
  await expectRealmError(user.apiKeys.delete(key._id), { statusCode: 404, errorCode: "APIKeyNotFound" });
  await expectRealmError(user.apiKeys.enable(key._id), { statusCode: 404, errorCode: "APIKeyNotFound" });
});

test("disabling a key ends the sessions it created at once", T, async () => {
  const { user } = await registerAndLogIn();
  const key = await user.apiKeys.create("ends-sessions");
  const keyUser = await logInWithKey(key.key);
  const keyRefresh = keyUser.refreshToken;

  await user.apiKeys.disable(key._id);
  await assertSessionEnded(keyRefresh);
  // The SDK sees the same 401 on its refresh and logs the key session out.
  await expectRealmError(keyUser.refreshAccessToken(), { statusCode: 401, errorCode: "InvalidSession" });
  assert.equal(keyUser.isLoggedIn, false);
  // The owner's password session is not one of them.
  assert.equal((await user.apiKeys.fetch(key._id)).disabled, true);
});

test("deleting a key ends the sessions it created at once", T, async () => {
  const { user } = await registerAndLogIn();
  const key = await user.apiKeys.create("ends-too");
  const keyUser = await logInWithKey(key.key);

  await user.apiKeys.delete(key._id);
  await assertSessionEnded(keyUser.refreshToken);
  assert.deepEqual(await user.apiKeys.fetchAll(), []);
});

test("a mistyped or made-up key is refused with 401 AuthError", T, async () => {
  const { user } = await registerAndLogIn();
  const key = await user.apiKeys.create("typo");
  const last = key.key.at(-1);
  const typo = key.key.slice(0, -1) + (last === "a" ? "b" : "a");
  await expectRealmError(logInWithKey(typo), REFUSED);
  await expectRealmError(logInWithKey("lk_not-a-real-key"), REFUSED);
  await expectRealmError(logInWithKey(""), { statusCode: 401, errorCode: "AuthError" });
});

test("a session that logged in with an API key cannot manage API keys (403)", T, async () => {
  const { user } = await registerAndLogIn();
  const key = await user.apiKeys.create("no-manage");
  const keyUser = await logInWithKey(key.key);
  await expectRealmError(keyUser.apiKeys.create("another"), { statusCode: 403, errorCode: "Forbidden" });
  await expectRealmError(keyUser.apiKeys.fetchAll(), { statusCode: 403, errorCode: "Forbidden" });
  await expectRealmError(keyUser.apiKeys.disable(key._id), { statusCode: 403, errorCode: "Forbidden" });
  assert.equal(keyUser.isLoggedIn, true, "a 403 must not log the session out");
  assert.equal((await user.apiKeys.fetch(key._id)).disabled, false);
});

test("keys are scoped to their owner: another user's key id is not found", T, async () => {
  const { user: alice } = await registerAndLogIn(undefined, "alice");
  const { user: mallory } = await registerAndLogIn(undefined, "mallory");
  const key = await alice.apiKeys.create("alices-key");
  const notFound = { statusCode: 404, errorCode: "APIKeyNotFound", error: "API key not found" };

  await expectRealmError(mallory.apiKeys.fetch(key._id), notFound);
  await expectRealmError(mallory.apiKeys.disable(key._id), notFound);
  await expectRealmError(mallory.apiKeys.enable(key._id), notFound);
  await expectRealmError(mallory.apiKeys.delete(key._id), notFound);
  assert.deepEqual(await mallory.apiKeys.fetchAll(), []);

  const still = await alice.apiKeys.fetch(key._id);
  assert.equal(still.disabled, false);
  assert.equal((await logInWithKey(key.key)).id, alice.id);
});

test("names are unique per user only: two users may both have a key named 'shared'", T, async () => {
  const { user: a } = await registerAndLogIn();
  const { user: b } = await registerAndLogIn();
  const ka = await a.apiKeys.create("shared");
  const kb = await b.apiKeys.create("shared");
  assert.notEqual(ka._id, kb._id);
  assert.notEqual(ka.key, kb.key);
});

test("key names: 1-64 of letters, digits, _ and -; a missing name is InvalidParameter", T, async () => {
  const { user } = await registerAndLogIn();
  for (const name of ["a", "A_b-9", "x".repeat(64)]) {
    assert.equal((await user.apiKeys.create(name)).name, name);
  }
  const badName = {
    statusCode: 400,
    errorCode: "InvalidParameter",
    error: "can only contain ASCII letters, numbers, underscores, and hyphens",
  };
  for (const name of ["has space", "bad name!", "dot.ted", "ünï", "semi;colon", "slash/"]) {
    await expectRealmError(user.apiKeys.create(name), badName);
  }
  await expectRealmError(user.apiKeys.create("y".repeat(65)), { statusCode: 400, errorCode: "InvalidParameter" });
  // create() with no name sends {} (JSON.stringify drops undefined).
  await expectRealmError(user.apiKeys.create(), {
    statusCode: 400,
    errorCode: "InvalidParameter",
    error: "'name' is a required string",
  });
  await expectRealmError(user.apiKeys.create(""), { statusCode: 400, errorCode: "InvalidParameter" });
  assert.equal((await user.apiKeys.fetchAll()).length, 3);
});

test("at most 20 keys per user: the 21st is 409 APIKeyLimitReached", T, async () => {
  const { user } = await registerAndLogIn();
  for (let i = 0; i < 20; i++) {
    await user.apiKeys.create(`key-${i}`);
  }
  await expectRealmError(user.apiKeys.create("key-20"), {
    statusCode: 409,
    errorCode: "APIKeyLimitReached",
    error: "maximum number of API keys reached",
  });
  const keys = await user.apiKeys.fetchAll();
  assert.deepEqual(
    keys.map((k) => k.name),
    Array.from({ length: 20 }, (_, i) => `key-${i}`),
    "fetchAll lists keys in creation order",
  );
  await user.apiKeys.delete(keys[0]._id);
  assert.equal((await user.apiKeys.create("key-20")).name, "key-20", "deleting frees a slot");
});
