package dev.latchkey.apikey;

import static dev.latchkey.TestUsers.API;
import static dev.latchkey.TestUsers.PROVIDERS;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.latchkey.ObjectIds;
import dev.latchkey.Parallel;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * {@code POST /auth/api_keys/{id}/rotate}: a new value for the same key; the old one logs in (and
 * its sessions live) until the grace ends, and not a moment longer, whatever races it.
 */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class ApiKeyRotationTest {

    static final String KEYS = API + "/auth/api_keys";
    static final String ENDED = "invalid session: failed to find refresh token";

    @Test
    void rotationGivesTheSameKeyANewValueShownOnce() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "rotated");

        Response rotated = rotate(owner, (String) key.get("_id"), null);

        rotated.then().statusCode(201)
                .header("Content-Type", "application/json")
                .body("size()", equalTo(7))
                .body("_id", equalTo(key.get("_id")))
                .body("key", matchesPattern(ApiKeyResourceTest.KEY_FORMAT))
                .body("key", not(equalTo(key.get("key"))))
                .body("name", equalTo("rotated"))
                .body("disabled", equalTo(false))
                .body("created_at", equalTo(key.get("created_at")))
                .body("expires_at", nullValue());
        String fresh = rotated.path("key");
        assertEquals(owner.userId(), TestUsers.withKey(fresh).userId());
        refused((String) key.get("key"));
        given().header("Authorization", owner.bearerRefresh()).get(KEYS + "/" + key.get("_id"))
                .then().statusCode(200).body("size()", equalTo(6));
        assertEquals(1, TestSql.count("select count(*) from audit_events where type = 'api_key.rotate' and api_key_id = '"
                + key.get("_id") + "' and user_id = '" + owner.userId() + "' and actor = 'user:" + owner.userId()
                + "' and (detail->>'grace_seconds')::int = 0 and address is not null"));
    }

    @Test
    void withoutGraceTheOldValueAndItsSessionsEndAtOnce() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "no-grace");
        Tokens robot = TestUsers.withKey((String) key.get("key"));

        String fresh = rotate(owner, (String) key.get("_id"), 0).then().statusCode(201).extract().path("key");

        refused((String) key.get("key"));
        ended(robot);
        Tokens next = TestUsers.withKey(fresh);
        given().header("Authorization", next.bearerRefresh()).post(API + "/auth/session").then().statusCode(201);
    }

    @Test
    void withGraceTheOldValueWorksUntilTheGraceEndsThenItAndItsSessionsStop() throws InterruptedException {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "graceful");
        String old = (String) key.get("key");
        Tokens before = TestUsers.withKey(old);

        Instant graceEnds = Instant.now().plusSeconds(3);
        String fresh = rotate(owner, (String) key.get("_id"), 3).then().statusCode(201).extract().path("key");
        Tokens during = TestUsers.withKey(old);
        Tokens withNew = TestUsers.withKey(fresh);
        for (Tokens alive : new Tokens[] { before, during, withNew }) {
            given().header("Authorization", alive.bearerRefresh()).post(API + "/auth/session").then().statusCode(201);
            given().header("Authorization", alive.bearerAccess()).get(API + "/auth/profile").then().statusCode(200);
        }

        KeyExpiryTest.sleepUntil(graceEnds);

        refused(old);
        ended(before);
        ended(during);
        given().header("Authorization", withNew.bearerRefresh()).post(API + "/auth/session").then().statusCode(201);
        assertEquals(owner.userId(), TestUsers.withKey(fresh).userId());
    }

    @Test
    void aSecondRotationEndsTheFirstValueAtOnceWhateverItsGrace() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "twice");
        String first = (String) key.get("key");
        String second = rotate(owner, (String) key.get("_id"), 3600).then().statusCode(201).extract().path("key");
        Tokens onFirst = TestUsers.withKey(first);
        Tokens onSecond = TestUsers.withKey(second);

        String third = rotate(owner, (String) key.get("_id"), 3600).then().statusCode(201).extract().path("key");

        refused(first);
        ended(onFirst);
        given().header("Authorization", onSecond.bearerRefresh()).post(API + "/auth/session").then().statusCode(201);
        assertEquals(owner.userId(), TestUsers.withKey(second).userId(), "the value just replaced is in its grace");
        assertEquals(owner.userId(), TestUsers.withKey(third).userId());
    }

    @Test
    void disablingOrDeletingARotatedKeyRefusesBothValuesAndEndsEverySession() {
        Tokens owner = TestUsers.registered();
        for (boolean delete : new boolean[] { false, true }) {
            Map<String, Object> key = TestUsers.createKey(owner, delete ? "deleted" : "disabled");
            String old = (String) key.get("key");
            String fresh = rotate(owner, (String) key.get("_id"), 3600).then().statusCode(201).extract().path("key");
            Tokens onOld = TestUsers.withKey(old);
            Tokens onNew = TestUsers.withKey(fresh);

            String path = KEYS + "/" + key.get("_id");
            (delete ? given().header("Authorization", owner.bearerRefresh()).delete(path)
                    : given().header("Authorization", owner.bearerRefresh()).put(path + "/disable")).then().statusCode(204);

            refused(old);
            refused(fresh);
            ended(onOld);
            ended(onNew);
        }
    }

    @Test
    void rotationLeavesTheKeyCountAndLimitAlone() {
        Tokens owner = TestUsers.registered();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add((String) TestUsers.createKey(owner, "full-" + i).get("_id"));
        }

        for (String id : ids.subList(0, 3)) {
            rotate(owner, id, 60).then().statusCode(201);
        }

        given().header("Authorization", owner.bearerRefresh()).contentType(ContentType.JSON).body(Map.of("name", "one-more"))
                .post(KEYS).then().statusCode(409).body("error_code", equalTo("APIKeyLimitReached"));
        given().header("Authorization", owner.bearerRefresh()).get(KEYS).then().statusCode(200)
                .body("size()", equalTo(20)).body("_id", equalTo(ids));
        assertEquals(20, TestSql.count("select api_key_count from users where id = '" + owner.userId() + "'"));
    }

    @Test
    void graceOutsideZeroToADayOrOfAnotherTypeIs400() {
        Tokens owner = TestUsers.registered();
        String id = (String) TestUsers.createKey(owner, "strict").get("_id");

        for (Object grace : new Object[] { -1, 86_401, Long.MAX_VALUE }) {
            rotate(owner, id, grace).then().statusCode(400).header("Content-Type", "application/json")
                    .body("error_code", equalTo("InvalidParameter"));
        }
        for (Object grace : new Object[] { 1.5, "5", true, List.of(5), Map.of("s", 5) }) {
            rotate(owner, id, grace).then().statusCode(400).body("error_code", equalTo("BadRequest"));
        }
        for (String body : new String[] { "[]", "5", "{\"grace_seconds\": 1, \"grace_seconds\": 2}", "{" }) {
            given().header("Authorization", owner.bearerRefresh()).contentType(ContentType.JSON).body(body)
                    .post(KEYS + "/" + id + "/rotate").then().statusCode(400).body("error_code", equalTo("BadRequest"));
        }
        assertEquals(0, TestSql.count("select count(*) from audit_events where type = 'api_key.rotate' and api_key_id = '" + id + "'"),
                "nothing rotated");
        rotate(owner, id, 86_400).then().statusCode(201);
        given().header("Authorization", owner.bearerRefresh()).post(KEYS + "/" + id + "/rotate").then().statusCode(201);
    }

    @Test
    void anonymousAndApiKeySessionsCannotRotate() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "guarded");
        Tokens robot = TestUsers.withKey((String) key.get("key"));
        Tokens anonymous = TestUsers.anonymous();

        for (String bearer : new String[] { robot.bearerRefresh(), robot.bearerAccess(), anonymous.bearerRefresh(),
                anonymous.bearerAccess() }) {
            given().header("Authorization", bearer).contentType(ContentType.JSON).body(Map.of())
                    .post(KEYS + "/" + key.get("_id") + "/rotate")
                    .then().statusCode(403).header("Content-Type", "application/json").body("error_code", equalTo("Forbidden"));
        }
        given().contentType(ContentType.JSON).body(Map.of()).post(KEYS + "/" + key.get("_id") + "/rotate")
                .then().statusCode(401).body("error_code", equalTo("InvalidSession"));
        assertEquals(owner.userId(), TestUsers.withKey((String) key.get("key")).userId(), "still the same value");
    }

    @Test
    void anotherUsersUnknownOrMalformedKeyIdIsNotFound() {
        Tokens alice = TestUsers.registered();
        Tokens mallory = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(alice, "alices");

        for (String id : new String[] { (String) key.get("_id"), ObjectIds.next(), "not-an-id" }) {
            rotate(mallory, id, 0).then().statusCode(404)
                    .body("error_code", equalTo("APIKeyNotFound")).body("error", equalTo("API key not found"));
        }
        assertEquals(alice.userId(), TestUsers.withKey((String) key.get("key")).userId());
    }

    @Test
    void anExpiredKeyCannotBeRotatedBackToLife() {
        Tokens owner = TestUsers.registered();
        String id = KeyExpiryTest.create(owner, "old", Instant.now().plusSeconds(600).toString()).then().statusCode(201)
                .extract().path("_id");
        TestSql.exec("update api_keys set expires_at = now() - interval '1 second' where id = '" + id + "'");

        rotate(owner, id, 0).then().statusCode(409).body("error_code", equalTo("APIKeyExpired"));
    }

    @Test
    void theOldValuesGraceNeverOutlivesTheKeysExpiry() {
        Tokens owner = TestUsers.registered();
        Instant expiresAt = Instant.now().plusSeconds(600).truncatedTo(ChronoUnit.MILLIS);
        String id = KeyExpiryTest.create(owner, "expiring", expiresAt.toString()).then().statusCode(201).extract().path("_id");

        rotate(owner, id, 86_400).then().statusCode(201).body("expires_at", equalTo(expiresAt.toString()));

        assertEquals(1, TestSql.count("select count(*) from api_keys where id = '" + id + "' and previous_expires_at = expires_at"));
    }

    /**
     * Logins with the old value race a rotation: whichever way each race goes, no session the old
     * value opened outlives the grace (none at all for no grace), and nothing it opens later does either.
     */
    @Test
    void noOldValueSessionSurvivesItsGraceWhenLoginsRaceTheRotation() throws Exception {
        Tokens owner = TestUsers.registered();
        for (int round = 0; round < 8; round++) {
            int grace = round % 2 == 0 ? 0 : 1;
            Map<String, Object> key = TestUsers.createKey(owner, "raced-" + round);
            String old = (String) key.get("key");

            List<Response> responses = Parallel.run(12, i -> i == 6
                    ? rotate(owner, (String) key.get("_id"), grace)
                    : given().contentType(ContentType.JSON).body(Map.of("key", old)).post(PROVIDERS + "/api-key/login"));
            Instant graceEnds = Instant.now().plusSeconds(grace);

            assertEquals(201, responses.get(6).statusCode(), responses.get(6).asString());
            if (grace > 0) {
                KeyExpiryTest.sleepUntil(graceEnds);
            }
            for (int i = 0; i < responses.size(); i++) {
                Response login = responses.get(i);
                if (i == 6) {
                    continue;
                }
                if (login.statusCode() == 200) {
                    given().header("Authorization", "Bearer " + login.jsonPath().getString("refresh_token"))
                            .post(API + "/auth/session")
                            .then().statusCode(401).body("error", equalTo(ENDED));
                } else {
                    assertEquals(401, login.statusCode(), login.asString());
                }
            }
            refused(old);
            String fresh = responses.get(6).path("key");
            assertNotEquals(old, fresh);
            assertEquals(owner.userId(), TestUsers.withKey(fresh).userId());
        }
    }

    static Response rotate(Tokens owner, String id, Object graceSeconds) {
        Map<String, Object> body = new HashMap<>();
        if (graceSeconds != null) {
            body.put("grace_seconds", graceSeconds);
        }
        return given().header("Authorization", owner.bearerRefresh()).contentType(ContentType.JSON).body(body)
                .post(KEYS + "/" + id + "/rotate");
    }

    private static void refused(String key) {
        given().contentType(ContentType.JSON).body(Map.of("key", key)).post(PROVIDERS + "/api-key/login")
                .then().statusCode(401).body("error_code", equalTo("AuthError")).body("error", equalTo("unauthorized"));
    }

    private static void ended(Tokens session) {
        given().header("Authorization", session.bearerRefresh()).post(API + "/auth/session")
                .then().statusCode(401).body("error", equalTo(ENDED));
        given().header("Authorization", session.bearerAccess()).get(API + "/auth/profile")
                .then().statusCode(401).body("error_code", equalTo("InvalidSession"));
    }
}
