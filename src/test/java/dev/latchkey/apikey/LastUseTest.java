package dev.latchkey.apikey;

import static dev.latchkey.TestUsers.API;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.latchkey.ObjectIds;
import dev.latchkey.Parallel;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** last_used_at: shown on every key, written in batches from memory, never by the login itself. */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class LastUseTest {

    static final String KEYS = API + "/auth/api_keys";

    @Inject
    LastUse lastUse;

    @Inject
    ApiKeyRepository keys;

    @Test
    void loginsWriteNoRowAndEachFlushWritesAKeyOnce() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "busy");
        String id = (String) key.get("_id");
        String version = rowVersion(id);

        for (int i = 0; i < 10; i++) {
            TestUsers.withKey((String) key.get("key"));
        }

        assertEquals(version, rowVersion(id), "ten logins wrote nothing to the key's row (its xmin is unchanged)");
        given().header("Authorization", owner.bearerRefresh()).get(KEYS + "/" + id).then().body("last_used_at", nullValue());

        Instant beforeFlush = Instant.now();
        lastUse.flush().await().indefinitely();

        String written = given().header("Authorization", owner.bearerRefresh()).get(KEYS + "/" + id)
                .then().statusCode(200).extract().path("last_used_at");
        Instant lastUsed = Instant.parse(written);
        assertTrue(!lastUsed.isAfter(beforeFlush) && lastUsed.isAfter(beforeFlush.minusSeconds(60)), written);
        String afterFirstFlush = rowVersion(id);
        assertNotEquals(version, afterFirstFlush, "the flush wrote the row");

        lastUse.flush().await().indefinitely();
        assertEquals(afterFirstFlush, rowVersion(id), "nothing new to write: no write");

        for (int i = 0; i < 5; i++) {
            TestUsers.withKey((String) key.get("key"));
        }
        assertEquals(afterFirstFlush, rowVersion(id), "logins between flushes write nothing");
        lastUse.flush().await().indefinitely();
        assertNotEquals(afterFirstFlush, rowVersion(id), "the next flush writes it once more");
    }

    @Test
    void lastUseIsShownInListAndFetch() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> used = TestUsers.createKey(owner, "used");
        TestUsers.createKey(owner, "unused");
        TestUsers.withKey((String) used.get("key"));
        lastUse.flush().await().indefinitely();

        var list = given().header("Authorization", owner.bearerRefresh()).get(KEYS).then().statusCode(200).extract().jsonPath();
        assertTrue(list.getString("[0].last_used_at").endsWith("Z"), list.prettify());
        assertEquals(null, list.getString("[1].last_used_at"));
    }

    @Test
    void anOlderTimeFromAnotherInstanceNeverMovesItBack() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "shared");
        String id = (String) key.get("_id");
        OffsetDateTime later = OffsetDateTime.now(ZoneOffset.UTC).withNano(0);

        assertEquals(1, keys.writeLastUse(new String[] { id }, new OffsetDateTime[] { later }).await().indefinitely());
        assertEquals(0, keys.writeLastUse(new String[] { id }, new OffsetDateTime[] { later.minus(Duration.ofMinutes(5)) })
                .await().indefinitely(), "another instance's older note changes nothing");
        assertEquals(0, keys.writeLastUse(new String[] { id }, new OffsetDateTime[] { later }).await().indefinitely());

        given().header("Authorization", owner.bearerRefresh()).get(KEYS + "/" + id).then()
                .body("last_used_at", org.hamcrest.Matchers.equalTo(later.toInstant().toString()));
    }

    /**
     * A flush and api-key logins lock the same key rows (the logins share-lock them so a disable
     * waits for them): both must take the locks in one order, or each can end up waiting for the
     * other until PostgreSQL's deadlock check (a second) kills one and the logins stall behind it.
     */
    @Test
    void flushesBesideKeyLoginBatchesNeverDeadlock() throws Exception {
        Tokens owner = TestUsers.registered();
        List<String> ids = new ArrayList<>();
        List<byte[]> hashes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Map<String, Object> key = TestUsers.createKey(owner, "pair-" + i);
            ids.add((String) key.get("_id"));
            hashes.add(KeyCodec.hash((String) key.get("key")));
        }

        List<String> failures = Parallel.run(8, worker -> {
            Random random = new Random(worker);
            for (int round = 0; round < 40; round++) {
                try {
                    if (worker % 2 == 0) {
                        List<ApiKeyRepository.KeyLoginRequest> batch = new ArrayList<>();
                        for (byte[] hash : shuffled(hashes, random)) {
                            batch.add(new ApiKeyRepository.KeyLoginRequest(hash, TestUsers.APP, ObjectIds.next(), ObjectIds.next(),
                                    Duration.ofMinutes(5)));
                        }
                        keys.startSessions(batch).await().atMost(Duration.ofSeconds(30));
                    } else {
                        List<String> order = shuffled(ids, random);
                        OffsetDateTime[] times = new OffsetDateTime[order.size()];
                        Arrays.fill(times, OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(round));
                        keys.writeLastUse(order.toArray(String[]::new), times).await().atMost(Duration.ofSeconds(30));
                    }
                } catch (RuntimeException e) {
                    return e.toString();
                }
            }
            return null;
        });
        assertEquals(List.of(), failures.stream().filter(java.util.Objects::nonNull).toList());
    }

    private static <T> List<T> shuffled(List<T> items, Random random) {
        List<T> copy = new ArrayList<>(items);
        Collections.shuffle(copy, random);
        return copy;
    }

    /** The row's xmin: any UPDATE, even one that changes no value, gives the row a new one; a share lock does not. */
    private static String rowVersion(String keyId) {
        return TestSql.value("select xmin::text from api_keys where id = '" + keyId + "'");
    }
}
