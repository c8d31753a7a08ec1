// The code samples of ../shared/seeds/ (the "Create & Manage User API Keys" pages), run
// as written against Latchkey with the real realm-web 2.0.1 SDK.
//
// The Node pages (seeds 001-003) write `user.apiKey.enable(...)`, `user.apiKey.disable(...)`
// and `user.apiKey.delete(...)`: that is a documentation typo. realm-web 2.0.1 (like the
// Node SDK) exposes the ApiKeyAuth object as `user.apiKeys` only, so the samples below use
// `user.apiKeys`; the last test pins that fact so the typo is never "fixed" the wrong way.
//
// Cases: 8 SDK, 0 raw HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HEX24, KEY_FORMAT, expectRealmError, registerAndLogIn } from "../lib/harness.mjs";

const T = { timeout: 30_000 };

function assertKeyShape(key, name, { withSecret }) {
  assert.equal(typeof key._id, "string", "_id is a plain string, not an ObjectId");
  assert.match(key._id, HEX24);
  assert.equal(key.name, name);
  assert.equal(key.disabled, false);
  if (withSecret) {
    assert.match(key.key, KEY_FORMAT);
  } else {
    assert.equal("key" in key, false, "the key value is shown only at creation");
  }
}

test("seed: create a user API key (web sample, name myApiKey)", T, async () => {
  const { app } = await registerAndLogIn();
  const user = app.currentUser;
  const key = await user.apiKeys.create("myApiKey");
  assertKeyShape(key, "myApiKey", { withSecret: true });
});

test("seed: create a user API key (node sample, name apiKeyName)", T, async () => {
  const { app } = await registerAndLogIn();
  const user = app.currentUser;
  const key = await user.apiKeys.create("apiKeyName");
  assertKeyShape(key, "apiKeyName", { withSecret: true });
});

test("seed: look up keys with fetchAll() and fetch(API_KEY_ID)", T, async () => {
  const { app } = await registerAndLogIn();
  const created = await app.currentUser.apiKeys.create("myApiKey");
  const API_KEY_ID = created._id;

  const user = app.currentUser;
  // List all of a user's keys
  const keys = await user.apiKeys.fetchAll();
  // Get a specific key by its ID
  const key = await user.apiKeys.fetch(API_KEY_ID);

  assert.equal(Array.isArray(keys), true);
  assert.equal(keys.length, 1);
  assertKeyShape(keys[0], "myApiKey", { withSecret: false });
  assert.equal(keys[0]._id, API_KEY_ID);
  assertKeyShape(key, "myApiKey", { withSecret: false });
  assert.equal(key._id, API_KEY_ID);
});

test("seed: fetch(\"5eb5931548d79bc784adf46e\") of a key the user does not have is 404", T, async () => {
  const { app } = await registerAndLogIn();
  const user = app.currentUser;
  await expectRealmError(user.apiKeys.fetch("5eb5931548d79bc784adf46e"), {
    statusCode: 404,
    errorCode: "APIKeyNotFound",
    error: "API key not found",
  });
});

test("seed: enable then disable apiKeys[0]", T, async () => {
  const { app } = await registerAndLogIn();
  await app.currentUser.apiKeys.create("apiKeyName");

  // Get the ID of a User API Key
  const user = app.currentUser;
  const apiKeys = await user.apiKeys.fetchAll();
  const keyId = apiKeys[0]["_id"];
  // Enable the User API Key
  await user.apiKeys.enable(keyId);
  assert.equal((await user.apiKeys.fetch(keyId)).disabled, false);
  // Disable the User API Key
  await user.apiKeys.disable(keyId);
  assert.equal((await user.apiKeys.fetch(keyId)).disabled, true);

  // Both are idempotent (SPEC 3).
  await user.apiKeys.disable(keyId);
  assert.equal((await user.apiKeys.fetch(keyId)).disabled, true);
  await user.apiKeys.enable(keyId);
  await user.apiKeys.enable(keyId);
  assert.equal((await user.apiKeys.fetch(keyId)).disabled, false);
});

test("seed: delete the key named apiKeyToDelete (find by name)", T, async () => {
  const { app } = await registerAndLogIn();
  await app.currentUser.apiKeys.create("apiKeyToKeep");
  await app.currentUser.apiKeys.create("apiKeyToDelete");
  await app.currentUser.apiKeys.create("anotherKey");

  // Get the ID of a User API Key
  const user = app.currentUser;
  const apiKeys = await user.apiKeys.fetchAll();
  const keyId = apiKeys.find((key) => key.name === "apiKeyToDelete")._id;
  // Delete the User API Key
  await user.apiKeys.delete(keyId);

  const remaining = await user.apiKeys.fetchAll();
  assert.deepEqual(
    remaining.map((key) => key.name),
    ["apiKeyToKeep", "anotherKey"],
    "the other keys stay, in creation order",
  );
  await expectRealmError(user.apiKeys.fetch(keyId), { statusCode: 404, errorCode: "APIKeyNotFound" });
});

test("seed: delete apiKeys[0] (node sample)", T, async () => {
  const { app } = await registerAndLogIn();
  await app.currentUser.apiKeys.create("apiKeyName");

  // Get the ID of a User API Key
  const user = app.currentUser;
  const apiKeys = await user.apiKeys.fetchAll();
  const keyId = apiKeys[0]["_id"];
  // Delete the User API Key
  await user.apiKeys.delete(keyId);

  assert.deepEqual(await user.apiKeys.fetchAll(), []);
});

test("seed typo: realm-web 2.0.1 has user.apiKeys, not user.apiKey", T, async () => {
  const { user } = await registerAndLogIn();
  assert.equal(user.apiKey, undefined, "the seeds' `user.apiKey` does not exist in realm-web 2.0.1");
  for (const method of ["create", "fetch", "fetchAll", "enable", "disable", "delete"]) {
    assert.equal(typeof user.apiKeys[method], "function", `user.apiKeys.${method}`);
  }
});
