package dev.latchkey.throttle;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import dev.latchkey.session.TokenService;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * Limits that hold under bursts and across instances (SPEC section 5): counters live in the
 * database, work is reserved before it starts, and what is kept in memory is bounded.
 */
@QuarkusTest
@TestProfile(AbuseLimitsTest.SmallLimits.class)
class AbuseLimitsTest {

    static final int REGISTRATIONS = 5;
    static final int ANONYMOUS = 5;
    static final int CACHE = 50;

    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "latchkey.throttle.registrations", Integer.toString(REGISTRATIONS),
                    "latchkey.throttle.anonymous-logins", Integer.toString(ANONYMOUS),
                    "latchkey.throttle.address-failures", "1000000",
                    "latchkey.token.verified-cache-size", Integer.toString(CACHE));
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestDatabase.class));
        }
    }

    @Inject
    TokenService tokens;

    @BeforeEach
    void freshCounters() throws Exception {
        TestSql.exec("delete from throttle_counters");
    }

    @Test
    void registrationsPerAddressAreLimited() {
        for (int i = 0; i < REGISTRATIONS; i++) {
            TestUsers.register(TestUsers.newEmail(), TestUsers.PASSWORD);
        }
        given().contentType(ContentType.JSON).body(Map.of("email", TestUsers.newEmail(), "password", TestUsers.PASSWORD))
                .post(TestUsers.PROVIDERS + "/local-userpass/register")
                .then().statusCode(429).header("Retry-After", notNullValue()).body("error_code", equalTo("TooManyRequests"));
    }

    @Test
    void anonymousLoginsPerAddressAreLimited() throws Exception {
        for (int i = 0; i < ANONYMOUS; i++) {
            TestUsers.anonymous();
        }
        long users = TestSql.count("select count(*) from users where type = 'anonymous'");
        given().contentType(ContentType.JSON).body("{}").post(TestUsers.PROVIDERS + "/anon-user/login")
                .then().statusCode(429).header("Retry-After", notNullValue()).body("error_code", equalTo("TooManyRequests"));
        assertEquals(users, TestSql.count("select count(*) from users where type = 'anonymous'"), "a refused login creates nobody");
    }

    @Test
    void aBurstOfWrongPasswordsGetsExactlyTheAccountLimitOfChecks() throws Exception {
        String email = TestUsers.newEmail();
        TestUsers.register(email, TestUsers.PASSWORD);
        int burst = 30;
        ExecutorService clients = Executors.newFixedThreadPool(burst);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < burst; i++) {
                answers.add(clients.submit(() -> given().contentType(ContentType.JSON)
                        .body(Map.of("username", email, "password", "wrong password"))
                        .post(TestUsers.PROVIDERS + "/local-userpass/login").statusCode()));
            }
            int checked = 0;
            int throttled = 0;
            for (Future<Integer> answer : answers) {
                int status = answer.get();
                checked += status == 401 ? 1 : 0;
                throttled += status == 429 ? 1 : 0;
            }
            assertEquals(10, checked, "each attempt is counted before its hash runs, so a burst cannot pass the check together");
            assertEquals(burst - 10, throttled);
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void failuresCountedByAnotherInstanceBlockHereToo() throws Exception {
        // Another instance saw this address fail 100 times and this account 10 times: counters in the database.
        String email = TestUsers.newEmail();
        TestUsers.register(email, TestUsers.PASSWORD);
        fill("login-failures/account", TestUsers.APP + "\n" + email.toLowerCase(), 10);
        given().contentType(ContentType.JSON).body(Map.of("username", email, "password", TestUsers.PASSWORD))
                .post(TestUsers.PROVIDERS + "/local-userpass/login")
                .then().statusCode(429).body("error_code", equalTo("TooManyRequests"));

        fill("login-failures/address", "127.0.0.1", 1_000_000);
        given().contentType(ContentType.JSON).body(Map.of("key", "lk_" + "x".repeat(46)))
                .post(TestUsers.PROVIDERS + "/api-key/login")
                .then().statusCode(429).header("Retry-After", notNullValue());
        // Now known here: refused at once, whatever the attempt.
        given().contentType(ContentType.JSON).body("{}").post(TestUsers.PROVIDERS + "/anon-user/login").then().statusCode(429);
    }

    @Test
    void theVerifiedTokenCacheStaysWithinItsBound() throws Exception {
        TestUsers.Tokens user = TestUsers.registered();
        for (int i = 0; i < 3 * CACHE; i++) {
            String access = given().header("Authorization", user.bearerRefresh()).post(TestUsers.API + "/auth/session")
                    .then().statusCode(201).extract().path("access_token");
            given().header("Authorization", "Bearer " + access).get(TestUsers.API + "/auth/profile").then().statusCode(200);
        }
        assertTrue(tokens.cachedTokens() <= CACHE, "cache holds " + tokens.cachedTokens() + " tokens, bound " + CACHE);
        given().header("Authorization", user.bearerAccess()).get(TestUsers.API + "/auth/profile").then().statusCode(200);
    }

    private static void fill(String limit, String subject, int count) throws Exception {
        byte[] key = MessageDigest.getInstance("SHA-256").digest((limit + "\n" + subject).getBytes(StandardCharsets.UTF_8));
        try (Connection c = TestSql.connection(); PreparedStatement s = c.prepareStatement(
                "insert into throttle_counters (key, window_start, window_end, count) values (?, now(), now() + interval '5 minutes', ?) "
                        + "on conflict (key) do update set count = excluded.count, window_end = excluded.window_end")) {
            s.setBytes(1, key);
            s.setInt(2, count);
            s.execute();
        }
    }

}
