// Shared helpers for the realm-web compatibility suite. Lives outside test/ so that
// `node --test` never mistakes it for a test file.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as Realm from "realm-web";

export { Realm };

export const BASE_URL = requireEnv("LATCHKEY_URL").replace(/\/+$/, "");
export const APP_ID = requireEnv("LATCHKEY_APP");
export const API = `${BASE_URL}/api/client/v2.0`;
export const APP_API = `${API}/app/${APP_ID}`;
export const PASSWORD = "correct-horse-battery";
export const HEX24 = /^[0-9a-f]{24}$/;
// SPEC 2: `lk_` + >= 40 base62 chars of randomness + a 6-char checksum.
export const KEY_FORMAT = /^lk_[0-9A-Za-z]{46,}$/;

function requireEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} must be set (run the suite through compat/realm-web/run.sh)`);
  }
  return value;
}

export function suffix() {
  return `${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`;
}

export function uniqueEmail(tag = "user") {
  return `${tag}-${suffix()}@compat.example`;
}

export function randomHex24() {
  return randomBytes(12).toString("hex");
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A realm-web App with storage of its own. realm-web keeps users, tokens and the device id
 * in one process-wide storage keyed by app id, so two `new Realm.App(...)` with the same id
 * would otherwise share (and overwrite) each other's users.
 * With `record: true`, every request the SDK sends and every status it gets back are kept
 * in `app.requests` (the SDK accepts a custom `fetch`).
 */
export function newApp({ record = false, id = APP_ID } = {}) {
  const requests = [];
  const recordingFetch = async (url, init = {}) => {
    const entry = {
      method: init.method ?? "GET",
      url: String(url),
      path: String(url).startsWith(BASE_URL) ? String(url).slice(BASE_URL.length) : String(url),
      headers: { ...(init.headers ?? {}) },
      body: init.body,
    };
    requests.push(entry);
    const response = await globalThis.fetch(url, init);
    entry.status = response.status;
    return response;
  };
  const app = new Realm.App({
    id,
    baseUrl: BASE_URL,
    storage: Realm.getEnvironment().defaultStorage.prefix(`compat-${suffix()}`),
    ...(record ? { fetch: recordingFetch } : {}),
  });
  app.requests = requests;
  return app;
}

/** Registers a fresh email/password user through the SDK and logs them in. */
export async function registerAndLogIn(app = newApp(), tag = "user") {
  const email = uniqueEmail(tag);
  await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
  const user = await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));
  return { app, user, email };
}

/**
 * Asserts that `promise` rejects with a realm-web MongoDBRealmError carrying the given
 * fields (statusCode, errorCode and, when given, error) and returns it.
 */
export async function expectRealmError(promise, { statusCode, errorCode, error }) {
  let caught;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, `expected a MongoDBRealmError ${statusCode} ${errorCode}, but the call succeeded`);
  assert.ok(
    caught instanceof Realm.MongoDBRealmError,
    `expected a MongoDBRealmError, got ${caught?.constructor?.name}: ${caught?.message}`,
  );
  assert.equal(caught.statusCode, statusCode, caught.message);
  assert.equal(caught.errorCode, errorCode, caught.message);
  assert.equal(typeof caught.error, "string", `error message missing: ${caught.message}`);
  if (error instanceof RegExp) {
    assert.match(caught.error, error);
  } else if (error !== undefined) {
    assert.equal(caught.error, error);
  }
  return caught;
}

/**
 * One raw HTTP request. `path` is relative to /api/client/v2.0 unless it starts with
 * "http". `json` is sent as application/json; `body` is sent as is.
 */
export async function http(method, path, { token, json, body, headers = {} } = {}) {
  const url = path.startsWith("http") ? path : `${API}${path}`;
  const allHeaders = { ...headers };
  if (token !== undefined) {
    allHeaders.Authorization = `Bearer ${token}`;
  }
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    allHeaders["Content-Type"] ??= "application/json";
  }
  const response = await fetch(url, { method, headers: allHeaders, body: payload });
  const text = await response.text();
  let parsed;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return {
    status: response.status,
    headers: response.headers,
    contentType: response.headers.get("content-type"),
    text,
    body: parsed,
  };
}

/** Asserts a JSON success: the status, Content-Type exactly application/json; returns the body. */
export function expectJson(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.equal(res.contentType, "application/json", `Content-Type of a ${status} (body ${JSON.stringify(res.text.slice(0, 200))})`);
  assert.notEqual(res.body, undefined, `body is not JSON: ${JSON.stringify(res.text)}`);
  return res.body;
}

/** Asserts an empty success: the status, no body and no Content-Type. */
export function expectEmpty(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.equal(res.text, "", "an empty success must have no body");
  assert.equal(res.contentType, null, "an empty success must have no Content-Type");
}

/** Asserts an error response per SPEC 4: status, exact JSON Content-Type, {error, error_code}. */
export function expectError(res, status, errorCode, error) {
  assert.equal(res.status, status, `expected ${status} ${errorCode}, got ${res.status}: ${res.text}`);
  assert.equal(res.contentType, "application/json", `Content-Type of a ${status} error (body ${JSON.stringify(res.text)})`);
  assert.equal(typeof res.body?.error, "string", `error body: ${res.text}`);
  assert.equal(typeof res.body.error_code, "string", `error body: ${res.text}`);
  assert.equal(res.body.error_code, errorCode, `error body: ${res.text}`);
  assert.doesNotMatch(res.text, /Exception|\tat |\n\s+at /, "error bodies never carry a stack trace");
  if (error instanceof RegExp) {
    assert.match(res.body.error, error);
  } else if (error !== undefined) {
    assert.equal(res.body.error, error);
  }
  return res.body;
}

/** Registers and logs in a user with raw HTTP; returns the login result and the email. */
export async function rawUser(tag = "raw", options) {
  const email = uniqueEmail(tag);
  expectEmpty(
    await http("POST", `/app/${APP_ID}/auth/providers/local-userpass/register`, {
      json: { email, password: PASSWORD },
    }),
    201,
  );
  const login = expectJson(
    await http("POST", `/app/${APP_ID}/auth/providers/local-userpass/login`, {
      json: { username: email, password: PASSWORD, ...(options ? { options } : {}) },
    }),
    200,
  );
  return { ...login, email };
}

/** Creates an API key with raw HTTP (refresh token) and returns the 201 body. */
export async function rawCreateKey(refreshToken, name = `k-${suffix()}`) {
  return expectJson(await http("POST", "/auth/api_keys", { token: refreshToken, json: { name } }), 201);
}

/** Decodes a JWT payload without verifying it (verification is in tokens.test.mjs). */
export function jwtPayload(token) {
  const part = token.split(".")[1];
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

/** Waits until the given access token is past its `exp` (bounded: the suite runs with 3 s tokens). */
export async function waitUntilExpired(accessToken, maxWaitMs = 8000) {
  const { exp, iat } = jwtPayload(accessToken);
  assert.ok(
    exp - iat <= maxWaitMs / 1000,
    `access token lives ${exp - iat} s: the server ignores LATCHKEY_TOKEN_ACCESS_LIFETIME=3s`,
  );
  const waitMs = exp * 1000 - Date.now() + 1100;
  if (waitMs > 0) {
    await sleep(waitMs);
  }
}
