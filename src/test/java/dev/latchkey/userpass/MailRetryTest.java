package dev.latchkey.userpass;

import static dev.latchkey.userpass.Lifecycle.NEW_PASSWORD;
import static dev.latchkey.userpass.Lifecycle.RESET_APP;
import static dev.latchkey.userpass.Lifecycle.noContent;
import static dev.latchkey.userpass.Lifecycle.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * SMTP outages: the request still answers 204, the mail waits in the outbox and is retried with
 * backoff (1 s, 2 s, 4 s here), delivered when SMTP is back, or given up and kept after the last attempt.
 */
@QuarkusTest
@TestProfile(LifecycleProfile.class)
class MailRetryTest {

    @BeforeAll
    static void apps() {
        Lifecycle.createApps();
    }

    @AfterEach
    void smtpBack() {
        SmtpServer.up();
    }

    @Test
    void aMailThatFailedIsDeliveredWhenSmtpIsBack() {
        String email = Lifecycle.email("outage");
        Lifecycle.register(RESET_APP, email);
        SmtpServer.down();

        noContent(post(RESET_APP, "reset/send", Map.of("email", email)));
        List<Object> row = awaitOutbox(email, r -> ((Integer) r.get(0)) >= 1 && r.get(1) != null);
        assertEquals(1, (Integer) row.get(0), "one failed attempt so far: " + row);
        assertEquals(0, Lifecycle.rows("select 1 from userpass_tokens where app_id = ? and email = ?", RESET_APP, email).size(),
                "the failed attempt's token is withdrawn");

        SmtpServer.up();
        Inbox.Mail mail = Inbox.await(email, 1, 15);
        noContent(post(RESET_APP, "reset", Map.of("token", mail.token(), "tokenId", mail.tokenId(), "password", NEW_PASSWORD)));
        Lifecycle.loggedIn(RESET_APP, email, NEW_PASSWORD);
        assertEquals(0, Lifecycle.rows("select 1 from mail_outbox where email = ?", email).size(), "sent mails leave the outbox");
    }

    @Test
    void aMailIsGivenUpAfterTheLastAttemptAndKeptWithItsError() {
        String email = Lifecycle.email("given-up");
        Lifecycle.register(RESET_APP, email);
        SmtpServer.down();

        noContent(post(RESET_APP, "reset/send", Map.of("email", email)));
        List<Object> row = awaitOutbox(email, r -> r.get(2) != null);
        assertEquals(4, (Integer) row.get(0), "attempts");
        assertNotNull(row.get(1), "last_error");

        SmtpServer.up();
        Inbox.pause(2_500);
        assertTrue(Inbox.all(email).isEmpty(), "a given-up mail is not sent again");
    }

    /** The outbox row of {@code email}: attempts, last_error, failed_at; waits (at most 20 s) until it matches. */
    private static List<Object> awaitOutbox(String email, Predicate<List<Object>> done) {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            List<List<Object>> rows = Lifecycle.rows("select attempts, last_error, failed_at from mail_outbox where email = ?", email);
            if (!rows.isEmpty() && done.test(rows.get(0))) {
                return rows.get(0);
            }
            Inbox.pause(50);
        }
        return fail("the outbox row of " + email + " did not get there: "
                + Lifecycle.rows("select attempts, last_error, failed_at from mail_outbox where email = ?", email));
    }
}
