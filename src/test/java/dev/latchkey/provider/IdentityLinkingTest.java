package dev.latchkey.provider;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** {@code user.linkCredentials(...)}: a provider login with {@code ?link=true} and the caller's access token. */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class IdentityLinkingTest {

    private static final String LINK = TestUsers.PROVIDERS + "/local-userpass/login?link=true";

    @Test
    void anonymousUserWhoLinksEmailBecomesNormalAndMayCreateKeys() {
        TestUsers.Tokens anonymous = TestUsers.anonymous();
        given().header("Authorization", anonymous.bearerRefresh()).contentType(ContentType.JSON)
                .body(Map.of("name", "too-early")).post(TestUsers.API + "/auth/api_keys")
                .then().statusCode(403).body("error_code", equalTo("Forbidden"));

        String email = TestUsers.newEmail();
        TestUsers.register(email, TestUsers.PASSWORD);
        given().header("Authorization", anonymous.bearerAccess()).contentType(ContentType.JSON)
                .body(Map.of("username", email, "password", TestUsers.PASSWORD))
                .post(LINK)
                .then().statusCode(200).body("user_id", equalTo(anonymous.userId()));

        given().header("Authorization", anonymous.bearerAccess()).get(TestUsers.API + "/auth/profile")
                .then().statusCode(200)
                .body("identities.provider_type", hasItems("anon-user", "local-userpass"))
                .body("data.email", equalTo(email.toLowerCase()));
        TestUsers.createKey(anonymous, "after-linking");

        // The email now logs in as the same user.
        TestUsers.Tokens byEmail = TestUsers.logIn(email, TestUsers.PASSWORD);
        org.junit.jupiter.api.Assertions.assertEquals(anonymous.userId(), byEmail.userId());
    }

    @Test
    void identityOfAnotherUserIsRefusedAndNothingChanges() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, TestUsers.PASSWORD);
        TestUsers.Tokens owner = TestUsers.logIn(email, TestUsers.PASSWORD);
        TestUsers.Tokens other = TestUsers.anonymous();

        given().header("Authorization", other.bearerAccess()).contentType(ContentType.JSON)
                .body(Map.of("username", email, "password", TestUsers.PASSWORD))
                .post(LINK)
                .then().statusCode(409).header("Content-Type", "application/json")
                .body("error_code", equalTo("IdentityAlreadyExists"));

        given().header("Authorization", other.bearerAccess()).get(TestUsers.API + "/auth/profile")
                .then().statusCode(200).body("identities.size()", equalTo(1)).body("data", equalTo(Map.of()));
        org.junit.jupiter.api.Assertions.assertEquals(owner.userId(), TestUsers.logIn(email, TestUsers.PASSWORD).userId());
    }

    @Test
    void linkingNeedsAValidAccessToken() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, TestUsers.PASSWORD);
        given().header("Authorization", "Bearer not-a-token").contentType(ContentType.JSON)
                .body(Map.of("username", email, "password", TestUsers.PASSWORD))
                .post(LINK)
                .then().statusCode(401).body("error_code", equalTo("InvalidSession"));
    }

    @Test
    void anonymousCredentialsCannotBeLinked() {
        TestUsers.Tokens user = TestUsers.registered();
        given().header("Authorization", user.bearerAccess()).contentType(ContentType.JSON).body("{}")
                .post(TestUsers.PROVIDERS + "/anon-user/login?link=true")
                .then().statusCode(400).body("error_code", equalTo("BadRequest"));
    }

    @Test
    void sessionThatLoggedInWithAKeyCannotLinkCredentialsToTheOwner() {
        TestUsers.Tokens owner = TestUsers.registered();
        TestUsers.Tokens keySession = TestUsers.withKey((String) TestUsers.createKey(owner, "linker").get("key"));
        String email = TestUsers.newEmail();
        TestUsers.register(email, TestUsers.PASSWORD);

        given().header("Authorization", keySession.bearerAccess()).contentType(ContentType.JSON)
                .body(Map.of("username", email, "password", TestUsers.PASSWORD))
                .post(LINK)
                .then().statusCode(403).header("Content-Type", "application/json")
                .body("error_code", equalTo("Forbidden"));

        // The credential stays unclaimed: its first login makes a user of its own.
        String newUser = TestUsers.logIn(email, TestUsers.PASSWORD).userId();
        org.junit.jupiter.api.Assertions.assertNotEquals(owner.userId(), newUser);
        given().header("Authorization", owner.bearerAccess()).get(TestUsers.API + "/auth/profile")
                .then().statusCode(200).body("identities.findAll { it.provider_type == 'local-userpass' }.size()", equalTo(1));
    }

    @Test
    void aSecondEmailPasswordIdentityIsIdentityAlreadyExistsNotA500() {
        TestUsers.Tokens user = TestUsers.registered();
        String second = TestUsers.newEmail();
        TestUsers.register(second, TestUsers.PASSWORD);

        given().header("Authorization", user.bearerAccess()).contentType(ContentType.JSON)
                .body(Map.of("username", second, "password", TestUsers.PASSWORD))
                .post(LINK)
                .then().statusCode(409).header("Content-Type", "application/json")
                .body("error_code", equalTo("IdentityAlreadyExists"));

        org.junit.jupiter.api.Assertions.assertNotEquals(user.userId(), TestUsers.logIn(second, TestUsers.PASSWORD).userId(),
                "the second credential was not attached to the user");
    }
}
