package dev.latchkey.userpass;

import static dev.latchkey.userpass.Lifecycle.HOOK_APP;
import static dev.latchkey.userpass.Lifecycle.MAIL_APP;
import static dev.latchkey.userpass.Lifecycle.NEW_PASSWORD;
import static dev.latchkey.userpass.Lifecycle.RESET_APP;
import static dev.latchkey.userpass.Lifecycle.error;
import static dev.latchkey.userpass.Lifecycle.noContent;
import static dev.latchkey.userpass.Lifecycle.post;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.latchkey.ObjectIds;
import dev.latchkey.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** SPEC section 7's error table and hostile input on the six lifecycle routes: JSON errors, nothing stored. */
@QuarkusTest
@TestProfile(LifecycleProfile.class)
class LifecycleErrorsTest {

    static final String INVALID = "invalid token data";
    static final String SPENT = "userpass token is expired or invalid";
    static final String FAKE_TOKEN = "A".repeat(43);

    @BeforeAll
    static void apps() {
        Lifecycle.createApps();
    }

    @Test
    void malformedOrUnknownTokensAreInvalidTokenData() {
        for (Map<String, Object> body : List.<Map<String, Object>>of(
                Map.of("token", FAKE_TOKEN, "tokenId", ObjectIds.next()),
                Map.of("token", "short", "tokenId", ObjectIds.next()),
                Map.of("token", FAKE_TOKEN, "tokenId", "not-an-id"),
                Map.of("token", FAKE_TOKEN),
                Map.of())) {
            error(post(MAIL_APP, "confirm", body), 400, "BadRequest", INVALID);
            Map<String, Object> reset = new java.util.HashMap<>(body);
            reset.put("password", NEW_PASSWORD);
            error(post(RESET_APP, "reset", reset), 400, "BadRequest", INVALID);
        }
        // A NUL never gets as far as the token check: the body's strings are refused on reading (SPEC section 5).
        error(post(MAIL_APP, "confirm", Map.of("token", FAKE_TOKEN + "\u0000", "tokenId", ObjectIds.next())), 400, "BadRequest",
                "'token' holds a NUL character or a lone surrogate");
    }

    @Test
    void aRightTokenIdWithAWrongTokenIsInvalidTokenData() {
        String email = Lifecycle.email("guess");
        Lifecycle.register(MAIL_APP, email);
        Inbox.Mail mail = Inbox.await(email);
        char last = mail.token().charAt(42);
        String guess = mail.token().substring(0, 42) + (last == 'A' ? 'B' : 'A');
        error(post(MAIL_APP, "confirm", Map.of("token", guess, "tokenId", mail.tokenId())), 400, "BadRequest", INVALID);
        noContent(post(MAIL_APP, "confirm", mail.tokenBody()));
        error(post(MAIL_APP, "confirm", mail.tokenBody()), 400, "UserpassTokenInvalid", SPENT);
    }

    @Test
    void unknownEmailsAreUserNotFoundOnEverySendAndCallRoute() {
        String nobody = Lifecycle.email("nobody");
        error(post(MAIL_APP, "confirm/send", Map.of("email", nobody)), 404, "UserNotFound", "user not found");
        error(post(HOOK_APP, "confirm/call", Map.of("email", nobody)), 404, "UserNotFound", "user not found");
        error(post(MAIL_APP, "reset/send", Map.of("email", nobody)), 404, "UserNotFound", "user not found");
        error(post(HOOK_APP, "reset/call", Map.of("email", nobody, "password", NEW_PASSWORD, "arguments", List.of())),
                404, "UserNotFound", "user not found");
        assertEquals(0L, Lifecycle.rows("select count(*) from mail_outbox where email = ?", nobody).get(0).get(0));
    }

    @Test
    void confirmedUsersAreAlreadyConfirmed() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, Lifecycle.PASSWORD);
        error(post(TestUsers.APP, "confirm/send", Map.of("email", email)), 400, "UserAlreadyConfirmed", "already confirmed");
        error(post(TestUsers.APP, "confirm/call", Map.of("email", email)), 400, "UserAlreadyConfirmed", "already confirmed");
    }

    @Test
    void modesTheAppHasNotConfiguredAreBadRequest() {
        String bootstrapUser = TestUsers.newEmail();
        TestUsers.register(bootstrapUser, Lifecycle.PASSWORD);
        error(post(TestUsers.APP, "reset/send", Map.of("email", bootstrapUser)), 400, "BadRequest",
                "password reset by email is not configured for this app");
        String email = Lifecycle.email("unconfigured");
        Lifecycle.register(RESET_APP, email);
        error(post(RESET_APP, "reset/call", Map.of("email", email, "password", NEW_PASSWORD)), 400, "BadRequest",
                "password reset by webhook is not configured for this app");
        String pending = Lifecycle.email("pending-mail");
        Lifecycle.register(MAIL_APP, pending);
        error(post(MAIL_APP, "confirm/call", Map.of("email", pending)), 400, "BadRequest",
                "confirmation by webhook is not configured for this app");
    }

    @Test
    void badBodiesAreJsonErrorsAndStoreNothing() {
        String email = Lifecycle.email("bad-body");
        error(given().contentType(ContentType.JSON).body("{\"email\": 5}").post(Lifecycle.route(MAIL_APP, "confirm/send")),
                400, "BadRequest", "'email' has the wrong type");
        error(given().contentType(ContentType.JSON).body("{\"email\": [\"" + email + "\"]}").post(Lifecycle.route(RESET_APP, "reset/send")),
                400, "BadRequest", "'email' has the wrong type");
        error(given().contentType(ContentType.JSON).body("null").post(Lifecycle.route(MAIL_APP, "confirm/send")),
                400, "BadRequest", "request body must be a JSON object");
        error(given().contentType(ContentType.JSON).body("{not json").post(Lifecycle.route(RESET_APP, "reset/send")),
                400, "BadRequest", "request body is not valid JSON");
        error(post(MAIL_APP, "confirm/send", Map.of()), 400, "BadRequest", "'email' is a required string");
        error(post(HOOK_APP, "reset/call", Map.of("email", email, "password", NEW_PASSWORD, "arguments", "not a list")),
                400, "BadRequest", "'arguments' must be an array");
        error(post(HOOK_APP, "reset/call", Map.of("email", email)), 400, "BadRequest",
                "password must be between 6 and 128 characters");
        error(post(RESET_APP, "reset", Map.of("token", FAKE_TOKEN, "tokenId", ObjectIds.next(), "password", "x".repeat(129))),
                400, "BadRequest", "password must be between 6 and 128 characters");
        error(post(RESET_APP, "reset", Map.of("token", FAKE_TOKEN, "tokenId", ObjectIds.next(), "password", "nul\u0000password")),
                400, "BadRequest", "'password' holds a NUL character or a lone surrogate");

        // NUL and lone surrogates never reach the field checks: the body guard refuses them on reading.
        error(post(MAIL_APP, "register", Map.of("email", "a\u0000b@example.com", "password", Lifecycle.PASSWORD)), 400,
                "BadRequest", "'email' holds a NUL character or a lone surrogate");
        for (String hostile : new String[] { "victim@example.com\r\nBcc: all@example.com",
                "a,b@example.com", "\"quoted\"@example.com", "x".repeat(300) + "@example.com" }) {
            error(post(MAIL_APP, "register", Map.of("email", hostile, "password", Lifecycle.PASSWORD)), 400, "BadRequest",
                    "email is invalid");
            error(post(MAIL_APP, "confirm/send", Map.of("email", hostile)), 400, "BadRequest", "email is invalid");
            error(post(RESET_APP, "reset/send", Map.of("email", hostile)), 400, "BadRequest", "email is invalid");
        }
        error(given().contentType(ContentType.JSON).body("{\"email\": \"\\ud800@example.com\", \"password\": \"long enough\"}")
                .post(Lifecycle.route(MAIL_APP, "register")), 400, "BadRequest", "'email' holds a NUL character or a lone surrogate");
        error(post(RESET_APP, "reset/send", Map.of("email", "x".repeat(70_000) + "@example.com")), 413, "BadRequest",
                "request too large");
        assertEquals(0L, Lifecycle.rows("select count(*) from password_credentials where email like '%,%' "
                + "or email like '%\"%' or length(email) > 254").get(0).get(0));
    }

    @Test
    void unknownAppsAndDisabledProvidersAnswerAsForLogin() {
        error(post("no-such-app", "confirm/send", Map.of("email", Lifecycle.email("x"))), 404, "AppNotFound",
                "cannot find app using Client App ID 'no-such-app'");
        Lifecycle.insertApp("anon-only-app", "{\"anon-user\": {\"enabled\": true}}");
        error(post("anon-only-app", "reset/send", Map.of("email", Lifecycle.email("x"))), 400, "AuthProviderNotFound",
                "authentication via 'local-userpass' is unsupported");
    }

    @Test
    void anyAuthorizationHeaderIsIgnored() {
        String email = Lifecycle.email("with-header");
        Lifecycle.register(RESET_APP, email);
        given().header("Authorization", "Bearer garbage.garbage.garbage").contentType(ContentType.JSON)
                .body(Map.of("email", email)).post(Lifecycle.route(RESET_APP, "reset/send"))
                .then().statusCode(204);
        Inbox.await(email);
    }

    @Test
    void oneRecipientGetsAtMostTenMailsAnHour() {
        String email = Lifecycle.email("flood");
        Lifecycle.register(RESET_APP, email);
        int accepted = 0;
        for (int i = 0; i < 11; i++) {
            int status = post(RESET_APP, "reset/send", Map.of("email", email)).statusCode();
            if (status == 204) {
                accepted++;
            } else {
                post(RESET_APP, "reset/send", Map.of("email", email)).then().statusCode(429)
                        .header("Retry-After", notNullValue())
                        .body("error_code", equalTo("TooManyRequests"));
                break;
            }
        }
        assertEquals(10, accepted);
        Inbox.await(email, 10, 30);
    }
}
