package dev.latchkey.admin;

import static dev.latchkey.admin.Admin.API;
import static dev.latchkey.admin.Admin.operator;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** SPEC section 9: every admin route and error, against real PostgreSQL. */
@QuarkusTest
@TestProfile(AdminApiTest.WithAdminKey.class)
class AdminApiTest {

    public static class WithAdminKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("latchkey.admin-key", Admin.KEY);
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestDatabase.class));
        }
    }

    @Test
    void everyAdminRouteNeedsAnAdminKey() {
        Tokens user = TestUsers.registered();
        String[][] routes = { { "GET", "/apps" }, { "POST", "/apps" }, { "GET", "/apps/latchkey-app" },
                { "PATCH", "/apps/latchkey-app" }, { "DELETE", "/apps/latchkey-app" }, { "GET", "/apps/latchkey-app/users" },
                { "GET", "/apps/latchkey-app/users/" + user.userId() }, { "PUT", "/apps/latchkey-app/users/" + user.userId() + "/disable" },
                { "DELETE", "/apps/latchkey-app/users/" + user.userId() + "/sessions" }, { "GET", "/apps/latchkey-app/api_keys" },
                { "POST", "/apps/latchkey-app/api_keys" }, { "GET", "/apps/latchkey-app/audit" }, { "GET", "/audit" },
                { "GET", "/apps/latchkey-app/audit/stats" },
                { "PUT", "/apps/latchkey-app/users/" + user.userId() + "/api_keys/" + "0".repeat(24) + "/disable" },
                { "GET", "/admin_keys" }, { "POST", "/admin_keys" } };
        for (String[] route : routes) {
            for (String key : new String[] { null, "wrong-key", user.accessToken(), "lka_" + "x".repeat(46) }) {
                var request = given().contentType(ContentType.JSON).body("{}");
                if (key != null) {
                    request.header("Authorization", "Bearer " + key);
                }
                request.request(route[0], API + route[1]).then().statusCode(401)
                        .header("Content-Type", "application/json").body("error_code", equalTo("AuthError"));
            }
        }
        operator().get(API + "/apps/latchkey-app/users/" + user.userId()).then().statusCode(200);
    }

    @Test
    void appsAreCreatedListedReadPatchedAndDeleted() {
        operator().body(Map.of("id", "shop-app", "api_keys_max_per_user", 2)).post(API + "/apps").then().statusCode(201)
                .header("Content-Type", "application/json")
                .body("id", equalTo("shop-app")).body("api_keys_max_per_user", equalTo(2))
                .body("providers.local-userpass.enabled", equalTo(true)).body("providers.anon-user.enabled", equalTo(true));
        operator().body(Map.of("id", "shop-app")).post(API + "/apps").then().statusCode(409)
                .body("error_code", equalTo("AppAlreadyExists"));
        operator().get(API + "/apps").then().statusCode(200).body("id", hasItem("shop-app")).body("id", hasItem("latchkey-app"));
        operator().get(API + "/apps/shop-app").then().statusCode(200).body("domain_id", org.hamcrest.Matchers.matchesPattern("[0-9a-f]{24}"));
        operator().get(API + "/apps/no-such-app").then().statusCode(404).body("error_code", equalTo("AppNotFound"));

        // The app works for clients at once, with its own key limit.
        Tokens user = logInTo("shop-app", registerIn("shop-app"));
        for (String name : new String[] { "one", "two" }) {
            given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON).body(Map.of("name", name))
                    .post(TestUsers.API + "/auth/api_keys").then().statusCode(201);
        }
        given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON).body(Map.of("name", "three"))
                .post(TestUsers.API + "/auth/api_keys").then().statusCode(409).body("error_code", equalTo("APIKeyLimitReached"));

        // Merge patch: anonymous off, confirmation by webhook with a secret that is never shown again.
        operator().contentType("application/merge-patch+json").body(Map.of("providers", Map.of(
                "anon-user", Map.of("enabled", false),
                "local-userpass", Map.of("auto_confirm", false, "confirmation_webhook_url", "https://hooks.example/confirm",
                        "webhook_secret", "a-webhook-secret-of-some-length"))))
                .patch(API + "/apps/shop-app").then().statusCode(200)
                .body("providers.anon-user.enabled", equalTo(false))
                .body("providers.local-userpass.confirmation_webhook_url", equalTo("https://hooks.example/confirm"))
                .body("providers.local-userpass.webhook_secret", nullValue())
                .body("api_keys_max_per_user", equalTo(2));
        String shown = operator().get(API + "/apps/shop-app").asString() + operator().get(API + "/apps").asString();
        assertFalse(shown.contains("a-webhook-secret-of-some-length"), "secrets are write-only");

        operator().body(Map.of("api_keys_max_per_user", -1)).patch(API + "/apps/shop-app").then().statusCode(400)
                .body("error_code", equalTo("InvalidParameter"));
        operator().body(Map.of("providers", Map.of("custom-token", Map.of("enabled", true, "signing_algorithm", "HS256"))))
                .patch(API + "/apps/shop-app").then().statusCode(400).body("error", org.hamcrest.Matchers.containsString("signing_keys"));
        operator().body(Map.of("id", "another-id")).patch(API + "/apps/shop-app").then().statusCode(400);
        operator().body(Map.of("no_such_setting", true)).patch(API + "/apps/shop-app").then().statusCode(400);
        operator().body("[1]").patch(API + "/apps/shop-app").then().statusCode(400);
        operator().body(Map.of("api_keys_max_per_user", 2)).patch(API + "/apps/no-such-app").then().statusCode(404);
        operator().body(Map.of("id", "bad id!")).post(API + "/apps").then().statusCode(400);

        operator().delete(API + "/apps/shop-app").then().statusCode(204);
        operator().get(API + "/apps/shop-app").then().statusCode(404);
        operator().delete(API + "/apps/shop-app").then().statusCode(404);
        given().header("Authorization", user.bearerRefresh()).get(TestUsers.API + "/auth/api_keys").then().statusCode(401);
    }

    @Test
    void usersArePagedWithoutSkipsOrRepeatsWhileOthersRegister() {
        operator().body(Map.of("id", "paging-app")).post(API + "/apps").then().statusCode(201);
        Set<String> existing = new HashSet<>();
        for (int i = 0; i < 7; i++) {
            existing.add(logInTo("paging-app", registerIn("paging-app")).userId());
        }
        List<String> seen = new ArrayList<>();
        String after = null;
        do {
            var request = operator().queryParam("limit", 3);
            if (after != null) {
                request.queryParam("after", after);
            }
            JsonPath page = request.get(API + "/apps/paging-app/users").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("users.id"));
            after = page.getString("next");
            logInTo("paging-app", registerIn("paging-app"));
        } while (after != null);
        assertEquals(seen.size(), new HashSet<>(seen).size(), "no user twice");
        assertTrue(seen.containsAll(existing), "every user that existed before paging began is on a page");

        operator().queryParam("limit", 0).get(API + "/apps/paging-app/users").then().statusCode(400);
        operator().queryParam("limit", 201).get(API + "/apps/paging-app/users").then().statusCode(400);
        operator().queryParam("after", "nope").get(API + "/apps/paging-app/users").then().statusCode(400);
        operator().get(API + "/apps/no-such-app/users").then().statusCode(404).body("error_code", equalTo("AppNotFound"));
    }

    @Test
    void usersAreFoundByEmailAndShownWithIdentitiesSessionsAndKeys() {
        String email = "findme-" + System.nanoTime() + "@example.com";
        TestUsers.register(email, TestUsers.PASSWORD);
        Tokens user = TestUsers.logIn(email, TestUsers.PASSWORD);
        String keyValue = (String) TestUsers.createKey(user, "laptop").get("key");
        TestUsers.withKey(keyValue);

        operator().queryParam("email", email.substring(0, 12)).get(API + "/apps/latchkey-app/users").then().statusCode(200)
                .body("users.id", equalTo(List.of(user.userId()))).body("users[0].email", equalTo(email));
        operator().queryParam("email", "f%").get(API + "/apps/latchkey-app/users").then().statusCode(200)
                .body("users.size()", equalTo(0));
        String detail = operator().get(API + "/apps/latchkey-app/users/" + user.userId()).then().statusCode(200)
                .body("email", equalTo(email)).body("type", equalTo("normal")).body("disabled", equalTo(false))
                .body("identities.provider_type", hasItem("local-userpass"))
                .body("sessions.size()", equalTo(2)).body("api_keys[0].name", equalTo("laptop"))
                .extract().asString();
        assertFalse(detail.contains(keyValue), "no key value");
        operator().get(API + "/apps/latchkey-app/users/0123456789abcdef01234567").then().statusCode(404)
                .body("error_code", equalTo("UserNotFound"));
        operator().get(API + "/apps/latchkey-app/users/not-an-id").then().statusCode(404);
    }

    @Test
    void aDisabledUserIsRefusedByEveryProviderAndEverySessionUntilEnabled() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, TestUsers.PASSWORD);
        Tokens user = TestUsers.logIn(email, TestUsers.PASSWORD);
        String key = (String) TestUsers.createKey(user, "kept").get("key");
        Tokens keySession = TestUsers.withKey(key);

        operator().put(API + "/apps/latchkey-app/users/" + user.userId() + "/disable").then().statusCode(204);
        for (Tokens session : new Tokens[] { user, keySession }) {
            given().header("Authorization", session.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(401);
            given().header("Authorization", session.bearerAccess()).get(TestUsers.API + "/auth/profile").then().statusCode(401);
        }
        refusedLogin("local-userpass", Map.of("username", email, "password", TestUsers.PASSWORD));
        refusedLogin("api-key", Map.of("key", key));
        operator().get(API + "/apps/latchkey-app/users/" + user.userId()).then().body("disabled", equalTo(true))
                .body("sessions.size()", equalTo(0));

        operator().put(API + "/apps/latchkey-app/users/" + user.userId() + "/enable").then().statusCode(204);
        TestUsers.logIn(email, TestUsers.PASSWORD);
        TestUsers.withKey(key);
        // Sessions ended by the disable stay ended.
        given().header("Authorization", user.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(401);
        operator().put(API + "/apps/other-app/users/" + user.userId() + "/disable").then().statusCode(404);
    }

    @Test
    void sessionsEndOneOrAllAndKeysAndUsersAreDeleted() {
        Tokens user = TestUsers.registered();
        String sid = sessionId(user.refreshToken());
        operator().delete(API + "/apps/latchkey-app/users/" + user.userId() + "/sessions/" + sid).then().statusCode(204);
        given().header("Authorization", user.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(401);
        operator().delete(API + "/apps/latchkey-app/users/" + user.userId() + "/sessions/" + sid).then().statusCode(404)
                .body("error_code", equalTo("SessionNotFound"));

        Tokens again = TestUsers.logIn(email(user), TestUsers.PASSWORD);
        Tokens more = TestUsers.logIn(email(user), TestUsers.PASSWORD);
        operator().delete(API + "/apps/latchkey-app/users/" + user.userId() + "/sessions").then().statusCode(204);
        for (Tokens t : new Tokens[] { again, more }) {
            given().header("Authorization", t.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(401);
        }

        Tokens fresh = TestUsers.logIn(email(user), TestUsers.PASSWORD);
        Map<String, Object> key = TestUsers.createKey(fresh, "to-delete");
        Tokens keySession = TestUsers.withKey((String) key.get("key"));
        operator().delete(API + "/apps/latchkey-app/users/" + user.userId() + "/api_keys/" + key.get("_id")).then().statusCode(204);
        given().header("Authorization", keySession.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(401);
        operator().delete(API + "/apps/latchkey-app/users/" + user.userId() + "/api_keys/" + key.get("_id")).then().statusCode(404)
                .body("error_code", equalTo("APIKeyNotFound"));

        operator().delete(API + "/apps/latchkey-app/users/" + user.userId()).then().statusCode(204);
        operator().get(API + "/apps/latchkey-app/users/" + user.userId()).then().statusCode(404);
        given().header("Authorization", fresh.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(401);
        operator().delete(API + "/apps/latchkey-app/users/" + user.userId()).then().statusCode(404);
    }

    @Test
    void serverKeysLogInAsAServerUserAndAreRevokedLikeUserKeys() {
        var created = operator().body(Map.of("name", "nightly-job")).post(API + "/apps/latchkey-app/api_keys").then()
                .statusCode(201).body("name", equalTo("nightly-job")).body("disabled", equalTo(false))
                .extract().jsonPath();
        String id = created.getString("_id");
        String value = created.getString("key");
        assertTrue(value.startsWith("lk_"));
        operator().body(Map.of("name", "nightly-job")).post(API + "/apps/latchkey-app/api_keys").then().statusCode(409)
                .body("error_code", equalTo("APIKeyAlreadyExists"));
        operator().get(API + "/apps/latchkey-app/api_keys").then().statusCode(200).body("_id", hasItem(id))
                .body("key", not(hasItem(value)));
        operator().get(API + "/apps/latchkey-app/api_keys/" + id).then().statusCode(200).body("key", nullValue());

        Tokens server = TestUsers.withKey(value);
        given().header("Authorization", server.bearerAccess()).get(TestUsers.API + "/auth/profile").then().statusCode(200)
                .body("type", equalTo("server"));
        assertEquals(server.userId(), TestUsers.withKey(value).userId(), "the key's own user every time");

        operator().put(API + "/apps/latchkey-app/api_keys/" + id + "/disable").then().statusCode(204);
        given().header("Authorization", server.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(401);
        refusedLogin("api-key", Map.of("key", value));
        operator().put(API + "/apps/latchkey-app/api_keys/" + id + "/enable").then().statusCode(204);
        TestUsers.withKey(value);
        operator().delete(API + "/apps/latchkey-app/api_keys/" + id).then().statusCode(204);
        refusedLogin("api-key", Map.of("key", value));
        operator().get(API + "/apps/latchkey-app/api_keys/" + id).then().statusCode(404).body("error_code", equalTo("APIKeyNotFound"));
        operator().body("{}").post(API + "/apps/latchkey-app/api_keys").then().statusCode(400);
        operator().body(Map.of("name", "x")).post(API + "/apps/no-such-app/api_keys").then().statusCode(404);
    }

    @Test
    void adminKeysAreMadeUsedListedAndDeleted() {
        var created = operator().body(Map.of("name", "second-operator")).post(API + "/admin_keys").then().statusCode(201)
                .extract().jsonPath();
        String value = created.getString("key");
        assertTrue(value.startsWith("lka_") && value.length() == 50, value);
        Admin.as(value).get(API + "/apps").then().statusCode(200);
        operator().get(API + "/admin_keys").then().statusCode(200).body("name", hasItem("second-operator"))
                .body("key", not(hasItem(value)));
        operator().body(Map.of("name", "second-operator")).post(API + "/admin_keys").then().statusCode(409);
        operator().delete(API + "/admin_keys/" + created.getString("_id")).then().statusCode(204);
        Admin.as(value).get(API + "/apps").then().statusCode(401);
        operator().delete(API + "/admin_keys/" + created.getString("_id")).then().statusCode(404);
    }

    private static void refusedLogin(String provider, Map<String, ?> body) {
        given().contentType(ContentType.JSON).body(body).post(TestUsers.PROVIDERS + "/" + provider + "/login")
                .then().statusCode(401).body("error_code", equalTo("AuthError")).body("error", equalTo("unauthorized"));
    }

    private static Map<String, String> registerIn(String app) {
        String email = TestUsers.newEmail();
        given().contentType(ContentType.JSON).body(Map.of("email", email, "password", TestUsers.PASSWORD))
                .post(TestUsers.API + "/app/" + app + "/auth/providers/local-userpass/register").then().statusCode(201);
        return Map.of("username", email, "password", TestUsers.PASSWORD);
    }

    static Tokens logInTo(String app, Map<String, String> body) {
        JsonPath login = given().contentType(ContentType.JSON).body(body)
                .post(TestUsers.API + "/app/" + app + "/auth/providers/local-userpass/login")
                .then().statusCode(200).extract().jsonPath();
        return new Tokens(login.getString("user_id"), login.getString("access_token"), login.getString("refresh_token"),
                login.getString("device_id"));
    }

    static String sessionId(String token) {
        String payload = new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1]),
                java.nio.charset.StandardCharsets.UTF_8);
        return JsonPath.from(payload).getString("sid");
    }

    private static String email(Tokens user) {
        return operator().get(API + "/apps/latchkey-app/users/" + user.userId()).jsonPath().getString("email");
    }
}
