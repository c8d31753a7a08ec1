package dev.latchkey.userpass;

import static dev.latchkey.TestUsers.API;
import static dev.latchkey.userpass.Lifecycle.HOOK_APP;
import static dev.latchkey.userpass.Lifecycle.NEW_PASSWORD;
import static dev.latchkey.userpass.Lifecycle.PASSWORD;
import static dev.latchkey.userpass.Lifecycle.error;
import static dev.latchkey.userpass.Lifecycle.noContent;
import static dev.latchkey.userpass.Lifecycle.post;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.latchkey.TestUsers;
import dev.latchkey.userpass.WebhookReceiver.Answer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** Confirmation and reset by webhook, against a receiver that checks the signature and answers as told. */
@QuarkusTest
@TestProfile(LifecycleProfile.class)
class WebhookTest {

    static final WebhookReceiver HOOKS = WebhookReceiver.get();

    @BeforeAll
    static void apps() {
        Lifecycle.createApps();
    }

    @Test
    void successConfirmsAtRegistrationWithASignedBodyThatHoldsNoPassword() {
        String email = Lifecycle.email("hook-success");
        HOOKS.answer(email, Answer.SUCCESS);
        Lifecycle.register(HOOK_APP, email);
        Lifecycle.loggedIn(HOOK_APP, email, PASSWORD);

        WebhookReceiver.Call call = only(email);
        assertTrue(call.signed(), "Latchkey-Signature verifies with the app's secret");
        assertTrue(Math.abs(System.currentTimeMillis() / 1000 - call.signedAt()) < 60);
        assertEquals("/confirm", call.path());
        assertEquals("confirm", call.text("type"));
        assertEquals(HOOK_APP, call.text("app_id"));
        assertTrue(call.text("token").matches("[A-Za-z0-9_-]{43}"));
        assertTrue(call.text("token_id").matches("[0-9a-f]{24}"));
        assertTrue(call.body().get("arguments").isArray());
        assertFalse(call.rawBody().contains(PASSWORD), "never the password");
    }

    @Test
    void pendingLeavesTheUserPendingUntilTheReceiverConfirmsWithTheToken() {
        String email = Lifecycle.email("hook-pending");
        HOOKS.answer(email, Answer.PENDING);
        Lifecycle.register(HOOK_APP, email);
        error(Lifecycle.logIn(HOOK_APP, email, PASSWORD), 401, "AuthError", "unauthorized");

        WebhookReceiver.Call call = only(email);
        noContent(post(HOOK_APP, "confirm", Map.of("token", call.text("token"), "tokenId", call.text("token_id"))));
        Lifecycle.loggedIn(HOOK_APP, email, PASSWORD);
    }

    @Test
    void failAtRegistrationIsBadRequestAndLeavesNoAccount() {
        String email = Lifecycle.email("hook-fail");
        HOOKS.answer(email, Answer.FAIL);
        error(post(HOOK_APP, "register", Map.of("email", email, "password", PASSWORD)),
                400, "BadRequest", "failed to confirm user \"" + email + "\"");
        error(post(HOOK_APP, "confirm/call", Map.of("email", email)), 404, "UserNotFound", "user not found");

        HOOKS.answer(email, Answer.SUCCESS);
        Lifecycle.register(HOOK_APP, email);
        Lifecycle.loggedIn(HOOK_APP, email, PASSWORD);
    }

    @Test
    void confirmCallRunsTheWebhookAgainForAPendingUser() {
        String email = Lifecycle.email("hook-retry");
        HOOKS.answer(email, Answer.PENDING);
        Lifecycle.register(HOOK_APP, email);

        HOOKS.answer(email, Answer.FAIL);
        error(post(HOOK_APP, "confirm/call", Map.of("email", email)), 400, "BadRequest", "failed to confirm user \"" + email + "\"");
        error(Lifecycle.logIn(HOOK_APP, email, PASSWORD), 401, "AuthError", "unauthorized");

        HOOKS.answer(email, Answer.SUCCESS);
        noContent(post(HOOK_APP, "confirm/call", Map.of("email", email)));
        Lifecycle.loggedIn(HOOK_APP, email, PASSWORD);
        assertEquals(3, HOOKS.callsFor(email).size());
        error(post(HOOK_APP, "confirm/call", Map.of("email", email)), 400, "UserAlreadyConfirmed", "already confirmed");
    }

    @Test
    void resetCallSuccessSetsThePasswordAtOnceAndEndsSessions() {
        String email = confirmedUser("hook-reset");
        TestUsers.Tokens before = Lifecycle.loggedIn(HOOK_APP, email, PASSWORD);

        noContent(post(HOOK_APP, "reset/call", Map.of("email", email, "password", NEW_PASSWORD,
                "arguments", List.of("security answer", Map.of("$numberInt", "42")))));

        WebhookReceiver.Call call = HOOKS.callsFor(email).get(1);
        assertEquals("/reset", call.path());
        assertEquals("reset", call.text("type"));
        assertTrue(call.signed());
        assertEquals("[\"security answer\",{\"$numberInt\":\"42\"}]", call.body().get("arguments").toString(),
                "the client's arguments reach the receiver as sent");
        assertFalse(call.rawBody().contains(NEW_PASSWORD), "never the password");

        error(given().header("Authorization", before.bearerRefresh()).post(API + "/auth/session"),
                401, "InvalidSession", "invalid session: failed to find refresh token");
        error(Lifecycle.logIn(HOOK_APP, email, PASSWORD), 401, "InvalidPassword", "invalid username/password");
        Lifecycle.loggedIn(HOOK_APP, email, NEW_PASSWORD);
    }

    @Test
    void resetCallPendingHandsTheReceiverATokenForALaterReset() {
        String email = confirmedUser("hook-reset-pending");
        HOOKS.answer(email, Answer.PENDING);
        noContent(post(HOOK_APP, "reset/call", Map.of("email", email, "password", "not this one", "arguments", List.of())));
        Lifecycle.loggedIn(HOOK_APP, email, PASSWORD);

        WebhookReceiver.Call call = HOOKS.callsFor(email).get(1);
        noContent(post(HOOK_APP, "reset", Map.of("token", call.text("token"), "tokenId", call.text("token_id"),
                "password", NEW_PASSWORD)));
        Lifecycle.loggedIn(HOOK_APP, email, NEW_PASSWORD);
    }

    @Test
    void resetCallFailAndBrokenReceiversChangeNothing() {
        String email = confirmedUser("hook-reset-fail");
        String failed = "failed to reset password for user \"" + email + "\"";
        for (Answer answer : new Answer[] { Answer.FAIL, Answer.GARBAGE, Answer.ERROR, Answer.HUGE }) {
            HOOKS.answer(email, answer);
            error(post(HOOK_APP, "reset/call", Map.of("email", email, "password", NEW_PASSWORD, "arguments", List.of())),
                    400, "BadRequest", failed);
        }
        Lifecycle.loggedIn(HOOK_APP, email, PASSWORD);
        assertEquals(0L, Lifecycle.rows("select count(*) from userpass_tokens where app_id = ? and email = ? and purpose = 'reset'",
                HOOK_APP, email).get(0).get(0), "a refused reset leaves no token behind");
    }

    @Test
    void aReceiverThatNeverAnswersFailsAfterFiveSeconds() {
        String email = confirmedUser("hook-silent");
        HOOKS.answer(email, Answer.SILENT);
        long start = System.nanoTime();
        Response response = post(HOOK_APP, "reset/call", Map.of("email", email, "password", NEW_PASSWORD));
        long millis = (System.nanoTime() - start) / 1_000_000;
        error(response, 400, "BadRequest", "failed to reset password for user \"" + email + "\"");
        assertTrue(millis >= 4_900 && millis < 8_000, "answered after " + millis + " ms");
        Lifecycle.loggedIn(HOOK_APP, email, PASSWORD);
    }

    @Test
    void unknownEmailsAreUserNotFoundWithoutCallingTheWebhook() {
        String email = Lifecycle.email("hook-nobody");
        error(post(HOOK_APP, "confirm/call", Map.of("email", email)), 404, "UserNotFound", "user not found");
        error(post(HOOK_APP, "reset/call", Map.of("email", email, "password", NEW_PASSWORD)), 404, "UserNotFound", "user not found");
        assertEquals(0, HOOKS.callsFor(email).size());
    }

    /** Registered and confirmed through the webhook; the receiver answers success to one call so far. */
    private static String confirmedUser(String tag) {
        String email = Lifecycle.email(tag);
        HOOKS.answer(email, Answer.SUCCESS);
        Lifecycle.register(HOOK_APP, email);
        return email;
    }

    private static WebhookReceiver.Call only(String email) {
        List<WebhookReceiver.Call> calls = HOOKS.callsFor(email);
        assertEquals(1, calls.size());
        return calls.get(0);
    }
}
