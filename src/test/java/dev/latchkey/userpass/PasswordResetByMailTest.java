package dev.latchkey.userpass;

import static dev.latchkey.TestUsers.API;
import static dev.latchkey.userpass.Lifecycle.NEW_PASSWORD;
import static dev.latchkey.userpass.Lifecycle.PASSWORD;
import static dev.latchkey.userpass.Lifecycle.RESET_APP;
import static dev.latchkey.userpass.Lifecycle.error;
import static dev.latchkey.userpass.Lifecycle.noContent;
import static dev.latchkey.userpass.Lifecycle.post;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.latchkey.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** Reset by mail: the link sets a new password once, and every session of the user ends. */
@QuarkusTest
@TestProfile(LifecycleProfile.class)
class PasswordResetByMailTest {

    static final String ENDED = "invalid session: failed to find refresh token";

    @BeforeAll
    static void apps() {
        Lifecycle.createApps();
    }

    @Test
    void resetEndsEverySessionAndOnlyTheNewPasswordWorks() {
        String email = Lifecycle.email("reset");
        Lifecycle.register(RESET_APP, email);
        TestUsers.Tokens first = Lifecycle.loggedIn(RESET_APP, email, PASSWORD);
        TestUsers.Tokens second = Lifecycle.loggedIn(RESET_APP, email, PASSWORD);
        String key = (String) TestUsers.createKey(first, "reset-test").get("key");
        TestUsers.Tokens keySession = loginWithKey(key);

        noContent(post(RESET_APP, "reset/send", Map.of("email", email)));
        Inbox.Mail mail = Inbox.await(email);
        assertEquals("Reset your password", mail.subject());
        assertTrue(mail.link().startsWith("https://app.example/account/reset?token="), mail.link());
        assertTrue(mail.link().endsWith("#choose"), "the URL's fragment stays last: " + mail.link());
        assertTrue(mail.html().contains("Choose a new password"), mail.html());

        noContent(post(RESET_APP, "reset", Map.of("token", mail.token(), "tokenId", mail.tokenId(), "password", NEW_PASSWORD)));

        for (TestUsers.Tokens ended : new TestUsers.Tokens[] { first, second, keySession }) {
            error(given().header("Authorization", ended.bearerRefresh()).post(API + "/auth/session"), 401, "InvalidSession", ENDED);
            given().header("Authorization", ended.bearerAccess()).get(API + "/auth/profile").then().statusCode(401);
        }
        error(Lifecycle.logIn(RESET_APP, email, PASSWORD), 401, "InvalidPassword", "invalid username/password");
        TestUsers.Tokens fresh = Lifecycle.loggedIn(RESET_APP, email, NEW_PASSWORD);
        assertEquals(first.userId(), fresh.userId());
        loginWithKey(key);

        error(post(RESET_APP, "reset", Map.of("token", mail.token(), "tokenId", mail.tokenId(), "password", "third password")),
                400, "UserpassTokenInvalid", "userpass token is expired or invalid");
        assertEquals(1L, Lifecycle.rows("select count(*) from audit_events where app_id = ? and type = 'password.reset' "
                + "and user_id = ? and (detail->>'sessions_ended')::int = 3", RESET_APP, first.userId()).get(0).get(0));
        assertEquals(1L, Lifecycle.rows("select count(*) from audit_events where app_id = ? and type = 'session.end' "
                + "and user_id = ?", RESET_APP, first.userId()).get(0).get(0));
        assertEquals(0L, Lifecycle.rows("select count(*) from audit_events where detail::text like ? or detail::text like ?",
                "%" + mail.token() + "%", "%" + NEW_PASSWORD + "%").get(0).get(0), "no token or password in the audit trail");
    }

    @Test
    void aCredentialThatNeverLoggedInCanBeReset() {
        String email = Lifecycle.email("unclaimed");
        Inbox.Mail mail = registeredAndMailed(email);
        noContent(post(RESET_APP, "reset", Map.of("token", mail.token(), "tokenId", mail.tokenId(), "password", NEW_PASSWORD)));
        Lifecycle.loggedIn(RESET_APP, email, NEW_PASSWORD);
    }

    @Test
    void aRefusedPasswordLeavesTheTokenUsable() {
        String email = Lifecycle.email("short");
        Inbox.Mail mail = registeredAndMailed(email);
        error(post(RESET_APP, "reset", Map.of("token", mail.token(), "tokenId", mail.tokenId(), "password", "12345")),
                400, "BadRequest", "password must be between 6 and 128 characters");
        noContent(post(RESET_APP, "reset", Map.of("token", mail.token(), "tokenId", mail.tokenId(), "password", NEW_PASSWORD)));
    }

    @Test
    void usingOneResetLinkRetiresTheOthers() {
        String email = Lifecycle.email("two-links");
        Lifecycle.register(RESET_APP, email);
        noContent(post(RESET_APP, "reset/send", Map.of("email", email)));
        noContent(post(RESET_APP, "reset/send", Map.of("email", email)));
        Inbox.Mail first = Inbox.await(email, 2, 15);
        Inbox.Mail second = Inbox.all(email).get(0);
        noContent(post(RESET_APP, "reset", Map.of("token", first.token(), "tokenId", first.tokenId(), "password", NEW_PASSWORD)));
        error(post(RESET_APP, "reset", Map.of("token", second.token(), "tokenId", second.tokenId(), "password", "other password")),
                400, "UserpassTokenInvalid", "userpass token is expired or invalid");
    }

    @Test
    void unknownEmailIsUserNotFound() {
        error(post(RESET_APP, "reset/send", Map.of("email", Lifecycle.email("nobody"))), 404, "UserNotFound", "user not found");
    }

    /** Registers {@code email} and asks for a reset mail; the mail. */
    private static Inbox.Mail registeredAndMailed(String email) {
        Lifecycle.register(RESET_APP, email);
        noContent(post(RESET_APP, "reset/send", Map.of("email", email)));
        return Inbox.await(email);
    }

    private static TestUsers.Tokens loginWithKey(String key) {
        var body = given().contentType(ContentType.JSON).body(Map.of("key", key))
                .post(API + "/app/" + RESET_APP + "/auth/providers/api-key/login")
                .then().statusCode(200).extract().jsonPath();
        return new TestUsers.Tokens(body.getString("user_id"), body.getString("access_token"),
                body.getString("refresh_token"), body.getString("device_id"));
    }
}
