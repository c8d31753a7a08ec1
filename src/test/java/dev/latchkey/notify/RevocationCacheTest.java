package dev.latchkey.notify;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import dev.latchkey.apikey.KeyListCache;
import dev.latchkey.session.LiveSessionCache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Sessions are served from memory, yet a revocation made anywhere, even by an operator in SQL,
 * is refused at once: the database announces it and the listener drops the entry. Without the
 * listener's connection nothing cached is trusted.
 */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class RevocationCacheTest {

    @Inject
    LiveSessionCache cache;

    @Inject
    KeyListCache keyLists;

    @Test
    void keyListsServedFromMemoryFollowEveryChangeMadeInSql() throws Exception {
        awaitTrusted();
        Tokens user = TestUsers.registered();
        TestUsers.createKey(user, "laptop");
        assertEquals(List.of(false), disabledFlags(user));
        assertTrue(keyLists.size() > 0, "the list is served from memory now");

        TestSql.exec("update api_keys set disabled = true where owner_id = '" + user.userId() + "'");
        assertTrue(listChangedWithin(user, List.of(true), 1000) < 1000, "the notice dropped the list");
        TestSql.exec("delete from api_keys where owner_id = '" + user.userId() + "'");
        assertTrue(listChangedWithin(user, List.of(), 1000) < 1000);
    }

    @Test
    void aClientReadsItsOwnKeyChangesAtOnce() {
        Tokens user = TestUsers.registered();
        for (int i = 0; i < 10; i++) {
            TestUsers.createKey(user, "key-" + i);
            assertEquals(i + 1, disabledFlags(user).size(), "a created key is listed in the next answer");
        }
        String id = given().header("Authorization", user.bearerRefresh()).get(TestUsers.API + "/auth/api_keys")
                .jsonPath().getString("[0]._id");
        given().header("Authorization", user.bearerRefresh()).put(TestUsers.API + "/auth/api_keys/" + id + "/disable")
                .then().statusCode(204);
        assertTrue(disabledFlags(user).get(0), "a disabled key is listed disabled in the next answer");
    }

    @Test
    void aSessionEndedInSqlIsRefusedWithinMilliseconds() throws Exception {
        awaitTrusted();
        Tokens user = TestUsers.registered();
        profile(user, 200);
        assertTrue(cache.size() > 0, "the session is served from memory now");

        TestSql.exec("update sessions set ended_at = now() where user_id = '" + user.userId() + "'");
        assertTrue(refusedWithin(user, 1000) < 1000, "refused once the database's notice arrived");
    }

    @Test
    void aUserDisabledInSqlIsRefusedAndOthersAreNot() throws Exception {
        awaitTrusted();
        Tokens user = TestUsers.registered();
        Tokens other = TestUsers.registered();
        profile(user, 200);
        profile(other, 200);
        TestSql.exec("update users set disabled = true where id = '" + user.userId() + "'");
        assertTrue(refusedWithin(user, 1000) < 1000);
        profile(other, 200);
    }

    @Test
    void withoutTheListenerEveryRequestReadsTheDatabase() throws Exception {
        awaitTrusted();
        Tokens user = TestUsers.registered();
        profile(user, 200);
        // Cut the listener's connection the way a network or a restart of PostgreSQL would.
        TestSql.exec("select pg_terminate_backend(pid) from pg_stat_activity where query like 'LISTEN%' and datname = current_database()");
        long deadline = System.currentTimeMillis() + 5000;
        while (cache.trusted() && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        // Either still reconnecting (not trusted), or reconnected and emptied: either way no stale entry serves.
        TestSql.exec("update sessions set ended_at = now() where user_id = '" + user.userId() + "'");
        profile(user, 401);
        awaitTrusted();
        Tokens keyOwner = TestUsers.registered();
        TestUsers.createKey(keyOwner, "laptop");
        disabledFlags(keyOwner);
        TestSql.exec("select pg_terminate_backend(pid) from pg_stat_activity where query like 'LISTEN%' and datname = current_database()");
        while (cache.trusted() && System.currentTimeMillis() < deadline + 5000) {
            Thread.sleep(10);
        }
        TestSql.exec("update api_keys set disabled = true where owner_id = '" + keyOwner.userId() + "'");
        assertEquals(List.of(true), disabledFlags(keyOwner), "no stale list serves while the listener is away");
        awaitTrusted();
        Tokens later = TestUsers.registered();
        profile(later, 200);
        assertTrue(cache.trusted(), "trusted again once subscribed again");
    }

    private void awaitTrusted() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!cache.trusted()) {
            assertFalse(System.currentTimeMillis() > deadline, "the listener subscribes within 10 s");
            Thread.sleep(20);
        }
    }

    private static long refusedWithin(Tokens user, long limitMillis) throws InterruptedException {
        long start = System.nanoTime();
        while (given().header("Authorization", user.bearerAccess()).get(TestUsers.API + "/auth/profile").statusCode() != 401) {
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            if (elapsed > limitMillis) {
                return elapsed;
            }
            Thread.sleep(2);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static List<Boolean> disabledFlags(Tokens user) {
        return given().header("Authorization", user.bearerRefresh()).get(TestUsers.API + "/auth/api_keys")
                .then().statusCode(200).extract().jsonPath().getList("disabled", Boolean.class);
    }

    private static long listChangedWithin(Tokens user, List<Boolean> expected, long limitMillis) throws InterruptedException {
        long start = System.nanoTime();
        while (!disabledFlags(user).equals(expected)) {
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            if (elapsed > limitMillis) {
                return elapsed;
            }
            Thread.sleep(2);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static void profile(Tokens user, int status) {
        given().header("Authorization", user.bearerAccess()).get(TestUsers.API + "/auth/profile").then().statusCode(status);
    }

    @Test
    void theCacheIsBounded() {
        assertEquals(true, cache.size() <= 50_000);
    }
}
