package dev.latchkey.admin;

import static dev.latchkey.admin.Admin.API;
import static dev.latchkey.admin.Admin.operator;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** Every change leaves an event, field by field, and no event holds a secret; /q/metrics counts what happens. */
@QuarkusTest
@TestProfile(AdminApiTest.WithAdminKey.class)
class AuditTrailTest {

    /** Login events are written in batches a few milliseconds after the login; the tests flush them. */
    @jakarta.inject.Inject
    dev.latchkey.audit.AuditLog audit;

    @Test
    void eachChangeLeavesItsEventAndNoEventHoldsASecret() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, TestUsers.PASSWORD);
        Tokens user = TestUsers.logIn(email, TestUsers.PASSWORD);
        given().contentType(ContentType.JSON).body(Map.of("username", email, "password", "wrong password"))
                .post(TestUsers.PROVIDERS + "/local-userpass/login").then().statusCode(401);
        Map<String, Object> key = TestUsers.createKey(user, "audited");
        String keyId = (String) key.get("_id");
        String keyValue = (String) key.get("key");
        given().header("Authorization", user.bearerRefresh()).put(TestUsers.API + "/auth/api_keys/" + keyId + "/disable").then().statusCode(204);
        given().header("Authorization", user.bearerRefresh()).put(TestUsers.API + "/auth/api_keys/" + keyId + "/enable").then().statusCode(204);
        Tokens keySession = TestUsers.withKey(keyValue);
        given().header("Authorization", keySession.bearerRefresh()).delete(TestUsers.API + "/auth/session").then().statusCode(204);
        operator().put(API + "/apps/latchkey-app/users/" + user.userId() + "/disable").then().statusCode(204);
        operator().put(API + "/apps/latchkey-app/users/" + user.userId() + "/enable").then().statusCode(204);
        given().header("Authorization", user.bearerRefresh()).delete(TestUsers.API + "/auth/api_keys/" + keyId).then().statusCode(401);
        operator().delete(API + "/apps/latchkey-app/users/" + user.userId() + "/api_keys/" + keyId).then().statusCode(204);
        operator().body(Map.of("providers", Map.of("local-userpass", Map.of("auto_confirm", true, "webhook_secret",
                "audit-test-webhook-secret")))).patch(API + "/apps/latchkey-app").then().statusCode(200);
        audit.flush().await().indefinitely();

        List<Map<String, Object>> events = operator().queryParam("user_id", user.userId()).queryParam("limit", 200)
                .get(API + "/apps/latchkey-app/audit").then().statusCode(200).extract().jsonPath().getList("events");
        assertEvent(events, "register", null, null, "success");
        assertEvent(events, "login", user.userId(), "user:" + user.userId(), "success");
        assertEvent(events, "api_key.create", user.userId(), "user:" + user.userId(), "success");
        assertEvent(events, "api_key.disable", user.userId(), "user:" + user.userId(), "success");
        assertEvent(events, "api_key.enable", user.userId(), "user:" + user.userId(), "success");
        assertEvent(events, "session.end", user.userId(), "user:" + user.userId(), "success");
        assertEvent(events, "user.disable", user.userId(), "admin:config", "success");
        assertEvent(events, "user.enable", user.userId(), "admin:config", "success");
        assertEvent(events, "api_key.delete", user.userId(), "admin:config", "success");
        Map<String, Object> created = find(events, "api_key.create");
        assertEquals(keyId, created.get("api_key_id"));
        assertEquals(Map.of("name", "audited"), created.get("detail"));
        assertNotNull(created.get("address"), "the client address is recorded");
        assertNotNull(created.get("at"));

        List<Map<String, Object>> all = operator().queryParam("limit", 200).get(API + "/apps/latchkey-app/audit")
                .then().statusCode(200).extract().jsonPath().getList("events");
        assertTrue(all.stream().anyMatch(e -> "login".equals(e.get("type")) && "failure".equals(e.get("outcome"))));
        Map<String, Object> register = all.stream().filter(e -> "register".equals(e.get("type"))
                && email.equals(((Map<?, ?>) e.get("detail")).get("email"))).findFirst().orElseThrow();
        assertEquals("success", register.get("outcome"));
        Map<String, Object> patch = find(all, "admin.app.update");
        assertEquals(java.util.Set.of("providers.local-userpass.auto_confirm", "providers.local-userpass.webhook_secret"),
                new HashSet<>((List<?>) ((Map<?, ?>) patch.get("detail")).get("fields")), "the fields changed, never their values");

        String trail = operator().queryParam("limit", 200).get(API + "/audit").asString();
        for (String secret : new String[] { keyValue, TestUsers.PASSWORD, "wrong password", user.accessToken(),
                user.refreshToken(), "audit-test-webhook-secret", Admin.KEY }) {
            assertFalse(trail.contains(secret), "the audit trail holds no secret");
        }
        assertFalse(trail.contains("eyJ"), "no token in the audit trail");
    }

    @Test
    void theTrailPagesNewestFirstAndFiltersByType() {
        for (int i = 0; i < 5; i++) {
            TestUsers.anonymous();
        }
        audit.flush().await().indefinitely();
        List<String> ids = new ArrayList<>();
        List<String> times = new ArrayList<>();
        String after = null;
        do {
            var request = operator().queryParam("type", "login").queryParam("limit", 2);
            if (after != null) {
                request.queryParam("after", after);
            }
            JsonPath page = request.get(API + "/apps/latchkey-app/audit").then().statusCode(200).extract().jsonPath();
            assertTrue(page.getList("events.type").stream().allMatch("login"::equals));
            ids.addAll(page.getList("events._id"));
            times.addAll(page.getList("events.at"));
            after = page.getString("next");
        } while (after != null);
        assertTrue(ids.size() >= 5);
        assertEquals(ids.size(), new HashSet<>(ids).size());
        for (int i = 1; i < times.size(); i++) {
            assertTrue(java.time.OffsetDateTime.parse(times.get(i - 1)).compareTo(java.time.OffsetDateTime.parse(times.get(i))) >= 0,
                    "newest first: " + times);
        }

        operator().queryParam("type", "Robert'); drop table").get(API + "/apps/latchkey-app/audit").then().statusCode(400);
        operator().queryParam("after", "x").get(API + "/apps/latchkey-app/audit").then().statusCode(400);
        operator().get(API + "/apps/no-such-app/audit").then().statusCode(404);
    }

    @Test
    void metricsCountLoginsThrottlingAndAuditEvents() {
        double before = metric("latchkey_logins_total", "outcome=\"success\"", "provider=\"anon-user\"");
        TestUsers.anonymous();
        double after = metric("latchkey_logins_total", "outcome=\"success\"", "provider=\"anon-user\"");
        assertEquals(before + 1, after, 0.0001);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String name : new String[] { "latchkey_password_queue", "latchkey_audit_events_total", "cache_size" }) {
            assertTrue(metrics.contains(name), name + " is exported");
        }
    }

    @Test
    void everyMetricTheGrafanaDashboardUsesIsExported() throws Exception {
        TestUsers.Tokens owner = TestUsers.registered();
        given().contentType(ContentType.JSON).body(Map.of("key", "lk_nope")).post(TestUsers.PROVIDERS + "/api-key/login");
        given().contentType(ContentType.JSON).body(Map.of("key", TestUsers.createKey(owner, "dashboard").get("key")))
                .post(TestUsers.PROVIDERS + "/api-key/login").then().statusCode(200);
        String dashboard = java.nio.file.Files.readString(java.nio.file.Path.of("deploy/grafana/latchkey.json"));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        var names = java.util.regex.Pattern.compile("\\b(latchkey_[a-z_]+|cache_[a-z_]+|http_server_requests_seconds_[a-z]+|jvm_[a-z_]+)\\b")
                .matcher(dashboard).results().map(m -> m.group(1)).collect(java.util.stream.Collectors.toSet());
        assertTrue(names.size() >= 6, names.toString());
        for (String name : names) {
            assertTrue(metrics.contains(name), "the dashboard's " + name + " is exported");
        }
    }

    private static double metric(String name, String... labels) {
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") && java.util.Arrays.stream(labels).allMatch(line::contains)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static Map<String, Object> find(List<Map<String, Object>> events, String type) {
        return events.stream().filter(e -> type.equals(e.get("type"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " event in " + events));
    }

    private static void assertEvent(List<Map<String, Object>> events, String type, String userId, String actor, String outcome) {
        if ("register".equals(type)) {
            return;
        }
        Map<String, Object> event = find(events, type);
        assertEquals(userId, event.get("user_id"), type);
        assertEquals(actor, event.get("actor"), type);
        assertEquals(outcome, event.get("outcome"), type);
        assertEquals("latchkey-app", event.get("app_id"), type);
    }
}
