package dev.latchkey.user;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import dev.latchkey.session.LiveSessionCache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * A warm profile is served from memory, yet every change to a user's identities shows: the
 * instance that made it drops the entry before answering, and any other change (an operator's
 * SQL) arrives as the database's notice within milliseconds.
 */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class ProfileCacheTest {

    private static final String PROFILE = TestUsers.API + "/auth/profile";
    private static final String LINK = TestUsers.PROVIDERS + "/local-userpass/login?link=true";

    @Inject
    ProfileCache profiles;

    @Inject
    LiveSessionCache sessions;

    @Inject
    MeterRegistry metrics;

    @Inject
    LatchkeyConfig config;

    @Test
    void aWarmProfileIsServedFromMemory() throws Exception {
        awaitTrusted();
        Tokens user = TestUsers.registered();
        JsonPath cold = warm(user);
        double hits = hits();

        // A change the database does not announce (triggers off for this statement only) stays
        // unseen: the answer comes from memory, not from a query.
        TestSql.exec("set session_replication_role = replica; "
                + "update identities set data = '{\"name\":\"unannounced\"}'::jsonb where user_id = '" + user.userId() + "'");
        JsonPath warm = profile(user);
        assertEquals(cold.getMap(""), warm.getMap(""), "answered identically from memory");
        assertFalse(warm.getMap("data").containsKey("name"));
        assertTrue(hits() > hits, "the read was a cache hit");
    }

    @Test
    void anOperatorsChangeInSqlShowsWithinASecond() throws Exception {
        awaitTrusted();
        Tokens user = TestUsers.registered();
        warm(user);

        TestSql.exec("update identities set data = '{\"name\":\"x\"}'::jsonb where user_id = '" + user.userId() + "'");
        assertTrue(profileShowsWithin(user, p -> "x".equals(p.getString("data.name")), 1000) < 1000,
                "the notice dropped the profile");

        TestSql.exec("insert into identities (app_id, provider_type, provider_id, user_id) values ('" + TestUsers.APP
                + "', 'custom-token', 'operator-" + user.userId() + "', '" + user.userId() + "')");
        assertTrue(profileShowsWithin(user, p -> p.getList("identities").size() == 2, 1000) < 1000);

        TestSql.exec("update password_credentials set email = 'renamed-" + user.userId() + "@example.com' where user_id = '"
                + user.userId() + "'");
        assertTrue(profileShowsWithin(user,
                p -> ("renamed-" + user.userId() + "@example.com").equals(p.getString("data.email")), 1000) < 1000);
    }

    /**
     * The database's notices are switched off for the link, so only this instance's own drop can
     * make the next answer show the new identity.
     */
    @Test
    void aLinkedIdentityShowsInTheVeryNextProfile() throws Exception {
        awaitTrusted();
        Tokens anonymous = TestUsers.anonymous();
        assertEquals(List.of("anon-user"), profile(anonymous).getList("identities.provider_type"));
        String email = TestUsers.newEmail();
        TestUsers.register(email, TestUsers.PASSWORD);

        TestSql.withoutNotices(() -> {
            given().header("Authorization", anonymous.bearerAccess()).contentType(ContentType.JSON)
                    .body(Map.of("username", email, "password", TestUsers.PASSWORD))
                    .post(LINK)
                    .then().statusCode(200);
            JsonPath linked = profile(anonymous);
            assertEquals(List.of("anon-user", "local-userpass"), linked.getList("identities.provider_type"));
            assertEquals(email, linked.getString("data.email"));
        });
    }

    @Test
    void aKeysFirstLoginShowsInTheOwnersNextProfile() throws Exception {
        awaitTrusted();
        Tokens owner = TestUsers.registered();
        String key = (String) TestUsers.createKey(owner, "laptop").get("key");
        assertEquals(1, profile(owner).getList("identities").size());

        TestSql.withoutNotices(() -> {
            TestUsers.withKey(key);
            assertEquals(List.of("local-userpass", "api-key"), profile(owner).getList("identities.provider_type"));
        });
    }

    /** Only a key's first login changes its owner's identities; the logins after it keep the cached profile. */
    @Test
    void aKeysLaterLoginsKeepTheOwnersCachedProfile() throws Exception {
        awaitTrusted();
        Tokens owner = TestUsers.registered();
        String key = (String) TestUsers.createKey(owner, "phone").get("key");
        TestUsers.withKey(key);
        warm(owner);
        double hits = hits();

        for (int i = 0; i < 3; i++) {
            TestUsers.withKey(key);
            assertNotNull(profiles.get(owner.userId()), "login " + (i + 2) + " of the key kept the profile");
        }
        assertEquals(List.of("local-userpass", "api-key"), profile(owner).getList("identities.provider_type"));
        assertTrue(hits() > hits, "the read after the logins was a cache hit");
    }

    @Test
    void aUserDeletedInSqlIsRefusedWithinASecond() throws Exception {
        awaitTrusted();
        Tokens user = TestUsers.registered();
        warm(user);

        TestSql.exec("delete from users where id = '" + user.userId() + "'");
        long start = System.nanoTime();
        while (given().header("Authorization", user.bearerAccess()).get(PROFILE).statusCode() != 401) {
            assertTrue(System.nanoTime() - start < 1_000_000_000L, "refused within a second");
            Thread.sleep(2);
        }
        assertNull(profiles.get(user.userId()), "the user's notice dropped the profile too");
    }

    @Test
    void aReadCrossedByAChangeIsNotKept() {
        ProfileCache cache = new ProfileCache(config(1000), new SimpleMeterRegistry());
        cache.trust();
        ProfileCache.Entry entry = new ProfileCache.Entry(List.of(), Map.of());
        long version = cache.version("someone");
        cache.userChanged("someone");
        cache.keep("someone", entry, version);
        assertNull(cache.get("someone"));

        cache.keep("someone", entry, cache.version("someone"));
        assertNotNull(cache.get("someone"));
        cache.distrust();
        assertNull(cache.get("someone"), "nothing is trusted without the listener");

        // Versions are per stripe of users ("a" and "b" hash to different stripes): one user's
        // change does not stop another user's read from being kept; a reconnection stops every read.
        cache.trust();
        long a = cache.version("a");
        cache.userChanged("b");
        cache.keep("a", entry, a);
        assertNotNull(cache.get("a"), "another user's change does not block this read");
        long b = cache.version("b");
        cache.distrust();
        cache.trust();
        cache.keep("b", entry, b);
        assertNull(cache.get("b"), "a read from before the listener reconnected is not kept");
    }

    @Test
    void theCacheIsBounded() {
        ProfileCache small = new ProfileCache(config(10), new SimpleMeterRegistry());
        small.trust();
        ProfileCache.Entry entry = new ProfileCache.Entry(List.of(), Map.of());
        for (int i = 0; i < 1000; i++) {
            small.keep("user-" + i, entry, small.version("user-" + i));
        }
        assertTrue(small.size() <= 10, "at most the configured bound: " + small.size());
        assertTrue(profiles.size() <= config.cache().sessions());
    }

    /**
     * Reads the profile until it stays cached: the login's own notice (its identity was just
     * inserted) may arrive after the first read and drop it.
     */
    private JsonPath warm(Tokens user) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (true) {
            JsonPath read = profile(user);
            Thread.sleep(100);
            if (profiles.get(user.userId()) != null) {
                return read;
            }
            assertFalse(System.currentTimeMillis() > deadline, "the profile is kept within 5 s");
        }
    }

    private double hits() {
        return metrics.get("cache.gets").tag("cache", "profiles").tag("result", "hit").functionCounter().count();
    }

    private void awaitTrusted() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!sessions.trusted()) {
            assertFalse(System.currentTimeMillis() > deadline, "the listener subscribes within 10 s");
            Thread.sleep(20);
        }
    }

    private static JsonPath profile(Tokens user) {
        return given().header("Authorization", user.bearerAccess()).get(PROFILE).then().statusCode(200).extract().jsonPath();
    }

    private static long profileShowsWithin(Tokens user, Predicate<JsonPath> shown, long limitMillis) throws InterruptedException {
        long start = System.nanoTime();
        while (!shown.test(profile(user))) {
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            if (elapsed > limitMillis) {
                return elapsed;
            }
            Thread.sleep(2);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** A configuration whose cache holds at most {@code size} entries. */
    private static LatchkeyConfig config(int size) {
        LatchkeyConfig.Cache cache = (LatchkeyConfig.Cache) Proxy.newProxyInstance(LatchkeyConfig.class.getClassLoader(),
                new Class<?>[] { LatchkeyConfig.Cache.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "sessions" -> size;
                    case "sessionTtl" -> Duration.ofSeconds(30);
                    case "listen" -> true;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return (LatchkeyConfig) Proxy.newProxyInstance(LatchkeyConfig.class.getClassLoader(),
                new Class<?>[] { LatchkeyConfig.class }, (proxy, method, args) -> {
                    if (method.getName().equals("cache")) {
                        return cache;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
