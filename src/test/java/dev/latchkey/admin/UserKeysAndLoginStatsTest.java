package dev.latchkey.admin;

import static dev.latchkey.admin.Admin.API;
import static dev.latchkey.admin.Admin.operator;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** The admin routes the console needs beyond SPEC section 9: a user's key disabled or enabled, logins per hour. */
@QuarkusTest
@TestProfile(AdminApiTest.WithAdminKey.class)
class UserKeysAndLoginStatsTest {

    @Test
    void anOperatorDisablesAndEnablesAUsersKey() {
        Tokens user = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(user, "laptop");
        String keyId = (String) key.get("_id");
        Tokens keySession = TestUsers.withKey((String) key.get("key"));
        String base = API + "/apps/latchkey-app/users/" + user.userId() + "/api_keys/" + keyId;

        operator().put(base + "/disable").then().statusCode(204);
        operator().put(base + "/disable").then().statusCode(204);
        given().header("Authorization", keySession.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(401);
        given().contentType(ContentType.JSON).body(Map.of("key", key.get("key")))
                .post(TestUsers.API + "/app/latchkey-app/auth/providers/api-key/login").then().statusCode(401);
        operator().get(API + "/apps/latchkey-app/users/" + user.userId()).then().statusCode(200)
                .body("api_keys.find { it._id == '" + keyId + "' }.disabled", equalTo(true));
        operator().get(API + "/apps/latchkey-app/audit?type=api_key.disable&user_id=" + user.userId()).then().statusCode(200)
                .body("events.actor", hasItem("admin:config")).body("events.api_key_id", hasItem(keyId));

        operator().put(base + "/enable").then().statusCode(204);
        TestUsers.withKey((String) key.get("key"));
        operator().get(API + "/apps/latchkey-app/audit?type=api_key.enable&user_id=" + user.userId()).then().statusCode(200)
                .body("events.actor", hasItem("admin:config"));
    }

    @Test
    void aUsersKeyIsOnlyReachableThroughItsOwnerAndApp() {
        Tokens owner = TestUsers.registered();
        Tokens other = TestUsers.registered();
        String keyId = (String) TestUsers.createKey(owner, "mine").get("_id");
        String users = API + "/apps/latchkey-app/users/";

        operator().put(users + other.userId() + "/api_keys/" + keyId + "/disable").then().statusCode(404)
                .body("error_code", equalTo("APIKeyNotFound"));
        operator().put(users + owner.userId() + "/api_keys/" + "0".repeat(24) + "/disable").then().statusCode(404)
                .body("error_code", equalTo("APIKeyNotFound"));
        operator().put(users + owner.userId() + "/api_keys/not-an-id/enable").then().statusCode(404)
                .header("Content-Type", "application/json");
        operator().put(users + "0".repeat(24) + "/api_keys/" + keyId + "/disable").then().statusCode(404)
                .body("error_code", equalTo("UserNotFound"));
        operator().body(Map.of("id", "key-other-app")).post(API + "/apps").then().statusCode(201);
        operator().put(API + "/apps/key-other-app/users/" + owner.userId() + "/api_keys/" + keyId + "/disable").then()
                .statusCode(404).body("error_code", equalTo("UserNotFound"));
        given().header("Authorization", owner.bearerRefresh()).contentType(ContentType.JSON)
                .put(users + owner.userId() + "/api_keys/" + keyId + "/disable").then().statusCode(401);
        operator().get(API + "/apps/latchkey-app/users/" + owner.userId()).then()
                .body("api_keys.find { it._id == '" + keyId + "' }.disabled", equalTo(false));
    }

    @Test
    void loginStatsCountSuccessAndFailurePerHour() throws InterruptedException {
        operator().body(Map.of("id", "stats-app")).post(API + "/apps").then().statusCode(201);
        String email = TestUsers.newEmail();
        Map<String, String> body = Map.of("username", email, "password", TestUsers.PASSWORD);
        given().contentType(ContentType.JSON).body(Map.of("email", email, "password", TestUsers.PASSWORD))
                .post(TestUsers.API + "/app/stats-app/auth/providers/local-userpass/register").then().statusCode(201);
        AdminApiTest.logInTo("stats-app", body);
        AdminApiTest.logInTo("stats-app", body);
        given().contentType(ContentType.JSON).body(Map.of("username", email, "password", "not the password"))
                .post(TestUsers.API + "/app/stats-app/auth/providers/local-userpass/login").then().statusCode(401);

        // A login's event is written just after the login commits: wait for all three.
        JsonPath stats = null;
        List<Map<String, Object>> logins = List.of();
        int total = 0;
        int failures = 0;
        for (int attempt = 0; attempt < 50 && (total != 2 || failures != 1); attempt++) {
            if (attempt > 0) {
                Thread.sleep(100);
            }
            stats = operator().get(API + "/apps/stats-app/audit/stats").then().statusCode(200)
                    .header("Content-Type", "application/json").extract().jsonPath();
            logins = stats.getList("logins");
            // The hour may turn between the logins and the request: then they are in the one before.
            total = 0;
            failures = 0;
            for (Map<String, Object> hour : logins.subList(Math.max(0, logins.size() - 2), logins.size())) {
                total += ((Number) hour.get("success")).intValue();
                failures += ((Number) hour.get("failure")).intValue();
            }
        }
        assertEquals(2, total);
        assertEquals(1, failures);
        assertEquals(24, stats.getInt("hours"));
        assertEquals(24, logins.size());
        OffsetDateTime thisHour = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.HOURS);
        Map<String, Object> last = logins.get(23);
        OffsetDateTime lastHour = OffsetDateTime.parse((String) last.get("hour"));
        assertEquals(0, ChronoUnit.HOURS.between(thisHour, lastHour), "the last bucket is the current hour: " + lastHour);
        assertEquals(OffsetDateTime.parse((String) logins.get(0).get("hour")).plusHours(23).toInstant(), lastHour.toInstant());
        assertEquals(0, logins.subList(0, 22).stream().mapToInt(h -> ((Number) h.get("success")).intValue()).sum());

        operator().get(API + "/apps/stats-app/audit/stats?hours=1").then().statusCode(200).body("logins.size()", equalTo(1));
        operator().get(API + "/apps/stats-app/audit/stats?hours=168").then().statusCode(200).body("logins.size()", equalTo(168));
    }

    @Test
    void loginStatsRefuseUnboundedOrHostileParameters() {
        for (String hours : new String[] { "0", "-1", "169", "100000000000", "1e3", "abc", "%00", "%C0%AF", "%ED%A0%80" }) {
            operator().urlEncodingEnabled(false).get(API + "/apps/latchkey-app/audit/stats?hours=" + hours).then()
                    .statusCode(400).header("Content-Type", "application/json");
        }
        operator().get(API + "/apps/no-such-app/audit/stats").then().statusCode(404).body("error_code", equalTo("AppNotFound"));
        given().get(API + "/apps/latchkey-app/audit/stats").then().statusCode(401).body("error_code", equalTo("AuthError"));
    }
}
