// Raw HTTP checks of what realm-web and the realm-core SDKs rely on beyond the SDK calls:
// exact Content-Types, empty successes, error bodies, realm-core request quirks, device ids,
// CORS and throttling.
//
// Cases: 0 SDK, 23 raw HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  APP_API,
  APP_ID,
  BASE_URL,
  HEX24,
  PASSWORD,
  expectEmpty,
  expectError,
  expectJson,
  http,
  jwtPayload,
  randomHex24,
  rawCreateKey,
  rawUser,
  uniqueEmail,
} from "../lib/harness.mjs";

const T = { timeout: 30_000 };
const ENDED = "invalid session: failed to find refresh token";
// What realm-core based SDKs (Kotlin, Swift, .NET, Dart, C++) send on every POST/PUT/DELETE.
const CORE_HEADERS = { "Content-Type": "application/json;charset=utf-8", Accept: "application/json" };
const login = (provider, json, opts = {}) => http("POST", `/app/${APP_ID}/auth/providers/${provider}/login`, { json, ...opts });

test("location: 200 JSON with the public URL as hostname", T, async () => {
  const body = expectJson(await http("GET", `${APP_API}/location`), 200);
  assert.equal(body.deployment_model, "GLOBAL");
  assert.equal(body.location, "US-VA");
  assert.equal(body.hostname, BASE_URL, "derived from the request, absolute, no trailing slash");
  assert.equal(typeof body.ws_hostname, "string");
  assert.match(body.ws_hostname, /^wss?:\/\/[^/]+$/);
  assert.equal(body.ws_hostname.replace(/^ws/, "http"), BASE_URL);
});

test("location of an unknown app: 404 AppNotFound", T, async () => {
  expectError(
    await http("GET", "/app/unknown-app-xyz/location"),
    404,
    "AppNotFound",
    "cannot find app using Client App ID 'unknown-app-xyz'",
  );
});

test("register: 201 with no body and no Content-Type; login: 200 JSON result", T, async () => {
  const email = uniqueEmail("raw");
  const reg = await http("POST", `/app/${APP_ID}/auth/providers/local-userpass/register`, {
    json: { email, password: PASSWORD },
  });
  expectEmpty(reg, 201);
  const body = expectJson(await login("local-userpass", { username: email, password: PASSWORD }), 200);
  assert.deepEqual(Object.keys(body).sort(), ["access_token", "device_id", "refresh_token", "user_id"]);
  for (const value of Object.values(body)) {
    assert.equal(typeof value, "string");
  }
  assert.match(body.user_id, HEX24);
  assert.match(body.device_id, HEX24);
});

test("routes without auth ignore any Authorization header", T, async () => {
  const garbage = { headers: { Authorization: "Bearer garbage.token.here" } };
  const email = uniqueEmail("noauth");
  expectEmpty(
    await http("POST", `/app/${APP_ID}/auth/providers/local-userpass/register`, { json: { email, password: PASSWORD }, ...garbage }),
    201,
  );
  expectJson(await login("local-userpass", { username: email, password: PASSWORD }, garbage), 200);
  expectJson(await login("anon-user", {}, garbage), 200);
  expectJson(await http("GET", `${APP_API}/location`, garbage), 200);
});

test("profile: user_id, domain_id, identities, data.email, type normal", T, async () => {
  const user = await rawUser("profile");
  const profile = expectJson(await http("GET", "/auth/profile", { token: user.access_token }), 200);
  assert.equal(profile.user_id, user.user_id);
  assert.equal(typeof profile.domain_id, "string");
  assert.equal(profile.type, "normal");
  assert.equal(profile.data.email, user.email);
  assert.equal(profile.identities.length, 1);
  const [identity] = profile.identities;
  assert.equal(identity.provider_type, "local-userpass");
  assert.equal(typeof identity.id, "string");
  assert.equal(typeof identity.provider_id, "string");
});

test("anonymous login and profile: data is {} and never omitted", T, async () => {
  const body = expectJson(await login("anon-user", {}), 200);
  const profile = expectJson(await http("GET", "/auth/profile", { token: body.access_token }), 200);
  assert.deepEqual(profile.data, {});
  assert.equal(profile.identities[0].provider_type, "anon-user");
  // Every provider answers a login without a JSON object body alike (the SDKs always send one).
  const bare = await http("POST", `/app/${APP_ID}/auth/providers/anon-user/login`, { headers: CORE_HEADERS });
  expectError(bare, 400, "BadRequest", /JSON object/);
});

test("empty successes (enable, disable, delete key, logout) have no body and no Content-Type", T, async () => {
  const user = await rawUser();
  const key = await rawCreateKey(user.refresh_token);
  expectEmpty(await http("PUT", `/auth/api_keys/${key._id}/disable`, { token: user.refresh_token }), 204);
  expectEmpty(await http("PUT", `/auth/api_keys/${key._id}/enable`, { token: user.refresh_token }), 204);
  expectEmpty(await http("DELETE", `/auth/api_keys/${key._id}`, { token: user.refresh_token }), 204);
  expectEmpty(await http("DELETE", "/auth/session", { token: user.refresh_token }), 204);
});

test("key bodies: _id a 24-hex string, disabled a boolean, key only at creation, list in creation order", T, async () => {
  const user = await rawUser();
  const names = ["zeta", "alpha", "mid"];
  const created = [];
  for (const name of names) {
    const key = await rawCreateKey(user.refresh_token, name);
    // App Services' fields, plus Latchkey's (SPEC section 10) that the SDK ignores.
    assert.deepEqual(Object.keys(key).sort(), ["_id", "created_at", "disabled", "expires_at", "key", "last_used_at", "name"]);
    assert.match(key._id, HEX24);
    assert.equal(key.disabled, false);
    created.push(key);
  }
  const list = expectJson(await http("GET", "/auth/api_keys", { token: user.refresh_token }), 200);
  assert.deepEqual(list.map((k) => k.name), names);
  for (const item of list) {
    assert.deepEqual(Object.keys(item).sort(), ["_id", "created_at", "disabled", "expires_at", "last_used_at", "name"]);
    assert.equal(typeof item.disabled, "boolean");
  }
  const one = expectJson(await http("GET", `/auth/api_keys/${created[1]._id}`, { token: user.refresh_token }), 200);
  assert.deepEqual(one, {
    _id: created[1]._id,
    name: "alpha",
    disabled: false,
    created_at: created[1].created_at,
    expires_at: null,
    last_used_at: null,
  });
});

test("key routes accept the access token too", T, async () => {
  const user = await rawUser();
  const key = expectJson(await http("POST", "/auth/api_keys", { token: user.access_token, json: { name: "via-access" } }), 201);
  expectJson(await http("GET", "/auth/api_keys", { token: user.access_token }), 200);
  expectJson(await http("GET", `/auth/api_keys/${key._id}`, { token: user.access_token }), 200);
  expectEmpty(await http("PUT", `/auth/api_keys/${key._id}/disable`, { token: user.access_token }), 204);
  expectEmpty(await http("DELETE", `/auth/api_keys/${key._id}`, { token: user.access_token }), 204);
});

test("realm-core style: empty bodies with Content-Type application/json;charset=utf-8 are accepted", T, async () => {
  const user = await rawUser();
  const key = expectJson(
    await http("POST", "/auth/api_keys", { token: user.refresh_token, json: { name: "core" }, headers: CORE_HEADERS }),
    201,
  );
  const opts = { token: user.refresh_token, headers: CORE_HEADERS };
  expectJson(await http("POST", "/auth/session", opts), 201);
  expectEmpty(await http("PUT", `/auth/api_keys/${key._id}/disable`, opts), 204);
  expectEmpty(await http("PUT", `/auth/api_keys/${key._id}/enable`, opts), 204);
  expectEmpty(await http("DELETE", `/auth/api_keys/${key._id}`, opts), 204);
  expectEmpty(await http("DELETE", "/auth/session", opts), 204);

  const other = await rawUser();
  expectEmpty(await http("DELETE", "/auth/delete", { token: other.access_token, headers: CORE_HEADERS }), 204);
});

test("realm-core style login bodies: provider and extra device fields are ignored", T, async () => {
  const email = uniqueEmail("core");
  expectEmpty(
    await http("POST", `/app/${APP_ID}/auth/providers/local-userpass/register`, {
      json: { email, password: PASSWORD },
      headers: CORE_HEADERS,
    }),
    201,
  );
  const options = {
    device: { appId: "com.example.app", platform: "Android", platformVersion: "14", sdk: "Kotlin", sdkVersion: "1.16.0", coreVersion: "14.5.1", bundleId: "com.example", cpuArch: "arm64", deviceName: "pixel", deviceVersion: "8", frameworkName: "x", frameworkVersion: "1" },
  };
  const body = expectJson(
    await login("local-userpass", { provider: "local-userpass", username: email, password: PASSWORD, options }, { headers: CORE_HEADERS }),
    200,
  );
  assert.match(body.device_id, HEX24);
  expectJson(await login("anon-user", { provider: "anon-user", options }, { headers: CORE_HEADERS }), 200);
});

test("device id: {$oid} and plain string are echoed; none gets a new one", T, async () => {
  const user = await rawUser();
  const oid = randomHex24();
  const viaOid = expectJson(
    await login("local-userpass", { username: user.email, password: PASSWORD, options: { device: { deviceId: { $oid: oid } } } }),
    200,
  );
  assert.equal(viaOid.device_id, oid);
  assert.equal(jwtPayload(viaOid.access_token).baas_device_id, oid);

  const plain = randomHex24();
  const viaString = expectJson(
    await login("local-userpass", { username: user.email, password: PASSWORD, options: { device: { deviceId: plain } } }),
    200,
  );
  assert.equal(viaString.device_id, plain);

  const anon = expectJson(await login("anon-user", { options: { device: { deviceId: { $oid: oid } } } }), 200);
  assert.equal(anon.device_id, oid);

  const fresh = expectJson(await login("anon-user", { options: { device: {} } }), 200);
  assert.match(fresh.device_id, HEX24);
  assert.notEqual(fresh.device_id, "000000000000000000000000");
});

test("missing, empty and malformed bearer tokens: 401 InvalidSession", T, async () => {
  expectError(await http("GET", "/auth/profile"), 401, "InvalidSession", /^invalid session/);
  expectError(await http("GET", "/auth/profile", { headers: { Authorization: "Bearer " } }), 401, "InvalidSession");
  expectError(await http("GET", "/auth/profile", { headers: { Authorization: "Bearer" } }), 401, "InvalidSession");
  expectError(await http("GET", "/auth/profile", { headers: { Authorization: "Basic dXNlcjpwYXNz" } }), 401, "InvalidSession");
  expectError(await http("GET", "/auth/api_keys", { headers: { Authorization: "Bearer " } }), 401, "InvalidSession");
  expectError(
    await http("DELETE", "/auth/session", { headers: { Authorization: "Bearer ", ...CORE_HEADERS } }),
    401,
    "InvalidSession",
  );
  expectError(await http("POST", "/auth/session", { token: "" }), 401, "InvalidSession");
});

test("token types are not interchangeable: access on /auth/session, refresh on /auth/profile", T, async () => {
  const user = await rawUser();
  expectError(await http("POST", "/auth/session", { token: user.access_token }), 401, "InvalidSession");
  expectError(await http("GET", "/auth/profile", { token: user.refresh_token }), 401, "InvalidSession");
  expectError(await http("DELETE", "/auth/delete", { token: user.refresh_token }), 401, "InvalidSession");
});

test("an ended session's refresh token: 401 'invalid session: failed to find refresh token'", T, async () => {
  const user = await rawUser();
  expectEmpty(await http("DELETE", "/auth/session", { token: user.refresh_token }), 204);
  expectError(await http("DELETE", "/auth/session", { token: user.refresh_token }), 401, "InvalidSession", ENDED);
  expectError(await http("POST", "/auth/session", { token: user.refresh_token }), 401, "InvalidSession", ENDED);
  expectError(await http("GET", "/auth/api_keys", { token: user.refresh_token }), 401, "InvalidSession", ENDED);
  // Other sessions of the same user are unaffected.
  const again = expectJson(await login("local-userpass", { username: user.email, password: PASSWORD }), 200);
  expectJson(await http("GET", "/auth/api_keys", { token: again.refresh_token }), 200);
});

test("DELETE /auth/delete: 204, then the user's sessions and login are gone", T, async () => {
  const user = await rawUser();
  await rawCreateKey(user.refresh_token, "gone");
  expectEmpty(await http("DELETE", "/auth/delete", { token: user.access_token }), 204);
  expectError(await http("POST", "/auth/session", { token: user.refresh_token }), 401, "InvalidSession", ENDED);
  expectError(await login("local-userpass", { username: user.email, password: PASSWORD }), 401, "InvalidPassword");
  // The email can be registered again.
  expectEmpty(
    await http("POST", `/app/${APP_ID}/auth/providers/local-userpass/register`, { json: { email: user.email, password: PASSWORD } }),
    201,
  );
});

test("bad request bodies: 400 BadRequest / InvalidParameter, never 500", T, async () => {
  const user = await rawUser();
  const t = user.refresh_token;
  const post = (body, type = "application/json") =>
    http("POST", "/auth/api_keys", { token: t, body, headers: { "Content-Type": type } });
  expectError(await post("{not json"), 400, "BadRequest");
  expectError(await post('{"name": 5}'), 400, "BadRequest");
  expectError(await post('{"name": true}'), 400, "BadRequest");
  expectError(await post('{"name": ["a"]}'), 400, "BadRequest");
  expectError(await post('{"name": null}'), 400, "InvalidParameter", "'name' is a required string");
  expectError(await post("{}"), 400, "InvalidParameter", "'name' is a required string");
  expectError(await post('"just a string"'), 400, "BadRequest");
  expectError(
    await http("POST", `/app/${APP_ID}/auth/providers/local-userpass/login`, { body: "nope", headers: { "Content-Type": "application/json" } }),
    400,
    "BadRequest",
  );
  expectError(
    await http("POST", `/app/${APP_ID}/auth/providers/local-userpass/register`, { json: { email: uniqueEmail(), password: 123456 } }),
    400,
    "BadRequest",
  );
  expectError(await login("api-key", { key: 42 }), 400, "BadRequest");
});

test("unknown or disabled provider: 400 AuthProviderNotFound", T, async () => {
  expectError(await login("oauth2-google", {}), 400, "AuthProviderNotFound", "authentication via 'oauth2-google' is unsupported");
  expectError(await login("custom-token", { token: "x" }), 400, "AuthProviderNotFound", "authentication via 'custom-token' is unsupported");
});

test("framework errors (404 route, 405 method, 415 media type, 413 size) carry the JSON error body", T, async () => {
  const user = await rawUser();
  const notFound = await http("GET", "/no/such/route", { token: user.access_token });
  assert.equal(notFound.status, 404, notFound.text);
  expectError(notFound, 404, notFound.body?.error_code);

  const wrongMethod = await http("PATCH", "/auth/api_keys", { token: user.refresh_token, json: { name: "x" } });
  assert.equal(wrongMethod.status, 405, wrongMethod.text);
  expectError(wrongMethod, 405, wrongMethod.body?.error_code);

  const xml = await http("POST", "/auth/api_keys", { token: user.refresh_token, body: "<name/>", headers: { "Content-Type": "application/xml" } });
  assert.ok([400, 415].includes(xml.status), `unsupported media type: ${xml.status} ${xml.text}`);
  expectError(xml, xml.status, xml.body?.error_code);

  const big = await http("POST", "/auth/api_keys", { token: user.refresh_token, json: { name: "x".repeat(70 * 1024) } });
  expectError(big, 413, "BadRequest", "request too large");
});

test("CORS: preflight and responses allow any origin", T, async () => {
  const origin = "http://browser.compat.example";
  const preflight = await fetch(`${BASE_URL}/api/client/v2.0/auth/api_keys`, {
    method: "OPTIONS",
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "authorization,content-type",
    },
  });
  assert.ok(preflight.status >= 200 && preflight.status < 300, `preflight status ${preflight.status}`);
  const allowOrigin = preflight.headers.get("access-control-allow-origin");
  assert.ok(allowOrigin === "*" || allowOrigin === origin, `allow-origin: ${allowOrigin}`);
  const allowHeaders = (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase();
  assert.ok(allowHeaders === "*" || allowHeaders.includes("authorization"), `allow-headers: ${allowHeaders}`);
  const allowMethods = (preflight.headers.get("access-control-allow-methods") ?? "").toUpperCase();
  assert.ok(allowMethods === "*" || allowMethods.includes("POST"), `allow-methods: ${allowMethods}`);

  const location = await fetch(`${APP_API}/location`, { headers: { Origin: origin } });
  assert.equal(location.status, 200);
  const responseOrigin = location.headers.get("access-control-allow-origin");
  assert.ok(responseOrigin === "*" || responseOrigin === origin, `allow-origin: ${responseOrigin}`);
});

test("JSON Content-Type is exact on every JSON response kind", T, async () => {
  const user = await rawUser();
  const key = await rawCreateKey(user.refresh_token);
  const responses = [
    await http("GET", `${APP_API}/location`),
    await http("GET", "/auth/profile", { token: user.access_token }),
    await http("POST", "/auth/session", { token: user.refresh_token }),
    await http("GET", "/auth/api_keys", { token: user.refresh_token }),
    await http("GET", `/auth/api_keys/${key._id}`, { token: user.refresh_token }),
    await http("GET", `${BASE_URL}/.well-known/jwks.json`),
    await http("GET", "/auth/api_keys/ffffffffffffffffffffffff", { token: user.refresh_token }),
    await login("local-userpass", { username: user.email, password: "wrong!!" }),
  ];
  for (const res of responses) {
    assert.equal(res.contentType, "application/json", `${res.status} ${res.text.slice(0, 80)}`);
  }
});

test("another user's key id answers exactly like an unknown id", T, async () => {
  const alice = await rawUser("alice");
  const bob = await rawUser("bob");
  const key = await rawCreateKey(alice.refresh_token);
  const foreign = await http("GET", `/auth/api_keys/${key._id}`, { token: bob.refresh_token });
  const unknown = await http("GET", `/auth/api_keys/${randomHex24()}`, { token: bob.refresh_token });
  expectError(foreign, 404, "APIKeyNotFound", "API key not found");
  assert.deepEqual(foreign.body, unknown.body);
  expectError(await http("PUT", `/auth/api_keys/${key._id}/disable`, { token: bob.refresh_token }), 404, "APIKeyNotFound");
  expectError(await http("DELETE", `/auth/api_keys/${key._id}`, { token: bob.refresh_token }), 404, "APIKeyNotFound");
  const still = expectJson(await http("GET", `/auth/api_keys/${key._id}`, { token: alice.refresh_token }), 200);
  assert.equal(still.disabled, false);
});

test("throttling: 10 failed password logins for one account, then 429 with Retry-After", T, async () => {
  const user = await rawUser("throttle");
  for (let i = 0; i < 10; i++) {
    expectError(await login("local-userpass", { username: user.email, password: `wrong-${i}` }), 401, "InvalidPassword");
  }
  const blocked = await login("local-userpass", { username: user.email, password: PASSWORD });
  expectError(blocked, 429, "TooManyRequests");
  const retryAfter = blocked.headers.get("retry-after");
  assert.ok(retryAfter && Number(retryAfter) > 0, `Retry-After: ${retryAfter}`);
  // Another account from the same (well below 100 failures) address is not slowed.
  const other = await rawUser("unthrottled");
  expectJson(await login("local-userpass", { username: other.email, password: PASSWORD }), 200);
  // Sessions the throttled account already has keep working.
  expectJson(await http("GET", "/auth/api_keys", { token: user.refresh_token }), 200);
});
