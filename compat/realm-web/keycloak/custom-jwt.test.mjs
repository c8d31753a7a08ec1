// realm-web 2.0.1's Credentials.jwt with tokens a real Keycloak issues. Not part of the main
// suite (run.sh runs test/ only): e2e/keycloak-custom-jwt.sh starts Keycloak and a Latchkey
// whose app takes Keycloak's RS256 tokens (JWKS URI, audience, metadata email and
// preferred_username as name), then runs this file.
//
// Cases: 3 SDK.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HEX24, Realm, newApp, expectRealmError, jwtPayload } from "../lib/harness.mjs";

const T = { timeout: 60_000 };
const TOKEN_URL = requireEnv("KEYCLOAK_TOKEN_URL");
const CLIENT_ID = requireEnv("KEYCLOAK_CLIENT_ID");

function requireEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} must be set (run through e2e/keycloak-custom-jwt.sh)`);
  }
  return value;
}

/** An access token for the Keycloak user, by the password grant, as a web app's login would get it. */
async function keycloakToken(username, password) {
  const response = await fetch(TOKEN_URL, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "password", client_id: CLIENT_ID, username, password, scope: "openid" }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, `Keycloak token endpoint: ${JSON.stringify(body)}`);
  return body.access_token;
}

test("logIn(Credentials.jwt(keycloak token)): the Keycloak user, with email and name in the profile", T, async () => {
  const token = await keycloakToken("ada", "ada-password-1");
  const claims = jwtPayload(token);
  const app = newApp();
  const user = await app.logIn(Realm.Credentials.jwt(token));
  assert.match(user.id, HEX24);
  assert.equal(user.providerType, "custom-token");
  assert.deepEqual(
    user.identities.map((identity) => [identity.providerType, identity.id]),
    [["custom-token", claims.sub]],
    "the identity is the token's sub",
  );
  assert.equal(user.profile.email, "ada@example.com");
  assert.equal(user.profile.name, "ada");
  assert.deepEqual(user.customData, {});
  console.log(
    `realm-web: Keycloak user ada (sub ${claims.sub}, iss ${claims.iss}, aud ${JSON.stringify(claims.aud)})` +
      ` logged in with Credentials.jwt as Latchkey user ${user.id}; profile ${JSON.stringify({ email: user.profile.email, name: user.profile.name })}`,
  );

  // A second token of the same Keycloak user is the same Latchkey user; the session works.
  const again = await newApp().logIn(Realm.Credentials.jwt(await keycloakToken("ada", "ada-password-1")));
  assert.equal(again.id, user.id);
  const key = await again.apiKeys.create("from-keycloak");
  assert.equal(typeof key.key, "string");
  await again.logOut();
});

test("an anonymous user links a Keycloak identity and becomes that user", T, async () => {
  const app = newApp();
  const anonymous = await app.logIn(Realm.Credentials.anonymous());
  const token = await keycloakToken("grace", "grace-password-1");
  await anonymous.linkCredentials(Realm.Credentials.jwt(token));
  assert.deepEqual(
    anonymous.identities.map((identity) => identity.providerType).sort(),
    ["anon-user", "custom-token"],
  );
  assert.equal(anonymous.profile.email, "grace@example.com");
  const again = await newApp().logIn(Realm.Credentials.jwt(await keycloakToken("grace", "grace-password-1")));
  assert.equal(again.id, anonymous.id);
  console.log(`realm-web: anonymous user ${anonymous.id} linked Keycloak user grace (sub ${jwtPayload(token).sub})`);
});

test("a tampered Keycloak token is AuthError", T, async () => {
  const token = await keycloakToken("ada", "ada-password-1");
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  claims.sub = "someone-else";
  const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
  await expectRealmError(newApp().logIn(Realm.Credentials.jwt(forged)), {
    statusCode: 401,
    errorCode: "AuthError",
    error: "invalid custom auth token: bad signature",
  });
});
