package dev.latchkey.session;

import static dev.latchkey.TestUsers.API;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Real access tokens expire on time while their refresh token keeps the session going. */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
@TestProfile(AccessTokenExpiryTest.OneSecondAccessTokens.class)
class AccessTokenExpiryTest {

    public static class OneSecondAccessTokens implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("latchkey.token.access-lifetime", "1s");
        }
    }

    @Test
    void expiredAccessTokenIsRefusedWhileTheRefreshTokenStillWorks() throws InterruptedException {
        Tokens user = TestUsers.registered();
        assertEquals(1, TokenParts.payload(user.accessToken()).get("exp").asLong()
                - TokenParts.payload(user.accessToken()).get("iat").asLong());

        Thread.sleep(2100);

        given().header("Authorization", user.bearerAccess()).get(API + "/auth/profile")
                .then().statusCode(401)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("InvalidSession"));
        String fresh = given().header("Authorization", user.bearerRefresh()).post(API + "/auth/session")
                .then().statusCode(201)
                .extract().path("access_token");
        assertEquals(TokenParts.payload(user.accessToken()).get("sid"), TokenParts.payload(fresh).get("sid"));
    }

    /**
     * A 1-second token may be issued in the last instant of its second, so one attempt can
     * legitimately miss; any of a few consecutive refreshes must be accepted.
     */
    @Test
    void freshAccessTokenFromRefreshIsAccepted() throws InterruptedException {
        Tokens user = TestUsers.registered();
        Thread.sleep(2100);

        boolean accepted = false;
        for (int attempt = 0; attempt < 5 && !accepted; attempt++) {
            String fresh = given().header("Authorization", user.bearerRefresh()).post(API + "/auth/session")
                    .then().statusCode(201)
                    .extract().path("access_token");
            accepted = given().header("Authorization", "Bearer " + fresh).get(API + "/auth/profile").statusCode() == 200;
        }
        assertTrue(accepted, "no freshly refreshed access token was accepted");
    }

    /** The server remembers verified access tokens; an expired one must not outlive its exp there. */
    @Test
    void acceptedAccessTokenIsRefusedOnceExpired() throws InterruptedException {
        Tokens user = TestUsers.registered();
        boolean seenAccepted = false;
        String token = null;
        for (int attempt = 0; attempt < 5 && !seenAccepted; attempt++) {
            token = given().header("Authorization", user.bearerRefresh()).post(API + "/auth/session")
                    .then().statusCode(201)
                    .extract().path("access_token");
            seenAccepted = given().header("Authorization", "Bearer " + token).get(API + "/auth/profile").statusCode() == 200;
        }
        assertTrue(seenAccepted);

        Thread.sleep(2100);

        given().header("Authorization", "Bearer " + token).get(API + "/auth/profile")
                .then().statusCode(401)
                .body("error_code", equalTo("InvalidSession"));
    }
}
