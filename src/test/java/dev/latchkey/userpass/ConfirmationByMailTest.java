package dev.latchkey.userpass;

import static dev.latchkey.userpass.Lifecycle.CONFIRM_URL;
import static dev.latchkey.userpass.Lifecycle.MAIL_APP;
import static dev.latchkey.userpass.Lifecycle.PASSWORD;
import static dev.latchkey.userpass.Lifecycle.error;
import static dev.latchkey.userpass.Lifecycle.noContent;
import static dev.latchkey.userpass.Lifecycle.post;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.latchkey.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** An app that confirms new accounts by mail: the mail, its link, and a token that works once. */
@QuarkusTest
@TestProfile(LifecycleProfile.class)
class ConfirmationByMailTest {

    static final String UNAUTHORIZED = "unauthorized";

    @BeforeAll
    static void apps() {
        Lifecycle.createApps();
    }

    @Test
    void registrationMailsALinkWithTextAndHtmlBodies() {
        String email = Lifecycle.email("confirm");
        Lifecycle.register(MAIL_APP, email);

        Inbox.Mail mail = Inbox.await(email);
        assertEquals("Confirm your email address", mail.subject());
        assertEquals("latchkey@test.example", mail.from());
        assertTrue(mail.link().startsWith(CONFIRM_URL + "&token="), mail.link());
        assertEquals("en", mail.query().get("lang"), "the URL's own query stays");
        assertTrue(mail.token().matches("[A-Za-z0-9_-]{43}"), mail.token());
        assertTrue(mail.tokenId().matches("[0-9a-f]{24}"), mail.tokenId());
        assertTrue(mail.text().contains(MAIL_APP), mail.text());
        assertTrue(mail.html() != null && mail.html().contains("href=\"" + mail.link().replace("&", "&amp;") + "\""),
                "the HTML body links to the same URL, escaped: " + mail.html());
    }

    @Test
    void pendingUserCannotLogInUntilConfirmedAndTheTokenWorksOnce() {
        String email = Lifecycle.email("pending");
        Lifecycle.register(MAIL_APP, email);
        error(Lifecycle.logIn(MAIL_APP, email, PASSWORD), 401, "AuthError", UNAUTHORIZED);
        error(Lifecycle.logIn(MAIL_APP, email, "wrong password"), 401, "InvalidPassword", "invalid username/password");

        Inbox.Mail mail = Inbox.await(email);
        noContent(post(MAIL_APP, "confirm", mail.tokenBody()));
        Lifecycle.loggedIn(MAIL_APP, email, PASSWORD);

        error(post(MAIL_APP, "confirm", mail.tokenBody()), 400, "UserpassTokenInvalid", "userpass token is expired or invalid");
        assertEquals(1L, Lifecycle.rows("select count(*) from audit_events where app_id = ? and type = 'email.confirm' "
                + "and detail->>'email' = ?", MAIL_APP, email).get(0).get(0), "one email.confirm audit event");
    }

    @Test
    void aPendingCredentialCannotBeLinkedUntilConfirmed() {
        String email = Lifecycle.email("link");
        Lifecycle.register(MAIL_APP, email);
        String anonymous = given().contentType(ContentType.JSON).body(Map.of())
                .post(TestUsers.API + "/app/" + MAIL_APP + "/auth/providers/anon-user/login")
                .then().statusCode(200).extract().path("access_token");
        // Not 401 "unauthorized": realm-web would answer that on this access-token route by refreshing and retrying forever.
        error(given().header("Authorization", "Bearer " + anonymous).contentType(ContentType.JSON)
                .body(Map.of("username", email, "password", PASSWORD))
                .post(Lifecycle.route(MAIL_APP, "login?link=true")), 403, "Forbidden", "the email is not confirmed yet");

        noContent(post(MAIL_APP, "confirm", Inbox.await(email).tokenBody()));
        given().header("Authorization", "Bearer " + anonymous).contentType(ContentType.JSON)
                .body(Map.of("username", email, "password", PASSWORD))
                .post(Lifecycle.route(MAIL_APP, "login?link=true"))
                .then().statusCode(200);
    }

    @Test
    void registeringAPendingEmailAgainIsAccountNameInUse() {
        String email = Lifecycle.email("again");
        Lifecycle.register(MAIL_APP, email);
        error(post(MAIL_APP, "register", Map.of("email", email, "password", "another password")),
                409, "AccountNameInUse", "name already in use");
    }

    @Test
    void tokensAreStoredHashedAndLiveThirtyMinutes() {
        String email = Lifecycle.email("stored");
        Lifecycle.register(MAIL_APP, email);
        Inbox.Mail mail = Inbox.await(email);

        List<Object> row = Lifecycle.rows("select encode(token_hash, 'hex'), "
                + "cast(extract(epoch from expires_at - created_at) as integer), purpose "
                + "from userpass_tokens where id = ?", mail.tokenId()).get(0);
        assertEquals(64, ((String) row.get(0)).length());
        assertNotEquals(mail.token(), row.get(0));
        assertEquals(30 * 60, row.get(1), "seconds from creation to expiry");
        assertEquals("confirm", row.get(2));
        assertEquals(0, Lifecycle.rows("select 1 from userpass_tokens t where position(? in t::text) > 0", mail.token()).size(),
                "the token itself is nowhere in its row");
    }

    @Test
    void resendMailsANewTokenAndUsingOneRetiresTheOther() {
        String email = Lifecycle.email("resend");
        Lifecycle.register(MAIL_APP, email);
        Inbox.Mail first = Inbox.await(email);
        noContent(post(MAIL_APP, "confirm/send", Map.of("email", email.toUpperCase())));
        Inbox.Mail second = Inbox.await(email, 2, 15);
        assertNotEquals(first.token(), second.token());

        noContent(post(MAIL_APP, "confirm", second.tokenBody()));
        error(post(MAIL_APP, "confirm", first.tokenBody()), 400, "UserpassTokenInvalid", "userpass token is expired or invalid");
        error(post(MAIL_APP, "confirm/send", Map.of("email", email)), 400, "UserAlreadyConfirmed", "already confirmed");
    }

    @Test
    void anExpiredTokenIsRefused() {
        String email = Lifecycle.email("expired");
        Lifecycle.register(MAIL_APP, email);
        Inbox.Mail mail = Inbox.await(email);
        Lifecycle.sql("update userpass_tokens set expires_at = now() - interval '1 second' where id = ?", mail.tokenId());

        error(post(MAIL_APP, "confirm", mail.tokenBody()), 400, "UserpassTokenInvalid", "userpass token is expired or invalid");
        error(Lifecycle.logIn(MAIL_APP, email, PASSWORD), 401, "AuthError", UNAUTHORIZED);
    }

    @Test
    void aConfirmationTokenCannotResetAPassword() {
        String email = Lifecycle.email("purpose");
        Lifecycle.register(MAIL_APP, email);
        Inbox.Mail mail = Inbox.await(email);
        error(post(MAIL_APP, "reset", Map.of("token", mail.token(), "tokenId", mail.tokenId(), "password", "hijacked password")),
                400, "BadRequest", "invalid token data");
        error(post("reset-app", "confirm", mail.tokenBody()), 400, "BadRequest", "invalid token data");
        noContent(post(MAIL_APP, "confirm", mail.tokenBody()));
    }

    @Test
    void parallelConfirmationsWithOneTokenSucceedExactlyOnce() throws Exception {
        String email = Lifecycle.email("race");
        Lifecycle.register(MAIL_APP, email);
        Inbox.Mail mail = Inbox.await(email);

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> attempts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                attempts.add(() -> post(MAIL_APP, "confirm", mail.tokenBody()).statusCode());
            }
            int ok = 0;
            int refused = 0;
            for (Future<Integer> status : pool.invokeAll(attempts)) {
                if (status.get() == 204) {
                    ok++;
                } else if (status.get() == 400) {
                    refused++;
                }
            }
            assertEquals(1, ok);
            assertEquals(7, refused);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void credentialsFromBeforeTheMigrationAndAutoConfirmAppsLogInAsBefore() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, PASSWORD);
        TestUsers.logIn(email, PASSWORD);
        error(post("latchkey-app", "confirm/send", Map.of("email", email)), 400, "UserAlreadyConfirmed", "already confirmed");
    }
}
