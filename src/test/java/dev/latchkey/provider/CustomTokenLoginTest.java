package dev.latchkey.provider;

import static dev.latchkey.customtoken.CustomTokens.ROTATED_SECRET;
import static dev.latchkey.customtoken.CustomTokens.SECRET;
import static dev.latchkey.customtoken.CustomTokens.claims;
import static dev.latchkey.customtoken.CustomTokens.hs256;
import static dev.latchkey.customtoken.CustomTokens.login;
import static dev.latchkey.customtoken.CustomTokens.newSub;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.Test;

import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import dev.latchkey.customtoken.CustomTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;

/**
 * {@code Credentials.jwt(token)}: log in with an HS256 token of the app's own identity provider
 * (the bootstrap app takes two secrets), every rule a token must pass, metadata in the profile,
 * and linking. Keys fetched from a JWKS URI are in {@code JwksKeysTest}.
 */
@QuarkusTest
@TestProfile(CustomTokens.Profile.class)
class CustomTokenLoginTest {

    static final String APP = TestUsers.APP;

    static Map<String, Object> valid(String sub) {
        return claims(sub, APP);
    }

    static ValidatableResponse refused(Response response, String reason) {
        return response.then().statusCode(401)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("AuthError"))
                .body("error", equalTo("invalid custom auth token: " + reason));
    }

    static Map<String, Object> with(Map<String, Object> claims, String name, Object value) {
        Map<String, Object> changed = new HashMap<>(claims);
        if (value == null) {
            changed.remove(name);
        } else {
            changed.put(name, value);
        }
        return changed;
    }

    static String profileOf(String accessToken) {
        return given().header("Authorization", "Bearer " + accessToken).get(TestUsers.API + "/auth/profile")
                .then().statusCode(200).extract().asString();
    }

    @Test
    void sameSubLogsInAsTheSameNormalUser() {
        String sub = newSub();
        Response first = login(APP, hs256(SECRET, valid(sub)));
        first.then().statusCode(200).header("Content-Type", "application/json")
                .body("user_id", matchesPattern("[0-9a-f]{24}"))
                .body("device_id", matchesPattern("[0-9a-f]{24}"));
        String userId = first.jsonPath().getString("user_id");

        Response second = login(APP, hs256(SECRET, valid(sub)));
        second.then().statusCode(200).body("user_id", equalTo(userId));

        given().header("Authorization", "Bearer " + second.jsonPath().getString("access_token"))
                .get(TestUsers.API + "/auth/profile")
                .then().statusCode(200)
                .body("user_id", equalTo(userId))
                .body("type", equalTo("normal"))
                .body("identities.size()", equalTo(1))
                .body("identities[0].provider_type", equalTo("custom-token"))
                .body("identities[0].provider_id", equalTo(sub))
                .body("data", equalTo(Map.of()));
        // A normal user: may create API keys.
        given().header("Authorization", "Bearer " + second.jsonPath().getString("refresh_token"))
                .contentType(ContentType.JSON).body(Map.of("name", "from-jwt"))
                .post(TestUsers.API + "/auth/api_keys")
                .then().statusCode(201);
    }

    @Test
    void anyConfiguredSecretVerifiesSoSecretsCanRotate() {
        login(APP, hs256(ROTATED_SECRET, valid(newSub()))).then().statusCode(200);
    }

    @Test
    void tokenSignedWithAnotherSecretIsRefused() {
        refused(login(APP, hs256("not-the-secret-but-just-as-long-as-one", valid(newSub()))), "bad signature");
    }

    @Test
    void alteredPayloadIsRefused() {
        String token = hs256(SECRET, valid(newSub()));
        String[] parts = token.split("\\.");
        String other = hs256(SECRET, valid(newSub())).split("\\.")[1];
        refused(login(APP, parts[0] + "." + other + "." + parts[2]), "bad signature");
    }

    @Test
    void algorithmsOtherThanTheConfiguredOneAreRefused() {
        refused(login(APP, CustomTokens.unsigned(valid(newSub()))), "unexpected signing algorithm");
        refused(login(APP, CustomTokens.sign("HS384",
                new HmacKey((SECRET + SECRET).getBytes(StandardCharsets.UTF_8)), null, valid(newSub()), Map.of())),
                "unexpected signing algorithm");
    }

    @Test
    void expiredTokenIsRefusedWithinSixtySecondsOfSkewItIsNot() {
        long now = System.currentTimeMillis() / 1000;
        refused(login(APP, hs256(SECRET, with(valid(newSub()), "exp", now - 90))), "token expired");
        login(APP, hs256(SECRET, with(valid(newSub()), "exp", now - 30))).then().statusCode(200);
    }

    @Test
    void tokenWithoutExpiryIsRefused() {
        refused(login(APP, hs256(SECRET, with(valid(newSub()), "exp", null))), "missing exp");
        refused(login(APP, hs256(SECRET, with(valid(newSub()), "exp", "tomorrow"))), "malformed claims");
    }

    @Test
    void notYetValidTokenIsRefusedWithinSixtySecondsOfSkewItIsNot() {
        long now = System.currentTimeMillis() / 1000;
        refused(login(APP, hs256(SECRET, with(valid(newSub()), "nbf", now + 120))), "token not yet valid");
        login(APP, hs256(SECRET, with(valid(newSub()), "nbf", now + 30))).then().statusCode(200);
        refused(login(APP, hs256(SECRET, with(valid(newSub()), "iat", now + 120))), "token issued in the future");
        login(APP, hs256(SECRET, with(valid(newSub()), "iat", now + 30))).then().statusCode(200);
    }

    @Test
    void withoutConfiguredAudienceTheTokenMustNameTheApp() {
        refused(login(APP, hs256(SECRET, claims(newSub(), "another-app"))), "audience mismatch");
        refused(login(APP, hs256(SECRET, with(valid(newSub()), "aud", null))), "audience mismatch");
        login(APP, hs256(SECRET, claims(newSub(), List.of("another-app", APP)))).then().statusCode(200);
    }

    @Test
    void configuredAudiencesMustAllBePresentUnlessAnyOneIsEnough() {
        String all = CustomTokens.app("{\"signing_algorithm\": \"HS256\", \"signing_keys\": [\"" + SECRET + "\"], "
                + "\"audience\": [\"api-a\", \"api-b\"]}");
        refused(login(all, hs256(SECRET, claims(newSub(), "api-a"))), "audience mismatch");
        refused(login(all, hs256(SECRET, claims(newSub(), all))), "audience mismatch");
        login(all, hs256(SECRET, claims(newSub(), List.of("api-b", "api-a", "other")))).then().statusCode(200);

        String any = CustomTokens.app("{\"signing_algorithm\": \"HS256\", \"signing_keys\": [\"" + SECRET + "\"], "
                + "\"audience\": [\"api-a\", \"api-b\"], \"require_any_audience\": true}");
        login(any, hs256(SECRET, claims(newSub(), "api-b"))).then().statusCode(200);
        login(any, hs256(SECRET, claims(newSub(), List.of("other", "api-a")))).then().statusCode(200);
        refused(login(any, hs256(SECRET, claims(newSub(), List.of("other", any)))), "audience mismatch");
    }

    @Test
    void subIsRequiredAndBounded() {
        refused(login(APP, hs256(SECRET, with(valid(newSub()), "sub", null))), "missing sub");
        refused(login(APP, hs256(SECRET, with(valid(newSub()), "sub", ""))), "missing sub");
        refused(login(APP, hs256(SECRET, with(valid(newSub()), "sub", "x".repeat(256)))), "invalid sub");
        refused(login(APP, hs256(SECRET, with(valid(newSub()), "sub", "nul\u0000inside"))), "invalid sub");
        refused(login(APP, hs256(SECRET, with(valid(newSub()), "sub", 42))), "malformed claims");
        login(APP, hs256(SECRET, with(valid(newSub()), "sub", "x".repeat(255)))).then().statusCode(200);
    }

    @Test
    void tokenOver2048CharactersIsRefusedBeforeParsing() {
        String token = hs256(SECRET, with(valid(newSub()), "padding", "p".repeat(2000)));
        refused(login(APP, token), "token too long");
        refused(login(APP, "x".repeat(100_000 / 2)), "token too long");
    }

    @Test
    void malformedTokensAreRefused() {
        for (String token : new String[] { "", "abc", "a.b.c", "a.b.c.d.e", "eyJhbGciOiJIUzI1NiJ9.." }) {
            refused(login(APP, token), "malformed token");
        }
    }

    @Test
    void missingOrNonStringTokenIsBadRequest() {
        for (Object body : new Object[] { Map.of(), Map.of("token", 5), Map.of("token", Map.of()), Map.of("token", true) }) {
            given().contentType(ContentType.JSON).body(body)
                    .post(TestUsers.PROVIDERS + "/custom-token/login")
                    .then().statusCode(400).header("Content-Type", "application/json")
                    .body("error_code", equalTo("BadRequest"));
        }
    }

    @Test
    void metadataFieldsAreCopiedToTheProfileAtEveryLogin() throws Exception {
        String app = CustomTokens.app("{\"signing_algorithm\": \"HS256\", \"signing_keys\": [\"" + SECRET + "\"], "
                + "\"metadata_fields\": [{\"required\": true, \"name\": \"email\"}, "
                + "{\"name\": \"profile.name\", \"field_name\": \"name\"}, "
                + "{\"name\": \"https://example.com/roles\", \"field_name\": \"roles\"}, "
                + "{\"name\": \"profile.age\", \"field_name\": \"age\"}]}");
        String sub = newSub();
        Map<String, Object> first = claims(sub, app);
        first.put("email", "ada@example.com");
        first.put("profile", Map.of("name", "Ada", "age", 36));
        first.put("https://example.com/roles", List.of("admin", "dev"));
        first.put("not-copied", "secret-ish");
        Response login = login(app, hs256(SECRET, first));
        login.then().statusCode(200);
        given().header("Authorization", "Bearer " + login.jsonPath().getString("access_token"))
                .get(TestUsers.API + "/auth/profile")
                .then().statusCode(200)
                .body("data", equalTo(Map.of("email", "ada@example.com", "name", "Ada", "roles", List.of("admin", "dev"),
                        "age", 36)));

        Map<String, Object> second = claims(sub, app);
        second.put("email", "ada@lovelace.example");
        second.put("profile", Map.of("name", "Ada Lovelace"));
        // The profile is cached by now, and the database's notice of the change is off: only the
        // login's own drop of the cached profile can make the next read show the new metadata.
        Thread.sleep(200);
        given().header("Authorization", "Bearer " + login.jsonPath().getString("access_token"))
                .get(TestUsers.API + "/auth/profile").then().statusCode(200);
        TestSql.withoutNotices(() -> {
            Response again = login(app, hs256(SECRET, second));
            again.then().statusCode(200).body("user_id", equalTo(login.jsonPath().getString("user_id")));
            // The first session's profile shows the newest token's metadata too: it belongs to the user.
            given().header("Authorization", "Bearer " + login.jsonPath().getString("access_token"))
                    .get(TestUsers.API + "/auth/profile")
                    .then().statusCode(200)
                    .body("data", equalTo(Map.of("email", "ada@lovelace.example", "name", "Ada Lovelace")));
        });
    }

    @Test
    void missingRequiredMetadataFieldIsRefused() {
        String app = CustomTokens.app("{\"signing_algorithm\": \"HS256\", \"signing_keys\": [\"" + SECRET + "\"], "
                + "\"metadata_fields\": [{\"required\": true, \"name\": \"user.email\", \"field_name\": \"email\"}]}");
        refused(login(app, hs256(SECRET, claims(newSub(), app))), "required metadata field 'user.email' is missing");
        Map<String, Object> nullEmail = claims(newSub(), app);
        nullEmail.put("user", new HashMap<>(Map.of("other", 1)));
        refused(login(app, hs256(SECRET, nullEmail)), "required metadata field 'user.email' is missing");
        Map<String, Object> present = claims(newSub(), app);
        present.put("user", Map.of("email", "x@example.com"));
        login(app, hs256(SECRET, present)).then().statusCode(200);
    }

    @Test
    void storedMetadataIsBounded() {
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            fields.append(i == 0 ? "" : ", ").append("{\"name\": \"blob\", \"field_name\": \"copy").append(i).append("\"}");
        }
        String app = CustomTokens.app("{\"signing_algorithm\": \"HS256\", \"signing_keys\": [\"" + SECRET + "\"], "
                + "\"metadata_fields\": [" + fields + "]}");
        Map<String, Object> claims = claims(newSub(), app);
        claims.put("blob", "b".repeat(1000));
        refused(login(app, hs256(SECRET, claims)), "metadata too large");
        claims.put("blob", "b".repeat(400));
        login(app, hs256(SECRET, claims)).then().statusCode(200);
        claims.put("blob", List.of("nul\u0000"));
        refused(login(app, hs256(SECRET, claims)), "invalid metadata");
    }

    @Test
    void concurrentFirstLoginsOfOneSubMakeOneUser() throws Exception {
        String token = hs256(SECRET, valid(newSub()));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Response>> logins = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                logins.add(() -> login(APP, token));
            }
            Set<String> users = new HashSet<>();
            for (Future<Response> done : pool.invokeAll(logins)) {
                assertEquals(200, done.get().statusCode(), done.get().asString());
                users.add(done.get().jsonPath().getString("user_id"));
            }
            assertEquals(1, users.size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anonymousUserWhoLinksATokenBecomesNormal() {
        TestUsers.Tokens anonymous = TestUsers.anonymous();
        String sub = newSub();
        Map<String, Object> claims = valid(sub);
        claims.put("name", "Grace");
        CustomTokens.link(APP, anonymous.bearerAccess(), hs256(SECRET, claims))
                .then().statusCode(200).body("user_id", equalTo(anonymous.userId()));

        given().header("Authorization", anonymous.bearerAccess()).get(TestUsers.API + "/auth/profile")
                .then().statusCode(200)
                .body("identities.provider_type", hasItems("anon-user", "custom-token"))
                .body("data", equalTo(Map.of("name", "Grace")));
        TestUsers.createKey(anonymous, "after-jwt-linking");
        login(APP, hs256(SECRET, valid(sub))).then().statusCode(200).body("user_id", equalTo(anonymous.userId()));
    }

    @Test
    void emailAndTokenMetadataShareTheProfile() {
        TestUsers.Tokens user = TestUsers.registered();
        Map<String, Object> claims = valid(newSub());
        claims.put("name", "Linus");
        CustomTokens.link(APP, user.bearerAccess(), hs256(SECRET, claims)).then().statusCode(200);
        JsonPath profile = JsonPath.from(profileOf(user.accessToken()));
        assertEquals("Linus", profile.getString("data.name"));
        assertEquals(List.of("local-userpass", "custom-token"), profile.getList("identities.provider_type"));
        assertTrue(profile.getString("data.email").startsWith("user-"));
    }

    @Test
    void linkingAnIdentityThatIsTakenOrASecondOneIsIdentityAlreadyExists() {
        String ownersSub = newSub();
        Response owner = login(APP, hs256(SECRET, valid(ownersSub)));
        owner.then().statusCode(200);
        TestUsers.Tokens other = TestUsers.anonymous();

        // The token's identity belongs to someone else.
        CustomTokens.link(APP, other.bearerAccess(), hs256(SECRET, valid(ownersSub)))
                .then().statusCode(409).header("Content-Type", "application/json")
                .body("error_code", equalTo("IdentityAlreadyExists"));
        // The owner links it again, or links a second custom-token identity.
        String ownerAccess = "Bearer " + owner.jsonPath().getString("access_token");
        CustomTokens.link(APP, ownerAccess, hs256(SECRET, valid(ownersSub)))
                .then().statusCode(409).body("error_code", equalTo("IdentityAlreadyExists"));
        CustomTokens.link(APP, ownerAccess, hs256(SECRET, valid(newSub())))
                .then().statusCode(409).body("error_code", equalTo("IdentityAlreadyExists"));

        // Nothing changed: the anonymous user is still anonymous (may not create keys).
        given().header("Authorization", other.bearerAccess()).get(TestUsers.API + "/auth/profile")
                .then().statusCode(200).body("identities.size()", equalTo(1));
        given().header("Authorization", other.bearerRefresh()).contentType(ContentType.JSON)
                .body(Map.of("name", "still-anonymous")).post(TestUsers.API + "/auth/api_keys")
                .then().statusCode(403);
        given().header("Authorization", ownerAccess).get(TestUsers.API + "/auth/profile")
                .then().statusCode(200).body("identities.size()", equalTo(1));
        login(APP, hs256(SECRET, valid(ownersSub))).then().statusCode(200)
                .body("user_id", equalTo(owner.jsonPath().getString("user_id")));
    }

    @Test
    void twoLinksRacingForOneUserLeaveOneIdentity() throws Exception {
        TestUsers.Tokens user = TestUsers.registered();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Callable<Integer>> links = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String token = hs256(SECRET, valid(newSub()));
                links.add(() -> CustomTokens.link(APP, user.bearerAccess(), token).statusCode());
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> done : pool.invokeAll(links)) {
                statuses.add(done.get());
            }
            assertEquals(1, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
            assertEquals(5, statuses.stream().filter(s -> s == 409).count(), statuses.toString());
        } finally {
            pool.shutdownNow();
        }
        given().header("Authorization", user.bearerAccess()).get(TestUsers.API + "/auth/profile")
                .then().statusCode(200).body("identities.size()", equalTo(2));
    }

    @Test
    void apiKeySessionCannotLink() {
        TestUsers.Tokens owner = TestUsers.registered();
        String key = (String) TestUsers.createKey(owner, "no-linking").get("key");
        TestUsers.Tokens viaKey = TestUsers.withKey(key);
        CustomTokens.link(APP, viaKey.bearerAccess(), hs256(SECRET, valid(newSub())))
                .then().statusCode(403).body("error_code", equalTo("Forbidden"));
    }

    @Test
    void linkingWithAForgedTokenIsAuthErrorAndLinksNothing() {
        TestUsers.Tokens anonymous = TestUsers.anonymous();
        refused(CustomTokens.link(APP, anonymous.bearerAccess(), hs256("not-the-secret-but-just-as-long-as-one",
                valid(newSub()))), "bad signature");
        given().header("Authorization", anonymous.bearerAccess()).get(TestUsers.API + "/auth/profile")
                .then().statusCode(200).body("identities.size()", equalTo(1));
    }

    @Test
    void appThatHasNotEnabledTheProviderAnswersAuthProviderNotFound() {
        String app = CustomTokens.appWithSettings("{\"providers\": {\"custom-token\": {\"enabled\": false, "
                + "\"signing_algorithm\": \"HS256\", \"signing_keys\": [\"" + SECRET + "\"]}}}");
        login(app, hs256(SECRET, claims(newSub(), app)))
                .then().statusCode(400).body("error_code", equalTo("AuthProviderNotFound"))
                .body("error", equalTo("authentication via 'custom-token' is unsupported"));
    }
}
