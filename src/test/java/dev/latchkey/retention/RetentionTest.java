package dev.latchkey.retention;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The scheduled purge deletes dead sessions, unreachable anonymous users and ended counters, and nothing alive. */
@QuarkusTest
@TestProfile(RetentionTest.KeepNothingDead.class)
class RetentionTest {

    public static class KeepNothingDead implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // The schedule stays out of the way; the test runs the purge itself, with tiny batches.
            return Map.of("latchkey.retention.every", "1h", "latchkey.retention.batch", "2",
                    "latchkey.retention.sessions", "0s", "latchkey.retention.anonymous-users", "0s");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestDatabase.class));
        }
    }

    @Inject
    Retention retention;

    @Test
    void deadSessionsAbandonedAnonymousUsersAndEndedCountersGoTheLiveStay() throws Exception {
        TestUsers.Tokens alive = TestUsers.registered();
        TestUsers.Tokens loggedOut = TestUsers.registered();
        given().header("Authorization", loggedOut.bearerRefresh()).delete(TestUsers.API + "/auth/session").then().statusCode(204);
        TestUsers.Tokens anonymousAlive = TestUsers.anonymous();
        for (int i = 0; i < 5; i++) {
            TestUsers.Tokens gone = TestUsers.anonymous();
            given().header("Authorization", gone.bearerRefresh()).delete(TestUsers.API + "/auth/session").then().statusCode(204);
        }
        TestUsers.Tokens expired = TestUsers.registered();
        TestSql.exec("update sessions set expires_at = now() - interval '1 second' where user_id = '" + expired.userId() + "'");
        TestSql.exec("insert into throttle_counters (key, window_start, window_end, count) select sha256(('k' || g)::bytea), "
                + "now() - interval '2 hours', now() - interval '1 hour', 3 from generate_series(1, 5) g");

        retention.purge().await().indefinitely();

        assertEquals(0, TestSql.count("select count(*) from sessions where ended_at is not null or expires_at <= now()"),
                "ended and expired sessions are gone");
        assertEquals(1, TestSql.count("select count(*) from sessions where user_id = '" + alive.userId() + "'"), "a live session stays");
        assertEquals(1, TestSql.count("select count(*) from users where type = 'anonymous'"), "only the live anonymous user stays");
        assertEquals(0, TestSql.count("select count(*) from throttle_counters where window_end <= now()"));
        given().header("Authorization", alive.bearerRefresh()).get(TestUsers.API + "/auth/api_keys").then().statusCode(200);
        given().header("Authorization", anonymousAlive.bearerAccess()).get(TestUsers.API + "/auth/profile").then().statusCode(200);
        // Normal users stay whatever their sessions: only the dead sessions went.
        assertEquals(1, TestSql.count("select count(*) from users where id = '" + loggedOut.userId() + "'"));
    }

}
