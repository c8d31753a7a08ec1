package dev.latchkey.http;

import static dev.latchkey.TestUsers.API;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsStringIgnoringCase;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** realm-web runs in browsers on any origin: the client API answers them, errors included. */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class CorsTest {

    static final String ORIGIN = "https://app.example.com";

    @Test
    void preflightFromAnyOriginIsAllowed() {
        given().header("Origin", ORIGIN)
                .header("Access-Control-Request-Method", "DELETE")
                .header("Access-Control-Request-Headers", "authorization,content-type")
                .options(API + "/auth/api_keys/0123456789abcdef01234567")
                .then().statusCode(anyOf(equalTo(200), equalTo(204)))
                .header("Access-Control-Allow-Origin", anyOf(equalTo("*"), equalTo(ORIGIN)))
                .header("Access-Control-Allow-Methods", containsStringIgnoringCase("DELETE"))
                .header("Access-Control-Allow-Headers", containsStringIgnoringCase("authorization"));
    }

    @Test
    void crossOriginResponsesCarryTheAllowOriginHeader() {
        Tokens user = TestUsers.registered();

        given().header("Origin", ORIGIN).get(API + "/app/" + TestUsers.APP + "/location")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", anyOf(equalTo("*"), equalTo(ORIGIN)));
        given().header("Origin", ORIGIN).contentType(ContentType.JSON).body(Map.of())
                .post(TestUsers.PROVIDERS + "/anon-user/login")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", anyOf(equalTo("*"), equalTo(ORIGIN)));
        given().header("Origin", ORIGIN).header("Authorization", user.bearerRefresh())
                .get(API + "/auth/api_keys")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", anyOf(equalTo("*"), equalTo(ORIGIN)));
    }

    /** realm-web must read a 401's body to refresh and retry, so errors are readable cross-origin too. */
    @Test
    void crossOriginErrorsCarryTheAllowOriginHeader() {
        given().header("Origin", ORIGIN).get(API + "/auth/profile")
                .then().statusCode(401)
                .header("Access-Control-Allow-Origin", anyOf(equalTo("*"), equalTo(ORIGIN)))
                .body("error_code", equalTo("InvalidSession"));
    }

    @Test
    void credentialsAreNeverAllowed() {
        given().header("Origin", ORIGIN).get(API + "/app/" + TestUsers.APP + "/location")
                .then().statusCode(200)
                .header("Access-Control-Allow-Credentials", anyOf(equalTo(null), not(equalTo("true"))));
    }
}
