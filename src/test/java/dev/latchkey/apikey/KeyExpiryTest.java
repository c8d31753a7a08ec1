package dev.latchkey.apikey;

import static dev.latchkey.TestUsers.API;
import static dev.latchkey.TestUsers.PROVIDERS;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Keys with an expiry (SPEC section 10): refused like deleted ones once it passes, their sessions with them. */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class KeyExpiryTest {

    static final String KEYS = API + "/auth/api_keys";

    @Inject
    KeyExpiry expiry;

    @Test
    void anExpiryInThePastOrUnreadableIsRefusedAtCreate() {
        Tokens user = TestUsers.registered();
        String past = Instant.now().minusSeconds(1).toString();
        for (String bad : new String[] { past, "1999-01-01T00:00:00Z", "tomorrow", "2031-01-01", "2031-01-01T00:00Z",
                "2031-01-01 00:00:00Z", "2031-13-01T00:00:00Z", "2031-02-30T00:00:00Z", "" }) {
            invalid(create(user, "k", bad), bad);
        }
        invalid(create(user, "k", Instant.now().plus(3651, ChronoUnit.DAYS).toString()), "over ten years");
        for (Object wrongType : new Object[] { 1893456000, true, List.of("2031-01-01T00:00:00Z") }) {
            Map<String, Object> body = new HashMap<>(Map.of("name", "k"));
            body.put("expires_at", wrongType);
            given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON).body(body).post(KEYS)
                    .then().statusCode(400).body("error_code", equalTo("BadRequest"));
        }
        given().header("Authorization", user.bearerRefresh()).get(KEYS).then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void anExpiryIsShownInUtcAndNullMeansNever() {
        Tokens user = TestUsers.registered();

        create(user, "offset", "2031-06-30T14:00:00+02:00").then().statusCode(201)
                .body("expires_at", equalTo("2031-06-30T12:00:00Z"));
        create(user, "fraction", "2031-06-30T12:00:00.250Z").then().statusCode(201)
                .body("expires_at", equalTo("2031-06-30T12:00:00.250Z"));
        create(user, "never", null).then().statusCode(201).body("expires_at", nullValue());

        given().header("Authorization", user.bearerRefresh()).get(KEYS).then().statusCode(200)
                .body("expires_at", equalTo(java.util.Arrays.asList("2031-06-30T12:00:00Z", "2031-06-30T12:00:00.250Z", null)));
    }

    @Test
    void anExpiredKeyLogsInLikeADeletedOne() throws InterruptedException {
        Tokens owner = TestUsers.registered();
        Instant expiresAt = Instant.now().plusSeconds(2);
        String key = create(owner, "brief", expiresAt.toString()).then().statusCode(201).extract().path("key");
        assertEquals(owner.userId(), TestUsers.withKey(key).userId(), "works before its expiry");

        sleepUntil(expiresAt);

        given().contentType(ContentType.JSON).body(Map.of("key", key)).post(PROVIDERS + "/api-key/login")
                .then().statusCode(401)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("AuthError"))
                .body("error", equalTo("unauthorized"));
    }

    @Test
    void aSessionInUseEndsWhenItsKeyExpires() throws InterruptedException {
        Tokens owner = TestUsers.registered();
        Instant expiresAt = Instant.now().plusSeconds(3);
        Map<String, Object> key = create(owner, "in-use", expiresAt.toString()).then().statusCode(201).extract().jsonPath().getMap("");
        Tokens robot = TestUsers.withKey((String) key.get("key"));
        given().header("Authorization", robot.bearerAccess()).get(API + "/auth/profile").then().statusCode(200);
        given().header("Authorization", robot.bearerRefresh()).post(API + "/auth/session").then().statusCode(201);
        assertTrue(TestSql.count("select count(*) from sessions where api_key_id = '" + key.get("_id")
                + "' and expires_at <= (select expires_at from api_keys where id = '" + key.get("_id") + "')") == 1,
                "the session was set to end with its key");

        sleepUntil(expiresAt);

        given().header("Authorization", robot.bearerAccess()).get(API + "/auth/profile")
                .then().statusCode(401).body("error_code", equalTo("InvalidSession"));
        given().header("Authorization", robot.bearerRefresh()).post(API + "/auth/session")
                .then().statusCode(401).body("error", equalTo("invalid session: failed to find refresh token"));
        given().header("Authorization", owner.bearerRefresh()).get(KEYS + "/" + key.get("_id"))
                .then().statusCode(200).body("disabled", equalTo(false)).body("expires_at", equalTo(key.get("expires_at")));
    }

    @Test
    void theExpireEventIsWrittenOnceByTheJob() {
        Tokens owner = TestUsers.registered();
        String id = create(owner, "expiring", Instant.now().plusSeconds(600).toString()).then().statusCode(201).extract().path("_id");
        String alive = create(owner, "alive", Instant.now().plusSeconds(600).toString()).then().statusCode(201).extract().path("_id");
        TestSql.exec("update api_keys set expires_at = now() - interval '1 second' where id = '" + id + "'");

        expiry.recordExpired().await().indefinitely();
        expiry.recordExpired().await().indefinitely();

        assertEquals(1, TestSql.count("select count(*) from audit_events where type = 'api_key.expire' and api_key_id = '" + id + "'"));
        assertEquals(0, TestSql.count("select count(*) from audit_events where type = 'api_key.expire' and api_key_id = '" + alive + "'"));
        assertEquals(List.of(owner.userId() + " system expiring"), TestSql.column(
                "select user_id || ' ' || actor || ' ' || (detail->>'name') from audit_events where type = 'api_key.expire' and api_key_id = '" + id + "'"));
    }

    static Response create(Tokens user, String name, String expiresAt) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        if (expiresAt != null) {
            body.put("expires_at", expiresAt);
        }
        return given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON).body(body).post(KEYS);
    }

    private static void invalid(Response response, String what) {
        response.then().statusCode(400)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("InvalidParameter"));
        assertTrue(response.jsonPath().getString("error").startsWith("'expires_at' must"), what + ": " + response.asString());
    }

    static void sleepUntil(Instant moment) throws InterruptedException {
        long millis = moment.toEpochMilli() - System.currentTimeMillis() + 300;
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }
}
