package dev.latchkey.user;

import static dev.latchkey.TestUsers.API;
import static dev.latchkey.TestUsers.PASSWORD;
import static dev.latchkey.TestUsers.PROVIDERS;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class UserResourceTest {

    static final String HEX24 = "[0-9a-f]{24}";
    static final String PROFILE = API + "/auth/profile";

    @Test
    void emailUserProfileHasTheNormalizedEmailAndOnePasswordIdentity() {
        TestUsers.register(" Mixed@Example.COM ", PASSWORD);
        Tokens user = TestUsers.logIn("mixed@example.com", PASSWORD);

        given().header("Authorization", user.bearerAccess()).get(PROFILE)
                .then().statusCode(200)
                .header("Content-Type", "application/json")
                .body("user_id", equalTo(user.userId()))
                .body("domain_id", matchesPattern(HEX24))
                .body("type", equalTo("normal"))
                .body("data", equalTo(Map.of("email", "mixed@example.com")))
                .body("identities", hasSize(1))
                .body("identities[0]", aMapWithSize(3))
                .body("identities[0].id", not(emptyOrNullString()))
                .body("identities[0].provider_type", equalTo("local-userpass"))
                .body("identities[0].provider_id", not(emptyOrNullString()));
    }

    @Test
    void loginWithDifferentlyCasedEmailReachesTheSameUser() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, PASSWORD);

        assertEquals(TestUsers.logIn(email, PASSWORD).userId(),
                TestUsers.logIn("  " + email.toUpperCase(Locale.ROOT) + " ", PASSWORD).userId());
    }

    @Test
    void anonymousUserProfileHasEmptyDataAndAnAnonIdentity() {
        Tokens user = TestUsers.anonymous();

        given().header("Authorization", user.bearerAccess()).get(PROFILE)
                .then().statusCode(200)
                .header("Content-Type", "application/json")
                .body("user_id", equalTo(user.userId()))
                .body("domain_id", matchesPattern(HEX24))
                .body("type", equalTo("normal"))
                .body("data", equalTo(Map.of()))
                .body("identities", hasSize(1))
                .body("identities[0].provider_type", equalTo("anon-user"))
                .body("identities[0].id", not(emptyOrNullString()))
                .body("identities[0].provider_id", not(emptyOrNullString()));
    }

    @Test
    void everyUserOfAnAppSharesItsDomainId() {
        String first = given().header("Authorization", TestUsers.anonymous().bearerAccess()).get(PROFILE)
                .then().statusCode(200).extract().path("domain_id");
        String second = given().header("Authorization", TestUsers.registered().bearerAccess()).get(PROFILE)
                .then().statusCode(200).extract().path("domain_id");

        assertEquals(first, second);
    }

    @Test
    void profileNeedsAnAccessToken() {
        given().get(PROFILE)
                .then().statusCode(401)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("InvalidSession"));
    }

    @Test
    void deletedUserLosesSessionsTokensAndKeys() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, PASSWORD);
        Tokens user = TestUsers.logIn(email, PASSWORD);
        Tokens otherSession = TestUsers.logIn(email, PASSWORD);
        String key = (String) TestUsers.createKey(user, "deploy").get("key");
        Tokens keySession = TestUsers.withKey(key);

        Response deleted = given().header("Authorization", user.bearerAccess()).delete(API + "/auth/delete");
        assertEquals(204, deleted.statusCode(), deleted.asString());
        assertNull(deleted.getHeader("Content-Type"));
        assertEquals("", deleted.asString());

        for (Tokens session : new Tokens[] { user, otherSession, keySession }) {
            given().header("Authorization", session.bearerRefresh()).post(API + "/auth/session")
                    .then().statusCode(401)
                    .header("Content-Type", "application/json")
                    .body("error_code", equalTo("InvalidSession"))
                    .body("error", equalTo("invalid session: failed to find refresh token"));
            given().header("Authorization", session.bearerAccess()).get(PROFILE)
                    .then().statusCode(401)
                    .body("error_code", equalTo("InvalidSession"));
        }
        given().header("Authorization", user.bearerAccess()).delete(API + "/auth/delete")
                .then().statusCode(401)
                .body("error_code", equalTo("InvalidSession"));
        given().contentType(ContentType.JSON).body(Map.of("key", key))
                .post(PROVIDERS + "/api-key/login")
                .then().statusCode(401)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("AuthError"))
                .body("error", equalTo("unauthorized"));
        given().contentType(ContentType.JSON).body(Map.of("username", email, "password", PASSWORD))
                .post(PROVIDERS + "/local-userpass/login")
                .then().statusCode(401)
                .body("error_code", equalTo("InvalidPassword"));
    }

    @Test
    void deletedEmailCanRegisterAgainAsANewUser() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, PASSWORD);
        Tokens user = TestUsers.logIn(email, PASSWORD);
        given().header("Authorization", user.bearerAccess()).delete(API + "/auth/delete").then().statusCode(204);

        TestUsers.register(email, PASSWORD);

        Tokens again = TestUsers.logIn(email, PASSWORD);
        assertNotEquals(user.userId(), again.userId());
    }

    @Test
    void deleteNeedsAnAccessToken() {
        Tokens user = TestUsers.registered();

        given().header("Authorization", user.bearerRefresh()).delete(API + "/auth/delete")
                .then().statusCode(401)
                .body("error_code", equalTo("InvalidSession"));
        given().header("Authorization", user.bearerAccess()).get(PROFILE).then().statusCode(200);
    }

    @Test
    void sessionThatLoggedInWithAKeyCannotDeleteTheOwner() {
        Tokens owner = TestUsers.registered();
        String key = (String) TestUsers.createKey(owner, "cannot-delete").get("key");
        Tokens keySession = TestUsers.withKey(key);

        given().header("Authorization", keySession.bearerAccess()).delete(API + "/auth/delete")
                .then().statusCode(403).header("Content-Type", "application/json").body("error_code", equalTo("Forbidden"));

        given().header("Authorization", owner.bearerAccess()).get(API + "/auth/profile").then().statusCode(200);
        assertEquals(owner.userId(), TestUsers.withKey(key).userId(), "the owner and the key are still there");
        // The key's session may still read the profile and log out: only account-level changes are refused.
        given().header("Authorization", keySession.bearerAccess()).get(API + "/auth/profile").then().statusCode(200);
        given().header("Authorization", keySession.bearerRefresh()).delete(API + "/auth/session").then().statusCode(204);
    }

    @Test
    void anonymousUserMayDeleteThemselves() {
        Tokens anonymous = TestUsers.anonymous();
        given().header("Authorization", anonymous.bearerAccess()).delete(API + "/auth/delete").then().statusCode(204);
        given().header("Authorization", anonymous.bearerAccess()).get(API + "/auth/profile").then().statusCode(401);
    }
}
