package dev.latchkey.apikey;

import static dev.latchkey.TestUsers.API;
import static dev.latchkey.TestUsers.PROVIDERS;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.latchkey.Parallel;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** The duplicate-name and per-user-limit rules hold when requests race, not just one at a time. */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class ApiKeyConcurrencyTest {

    static final String KEYS = API + "/auth/api_keys";

    /** What one racing request got back: status and error code ("" on success). */
    record Outcome(int status, String errorCode, String contentType) {
        static Outcome of(Response response) {
            String code = response.statusCode() < 300 ? "" : response.jsonPath().getString("error_code");
            return new Outcome(response.statusCode(), code, response.getHeader("Content-Type"));
        }

        String label() {
            return status + (errorCode.isEmpty() ? "" : " " + errorCode);
        }
    }

    @Test
    void parallelCreatesOfOneNameMakeExactlyOneKey() throws Exception {
        Tokens user = TestUsers.registered();

        List<Outcome> outcomes = inParallel(25, i -> create(user, "contested"));

        assertEquals(Map.of("201", 1L, "409 APIKeyAlreadyExists", 24L), count(outcomes));
        outcomes.forEach(outcome -> assertEquals("application/json", outcome.contentType()));
        given().header("Authorization", user.bearerRefresh()).get(KEYS)
                .then().statusCode(200).body("name", equalTo(List.of("contested")));
    }

    @Test
    void parallelCreatesStopAtTheLimit() throws Exception {
        Tokens user = TestUsers.registered();

        List<Outcome> outcomes = inParallel(30, i -> create(user, "racer-" + i));

        assertEquals(Map.of("201", 20L, "409 APIKeyLimitReached", 10L), count(outcomes));
        given().header("Authorization", user.bearerRefresh()).get(KEYS)
                .then().statusCode(200).body("size()", equalTo(20));
    }

    @Test
    void parallelDeletesOfOneKeyGiveBackOneSlot() throws Exception {
        Tokens user = TestUsers.registered();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add((String) TestUsers.createKey(user, "full-" + i).get("_id"));
        }

        List<Outcome> outcomes = inParallel(10, i -> Outcome.of(
                given().header("Authorization", user.bearerRefresh()).delete(KEYS + "/" + ids.get(0))));

        assertEquals(Map.of("204", 1L, "404 APIKeyNotFound", 9L), count(outcomes));
        assertEquals(201, create(user, "refill").status());
        assertEquals(new Outcome(409, "APIKeyLimitReached", "application/json"), create(user, "one-too-many"));
    }

    @Test
    void parallelFirstLoginsWithOneKeyAllSucceed() throws Exception {
        Tokens owner = TestUsers.registered();
        String key = (String) TestUsers.createKey(owner, "popular").get("key");

        List<Outcome> outcomes = inParallel(15, i -> Outcome.of(given().contentType(ContentType.JSON)
                .body(Map.of("key", key)).post(PROVIDERS + "/api-key/login")));

        assertEquals(Map.of("200", 15L), count(outcomes));
        given().header("Authorization", owner.bearerAccess()).get(API + "/auth/profile")
                .then().statusCode(200)
                .body("identities.findAll { it.provider_type == 'api-key' }.size()", equalTo(1));
    }

    /**
     * Logins racing a disable or delete: whichever way each race goes, no session the key started
     * may outlive the disable or delete that answered 204.
     */
    @Test
    void noKeySessionSurvivesARacingDisableOrDelete() throws Exception {
        Tokens owner = TestUsers.registered();
        for (int round = 0; round < 12; round++) {
            boolean delete = round % 2 == 1;
            Map<String, Object> key = TestUsers.createKey(owner, "raced-" + round);
            String path = KEYS + "/" + key.get("_id") + (delete ? "" : "/disable");

            List<Response> responses = inParallel(12, i -> i == 6
                    ? (delete ? given().header("Authorization", owner.bearerRefresh()).delete(path)
                            : given().header("Authorization", owner.bearerRefresh()).put(path))
                    : given().contentType(ContentType.JSON).body(Map.of("key", key.get("key"))).post(PROVIDERS + "/api-key/login"));

            assertEquals(204, responses.get(6).statusCode());
            for (Response login : responses) {
                if (login.statusCode() == 200) {
                    given().header("Authorization", "Bearer " + login.jsonPath().getString("refresh_token"))
                            .post(API + "/auth/session")
                            .then().statusCode(401)
                            .body("error_code", equalTo("InvalidSession"));
                } else if (login != responses.get(6)) {
                    assertEquals(401, login.statusCode(), login.asString());
                }
            }
        }
    }

    private static Outcome create(Tokens user, String name) {
        return Outcome.of(given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON)
                .body(Map.of("name", name)).post(KEYS));
    }

    private static Map<String, Long> count(List<Outcome> outcomes) {
        return outcomes.stream().collect(Collectors.groupingBy(Outcome::label, TreeMap::new, Collectors.counting()));
    }

    private static <T> List<T> inParallel(int n, IntFunction<T> request) throws Exception {
        return Parallel.run(n, request);
    }
}
