package dev.latchkey.apikey;

import static dev.latchkey.TestUsers.PROVIDERS;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.latchkey.ObjectIds;
import dev.latchkey.Parallel;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import dev.latchkey.apikey.ApiKeyRepository.KeyLogin;
import dev.latchkey.error.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * Api-key logins that arrive together share a statement (one commit), and each still gets exactly
 * its own answer: its own session for its own key's owner, or a refusal that touches nobody else.
 */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class KeyLoginsTest {

    @Inject
    KeyLogins logins;

    @Inject
    MeterRegistry metrics;

    @Test
    void loginsArrivingTogetherShareStatementsAndEachGetsItsOwnSession() throws Exception {
        Tokens ada = TestUsers.registered();
        Tokens bob = TestUsers.registered();
        String adaKey = (String) TestUsers.createKey(ada, "ada-key").get("key");
        String bobKey = (String) TestUsers.createKey(bob, "bob-key").get("key");
        String wrongKey = KeyCodec.newKey();

        long before = logins.statements();
        long timedBefore = metrics.get("latchkey.key.logins.statement").timer().count();
        long batchesBefore = metrics.get("latchkey.key.logins.batch").summary().count();
        double batchedBefore = metrics.get("latchkey.key.logins.batch").summary().totalAmount();
        long waitsBefore = metrics.get("latchkey.key.logins.wait").timer().count();
        int n = 40;
        List<CompletableFuture<KeyLogin>> started = new ArrayList<>();
        List<String> sessions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String key = i % 5 == 4 ? wrongKey : i % 2 == 0 ? adaKey : bobKey;
            String session = ObjectIds.next();
            sessions.add(session);
            // Subscribed at once, from this thread: all forty are queued within microseconds.
            started.add(logins.start(KeyCodec.hash(key), TestUsers.APP, session, ObjectIds.next(), Duration.ofHours(1))
                    .subscribeAsCompletionStage());
        }
        List<KeyLogin> answers = new ArrayList<>();
        for (CompletableFuture<KeyLogin> login : started) {
            answers.add(login.get(30, TimeUnit.SECONDS));
        }
        long statements = logins.statements() - before;

        for (int i = 0; i < n; i++) {
            KeyLogin answer = answers.get(i);
            if (i % 5 == 4) {
                assertNull(answer, "the wrong key of login " + i + " matched nothing");
                continue;
            }
            assertNotNull(answer, "login " + i);
            assertEquals(i % 2 == 0 ? ada.userId() : bob.userId(), answer.ownerId(), "login " + i + " is its own key's owner");
        }
        assertTrue(statements <= KeyLogins.MAX_IN_FLIGHT + 4, n + " logins took " + statements + " statements");
        assertEquals(statements, metrics.get("latchkey.key.logins.statement").timer().count() - timedBefore, "each statement timed");
        assertEquals(statements, metrics.get("latchkey.key.logins.batch").summary().count() - batchesBefore, "each batch counted");
        assertEquals(n, metrics.get("latchkey.key.logins.batch").summary().totalAmount() - batchedBefore, 0.0001,
                "every login, matched or not, in one batch");
        assertEquals(n, metrics.get("latchkey.key.logins.wait").timer().count() - waitsBefore, "every login's wait timed");
        assertEquals(0, metrics.get("latchkey.key.logins.queued").gauge().value(), "none left waiting");
        assertEquals(0, metrics.get("latchkey.key.logins.running").gauge().value(), "no statement left running");
        assertEquals(n - n / 5, TestSql.count("select count(*) from sessions where id in ("
                + String.join(",", sessions.stream().map(s -> "'" + s + "'").toList()) + ")"),
                "one session for each login that matched, none for the refused ones");
    }

    @Inject
    ApiKeyRepository keys;

    /** One statement runs (a day is never a stall here), 8 wait, the other 31 are refused at once. */
    @Test
    void aFloodPastTheQueueIsRefusedAtOnceAndTheRestStillLogIn() throws Exception {
        assertEquals(31, flood(new KeyLogins(keys, 8, Duration.ofDays(1), new SimpleMeterRegistry())), "refused past 1 running and 8 waiting");
    }

    /** When every statement counts as stalled at once, 4 run beside each other, 8 wait, 28 are refused. */
    @Test
    void stalledStatementsLetOthersStartUpToTheLimit() throws Exception {
        assertEquals(28, flood(new KeyLogins(keys, 8, Duration.ZERO, new SimpleMeterRegistry())), "refused past 4 running and 8 waiting");
    }

    /**
     * A statement that waits on a key's row lock (a rotation in progress, say) holds only the logins
     * in it: once it has run for longer than the stall, the next login starts its own statement.
     */
    @Test
    void aLoginAfterTheRunningStatementStalledDoesNotWaitForIt() throws Exception {
        Tokens owner = TestUsers.registered();
        Map<String, Object> locked = TestUsers.createKey(owner, "locked");
        String other = (String) TestUsers.createKey(owner, "other").get("key");
        KeyLogins stalling = new KeyLogins(keys, 8, Duration.ofMillis(10), new SimpleMeterRegistry());
        try (Connection lock = TestSql.lockingKeyRow(locked.get("_id"))) {
            CompletableFuture<KeyLogin> waiting = stalling.start(KeyCodec.hash((String) locked.get("key")), TestUsers.APP,
                    ObjectIds.next(), ObjectIds.next(), Duration.ofHours(1)).subscribeAsCompletionStage();
            Thread.sleep(100);
            KeyLogin beside = stalling.start(KeyCodec.hash(other), TestUsers.APP, ObjectIds.next(), ObjectIds.next(),
                    Duration.ofHours(1)).subscribeAsCompletionStage().get(30, TimeUnit.SECONDS);
            assertEquals(owner.userId(), beside.ownerId(), "the other key logged in while the first statement waited");
            assertFalse(waiting.isDone(), "the login of the locked key still waits for the lock");
            assertEquals(2, stalling.statements());
            lock.commit();
            assertEquals(owner.userId(), waiting.get(30, TimeUnit.SECONDS).ownerId());
        }
    }

    /**
     * Sends 40 logins of one key while its row is locked, so no statement can finish and free a
     * place in the meantime: how many are refused does not depend on the machine's speed. Every
     * login not refused (503) logs in once the lock is gone; the number refused.
     */
    private int flood(KeyLogins small) throws Exception {
        Tokens owner = TestUsers.registered();
        Map<String, Object> created = TestUsers.createKey(owner, "flooded");
        String key = (String) created.get("key");
        List<CompletableFuture<KeyLogin>> started = new ArrayList<>();
        try (Connection lock = TestSql.lockingKeyRow(created.get("_id"))) {
            for (int i = 0; i < 40; i++) {
                started.add(small.start(KeyCodec.hash(key), TestUsers.APP, ObjectIds.next(), ObjectIds.next(), Duration.ofHours(1))
                        .subscribeAsCompletionStage());
            }
            lock.commit();
        }
        int refused = 0;
        for (CompletableFuture<KeyLogin> login : started) {
            try {
                assertEquals(owner.userId(), login.get(30, TimeUnit.SECONDS).ownerId());
            } catch (ExecutionException e) {
                ApiException cause = (ApiException) e.getCause();
                assertEquals(503, cause.status(), "a refused login is 503, not a failure of another kind");
                refused++;
            }
        }
        return refused;
    }

    @Test
    void parallelLoginsOverHttpEachWork() throws Exception {
        Tokens owner = TestUsers.registered();
        String key = (String) TestUsers.createKey(owner, "fleet").get("key");

        List<Map<String, Object>> answers = Parallel.run(32, i -> given().contentType(ContentType.JSON)
                .body(Map.of("key", i % 8 == 7 ? KeyCodec.newKey() : key))
                .post(PROVIDERS + "/api-key/login")
                .then().extract().jsonPath().getMap(""));

        Set<String> refreshTokens = new HashSet<>();
        for (int i = 0; i < answers.size(); i++) {
            Map<String, Object> answer = answers.get(i);
            if (i % 8 == 7) {
                assertEquals("AuthError", answer.get("error_code"), "login " + i);
                continue;
            }
            assertEquals(owner.userId(), answer.get("user_id"), "login " + i);
            refreshTokens.add((String) answer.get("refresh_token"));
        }
        assertEquals(28, refreshTokens.size(), "every login its own session");
    }
}
