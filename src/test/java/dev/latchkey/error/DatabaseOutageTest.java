package dev.latchkey.error;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.latchkey.TcpProxy;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** The database goes away mid-run: every route answers 503, never 500 or a 401, and the service recovers alone. */
@QuarkusTest
@TestProfile(DatabaseOutageTest.OutageProfile.class)
class DatabaseOutageTest {

    public static class OutageProfile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestDatabase.class, Map.of(TestDatabase.OUTAGE_PROXY, "true")));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("latchkey.request-deadline", "3s", "latchkey.database.acquire-timeout", "2s");
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @AfterEach
    void restore() {
        TcpProxy.setReachable(true);
        TcpProxy.setStalled(false);
    }

    @Test
    void outageAnswers503AndRecoversWithoutRestart() throws InterruptedException {
        TestUsers.Tokens user = TestUsers.registered();
        String keyId = (String) TestUsers.createKey(user, "before-outage").get("_id");

        TcpProxy.setReachable(false);
        Thread.sleep(200);

        unavailable(given().contentType(ContentType.JSON).body("{}").post(TestUsers.PROVIDERS + "/anon-user/login").then());
        unavailable(given().get(TestUsers.API + "/app/unknown-app/location").then());
        unavailable(given().header("Authorization", user.bearerRefresh()).post(TestUsers.API + "/auth/session").then());
        unavailable(given().header("Authorization", user.bearerRefresh()).get(TestUsers.API + "/auth/api_keys").then());
        unavailable(given().header("Authorization", user.bearerAccess()).get(TestUsers.API + "/auth/profile").then());
        unavailable(given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON)
                .body(Map.of("name", "during-outage")).post(TestUsers.API + "/auth/api_keys").then());
        given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"));

        TcpProxy.setReachable(true);
        waitUntilReady();

        List<String> ids = given().header("Authorization", user.bearerRefresh()).get(TestUsers.API + "/auth/api_keys")
                .then().statusCode(200).extract().jsonPath().getList("_id");
        assertEquals(List.of(keyId), ids, "the key written before the outage survives; the refused one was not stored");
        given().header("Authorization", user.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(201);
    }

    @Test
    void aDatabaseThatStopsAnsweringGives503WithinSecondsNotAHang() throws InterruptedException {
        TestUsers.Tokens user = TestUsers.registered();
        TestUsers.createKey(user, "before-the-hang");

        TcpProxy.setStalled(true);
        var slow = io.restassured.config.RestAssuredConfig.config().httpClient(
                io.restassured.config.HttpClientConfig.httpClientConfig().setParam("http.socket.timeout", 20_000));
        long started = System.nanoTime();
        unavailable(given().config(slow).header("Authorization", user.bearerRefresh()).get(TestUsers.API + "/auth/api_keys").then());
        unavailable(given().config(slow).contentType(ContentType.JSON).body("{}").post(TestUsers.PROVIDERS + "/anon-user/login").then());
        given().config(slow).get("/q/health/ready").then().statusCode(503);
        long seconds = (System.nanoTime() - started) / 1_000_000_000;
        org.junit.jupiter.api.Assertions.assertTrue(seconds < 20, "answered within the stall timeout, not hung: " + seconds + " s");

        TcpProxy.setStalled(false);
        waitUntilReady();
        given().header("Authorization", user.bearerRefresh()).get(TestUsers.API + "/auth/api_keys").then().statusCode(200);
    }

    private static void unavailable(ValidatableResponse response) {
        response.statusCode(503)
                .header("Retry-After", "5")
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("ServiceUnavailable"))
                .body("error", equalTo("service unavailable"));
    }

    private static void waitUntilReady() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (given().get("/q/health/ready").statusCode() != 200) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("service did not recover within 20 s of the database returning");
            }
            Thread.sleep(200);
        }
    }
}
