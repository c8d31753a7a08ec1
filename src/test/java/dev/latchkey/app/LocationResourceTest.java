package dev.latchkey.app;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class LocationResourceTest {

    @Test
    void bootstrapAppAnswersLocationWithTheRequestHost() {
        given().get(TestUsers.API + "/app/" + TestUsers.APP + "/location")
                .then().statusCode(200)
                .header("Content-Type", "application/json")
                .body("deployment_model", equalTo("GLOBAL"))
                .body("location", equalTo("US-VA"))
                .body("hostname", matchesPattern("http://localhost:\\d+"))
                .body("ws_hostname", matchesPattern("ws://localhost:\\d+"));
    }

    @Test
    void unknownAppIsNotFound() {
        given().get(TestUsers.API + "/app/no-such-app/location")
                .then().statusCode(404)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("AppNotFound"))
                .body("error", equalTo("cannot find app using Client App ID 'no-such-app'"));
    }

    @Test
    void forwardedHeadersAreIgnoredUnlessAProxyIsTrusted() {
        given().header("X-Forwarded-Host", "evil.example").header("X-Forwarded-Proto", "https")
                .header("Forwarded", "host=evil.example;proto=https")
                .get(TestUsers.API + "/app/" + TestUsers.APP + "/location")
                .then().statusCode(200)
                .body("hostname", matchesPattern("http://localhost:\\d+"));
    }
}
