package dev.latchkey.provider;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * Password work is bounded: one hash at a time and two waiting here, the rest refused at once with
 * 503 and Retry-After; token routes, JWKS and health keep answering while hashes run.
 */
@QuarkusTest
@TestProfile(PasswordPoolTest.SmallPool.class)
class PasswordPoolTest {

    public static class SmallPool implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("latchkey.password.concurrency", "1", "latchkey.password.queue", "2",
                    "latchkey.password.iterations", "400000");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestDatabase.class));
        }
    }

    @Test
    void aFloodOfRegistrationsIsRefusedPastThePoolAndOtherRoutesStillAnswer() throws Exception {
        TestUsers.Tokens user = TestUsers.anonymous();
        int flood = 12;
        ExecutorService clients = Executors.newFixedThreadPool(flood);
        try {
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < flood; i++) {
                answers.add(clients.submit(() -> given().contentType(ContentType.JSON)
                        .body(Map.of("email", TestUsers.newEmail(), "password", TestUsers.PASSWORD))
                        .post(TestUsers.PROVIDERS + "/local-userpass/register")));
            }
            // While the hashes run: JWKS, health and a token route answer.
            given().get("/.well-known/jwks.json").then().statusCode(200);
            given().get("/q/health/ready").then().statusCode(200);
            given().header("Authorization", user.bearerAccess()).get(TestUsers.API + "/auth/profile").then().statusCode(200);

            int created = 0;
            int refused = 0;
            for (Future<Response> answer : answers) {
                Response response = answer.get();
                if (response.statusCode() == 201) {
                    created++;
                } else {
                    assertEquals(503, response.statusCode(), response.asString());
                    assertEquals("ServiceUnavailable", response.jsonPath().getString("error_code"));
                    assertEquals("1", response.header("Retry-After"));
                    refused++;
                }
            }
            assertEquals(flood, created + refused);
            assertTrue(created >= 3, "one running and two queued always get through: " + created);
            assertTrue(refused >= 1, "past one running and two queued, registrations are refused: " + refused);
        } finally {
            clients.shutdownNow();
        }
    }
}
