package dev.latchkey.error;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class ErrorModelTest {

    private static final String LOGIN = TestUsers.PROVIDERS + "/local-userpass/login";

    @Test
    void malformedJsonIsBadRequest() {
        given().contentType(ContentType.JSON).body("{\"username\": ")
                .post(LOGIN)
                .then().statusCode(400)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("BadRequest"))
                .body("error", equalTo("request body is not valid JSON"));
    }

    @Test
    void wrongFieldTypeIsBadRequestWithoutEchoingTheBody() {
        given().contentType(ContentType.JSON).body("{\"username\": \"a@b.co\", \"password\": 123456}")
                .post(LOGIN)
                .then().statusCode(400)
                .body("error_code", equalTo("BadRequest"))
                .body("error", equalTo("'password' has the wrong type"))
                .body("error", not(containsString("123456")));
    }

    @Test
    void bodyOverSixtyFourKibIsRefusedUnread() {
        String huge = "{\"username\": \"" + "a".repeat(70 * 1024) + "\"}";
        given().contentType(ContentType.JSON).body(huge)
                .post(LOGIN)
                .then().statusCode(413)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("BadRequest"))
                .body("error", equalTo("request too large"));
    }

    @Test
    void unknownRouteIsJsonNotFound() {
        given().get(TestUsers.API + "/no/such/route")
                .then().statusCode(404)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("NotFound"));
    }

    @Test
    void wrongMethodIsJsonMethodNotAllowed() {
        given().contentType(ContentType.JSON).body("{}")
                .patch(TestUsers.API + "/auth/api_keys")
                .then().statusCode(405)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("MethodNotAllowed"));
    }

    @Test
    void wrongContentTypeIsJsonUnsupportedMediaType() {
        TestUsers.Tokens user = TestUsers.registered();
        given().header("Authorization", user.bearerRefresh()).contentType("application/xml").body("<name>k</name>")
                .post(TestUsers.API + "/auth/api_keys")
                .then().statusCode(415)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("UnsupportedMediaType"));
    }
}
