package dev.latchkey.leak;

import static dev.latchkey.TestUsers.API;
import static dev.latchkey.TestUsers.PROVIDERS;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.latchkey.ObjectIds;
import dev.latchkey.TcpProxy;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import dev.latchkey.apikey.KeyCodec;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * {@code POST /api/secret-scanning/github}: reports signed by a test key pair acting as GitHub
 * (FakeGithub publishes its public half the way GitHub does). The database sits behind a proxy
 * the tests can cut, to show which reports need no database at all.
 */
@QuarkusTest
@TestProfile(GithubLeakReportTest.GithubProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GithubLeakReportTest {

    public static class GithubProfile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestDatabase.class, Map.of(TestDatabase.OUTAGE_PROXY, "true")),
                    new TestResourceEntry(FakeGithub.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("latchkey.request-deadline", "3s", "latchkey.database.acquire-timeout", "2s",
                    "latchkey.secret-scanning.address-failures", "40");
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    static final String REPORTS = "/api/secret-scanning/github";
    static final String KEYS = API + "/auth/api_keys";
    static final String TYPE = "latchkey_api_key";

    @AfterEach
    void databaseBack() throws InterruptedException {
        TcpProxy.setReachable(true);
        long deadline = System.currentTimeMillis() + 20_000;
        while (given().get("/q/health/ready").statusCode() != 200) {
            assertTrue(System.currentTimeMillis() < deadline, "the database came back");
            Thread.sleep(200);
        }
    }

    @Test
    @Order(1)
    void aReportedKeyIsDisabledAtOnceItsSessionsEndAndItsOwnerHearsOfIt() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> leaked = TestUsers.createKey(owner, "leaked");
        Map<String, Object> kept = TestUsers.createKey(owner, "kept");
        Tokens robot = TestUsers.withKey((String) leaked.get("key"));
        Tokens other = TestUsers.withKey((String) kept.get("key"));
        String token = (String) leaked.get("key");
        String url = "https://github.com/octo/app/blob/" + "ab12".repeat(10) + "/config.js";
        byte[] body = report(List.of(entry(token, url, "content"), entry("ghp_somebody_elses_token", "", "commit")));

        Response response = send(body, FakeGithub.current());

        response.then().statusCode(200).header("Content-Type", "application/json");
        assertEquals(List.of(Map.of("token_hash", sha256(token), "token_type", TYPE, "label", "true_positive"),
                Map.of("token_hash", sha256("ghp_somebody_elses_token"), "token_type", TYPE, "label", "false_positive")),
                response.jsonPath().getList(""));
        given().header("Authorization", owner.bearerRefresh()).get(KEYS + "/" + leaked.get("_id"))
                .then().statusCode(200).body("disabled", equalTo(true));
        refused(token);
        ended(robot);
        given().header("Authorization", other.bearerRefresh()).post(API + "/auth/session").then().statusCode(201);
        given().header("Authorization", owner.bearerRefresh()).post(API + "/auth/session").then().statusCode(201);

        List<String> events = TestSql.column("select concat_ws(' | ', type, user_id, actor, outcome, detail->>'url', "
                + "detail->>'source', detail->>'value') from audit_events where type = 'api_key.leak' and api_key_id = '"
                + leaked.get("_id") + "'");
        assertEquals(List.of(String.join(" | ", "api_key.leak", owner.userId(), "github-secret-scanning", "success", url,
                "content", "current")), events);
        assertEquals(0, TestSql.count("select count(*) from audit_events t where t::text like '%" + token + "%'"
                + " or t::text like '%" + token.substring(3, 20) + "%'"), "the token is nowhere in the trail");
        System.out.println("leak report: " + new String(body, StandardCharsets.UTF_8) + "\n -> " + response.asString()
                + "\n audit: " + TestSql.value("select row_to_json(t)::text from audit_events t where type = 'api_key.leak' and api_key_id = '"
                        + leaked.get("_id") + "'"));
    }

    @Test
    @Order(2)
    void aReportedEarlierValueOfARotatedKeyDisablesItToo() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "rotated-then-leaked");
        String old = (String) key.get("key");
        String fresh = given().header("Authorization", owner.bearerRefresh()).contentType(ContentType.JSON)
                .body(Map.of("grace_seconds", 3600)).post(KEYS + "/" + key.get("_id") + "/rotate")
                .then().statusCode(201).extract().path("key");
        Tokens onFresh = TestUsers.withKey(fresh);

        send(report(List.of(entry(old, "https://github.com/octo/app/commit/1", "commit"))), FakeGithub.current())
                .then().statusCode(200).body("[0].label", equalTo("true_positive"));

        refused(old);
        refused(fresh);
        ended(onFresh);
        assertEquals("previous", TestSql.value("select detail->>'value' from audit_events where api_key_id = '" + key.get("_id")
                + "' and type = 'api_key.leak'"));
    }

    @Test
    @Order(3)
    void aMissingOrBadSignatureIs401AndChangesNothing() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "safe");
        byte[] body = report(List.of(entry((String) key.get("key"), "https://example.com/x", "content")));
        FakeGithub.SigningKey impostor = new FakeGithub.SigningKey(FakeGithub.current().identifier(),
                FakeGithub.newKey("x").pair());

        unauthorized(send(body, impostor));
        unauthorized(given().contentType(ContentType.JSON).body(body).post(REPORTS));
        unauthorized(given().contentType(ContentType.JSON).header("Github-Public-Key-Identifier", FakeGithub.current().identifier())
                .body(body).post(REPORTS));
        unauthorized(given().contentType(ContentType.JSON).header("Github-Public-Key-Identifier", FakeGithub.current().identifier())
                .header("Github-Public-Key-Signature", "not base64!").body(body).post(REPORTS));
        unauthorized(given().contentType(ContentType.JSON).header("Github-Public-Key-Identifier", FakeGithub.current().identifier())
                .header("Github-Public-Key-Signature", FakeGithub.current().sign(new byte[0])).post(REPORTS));

        untouched(owner, key);
    }

    @Test
    @Order(4)
    void aSignedBodyReplayedWithOneByteChangedIs401() {
        Tokens owner = TestUsers.registered();
        Map<String, Object> key = TestUsers.createKey(owner, "replayed");
        byte[] body = report(List.of(entry((String) key.get("key"), "https://example.com/a", "content")));
        String signature = FakeGithub.current().sign(body);
        byte[] changed = body.clone();
        int at = new String(body, StandardCharsets.UTF_8).indexOf("/a\"") + 1;
        changed[at] = (byte) 'b';

        unauthorized(given().contentType(ContentType.JSON).header("Github-Public-Key-Identifier", FakeGithub.current().identifier())
                .header("Github-Public-Key-Signature", signature).body(changed).post(REPORTS));
        untouched(owner, key);

        given().contentType(ContentType.JSON).header("Github-Public-Key-Identifier", FakeGithub.current().identifier())
                .header("Github-Public-Key-Signature", signature).body(body).post(REPORTS)
                .then().statusCode(200).body("[0].label", equalTo("true_positive"));
    }

    @Test
    @Order(5)
    void anUnknownKeyIdentifierIs401AndAsksGithubAtMostOncePerInterval() throws InterruptedException {
        byte[] body = report(List.of(entry("ghp_x", "", "content")));
        send(body, FakeGithub.current()).then().statusCode(200);
        Thread.sleep(2100);
        int before = FakeGithub.fetches();

        for (int i = 0; i < 5; i++) {
            unauthorized(send(body, FakeGithub.newKey("made-up-" + i)));
        }
        assertEquals(1, FakeGithub.fetches() - before, "five unknown identifiers within the interval: one fetch");

        FakeGithub.SigningKey next = FakeGithub.newKey("github-key-2");
        FakeGithub.publish(next);
        Thread.sleep(2100);
        send(body, next).then().statusCode(200).body("[0].label", equalTo("false_positive"));
        send(body, FakeGithub.newKey("github-key-1")).then().statusCode(401);
        assertEquals(2, FakeGithub.fetches() - before, "GitHub's new key was fetched once it was named");
    }

    @Test
    @Order(6)
    void tokensThatAreNotLatchkeyKeysAreFalsePositivesWithoutADatabaseRead() throws InterruptedException {
        String wrongChecksum = KeyCodec.newKey();
        wrongChecksum = wrongChecksum.substring(0, wrongChecksum.length() - 1) + (wrongChecksum.endsWith("a") ? "b" : "a");
        List<String> tokens = List.of("ghp_0123456789abcdef", "lk_short", wrongChecksum, "sk_" + KeyCodec.newKey().substring(3), "");
        List<Map<String, Object>> entries = new ArrayList<>();
        for (String token : tokens) {
            entries.add(entry(token, "https://example.com", "content"));
        }
        send(report(entries), FakeGithub.current()).then().statusCode(200);
        TcpProxy.setReachable(false);
        Thread.sleep(200);

        Response response = send(report(entries), FakeGithub.current());

        response.then().statusCode(200);
        assertEquals(tokens.stream().map(GithubLeakReportTest::sha256).toList(), response.jsonPath().getList("token_hash"));
        assertEquals(List.of("false_positive"), response.jsonPath().getList("label").stream().distinct().toList());
        send(report(List.of(entry(KeyCodec.newKey(), "", "content"))), FakeGithub.current())
                .then().statusCode(503).body("error_code", equalTo("ServiceUnavailable"));
    }

    @Test
    @Order(7)
    void aThousandTokensAreAnsweredWellWithinThirtySeconds() {
        Tokens owner = TestUsers.registered();
        List<String> real = new ArrayList<>();
        StringBuilder insert = new StringBuilder("insert into api_keys (id, owner_id, name, key_hash) values ");
        for (int i = 0; i < 500; i++) {
            String value = KeyCodec.newKey();
            real.add(value);
            insert.append(i == 0 ? "" : ",").append("('").append(ObjectIds.next()).append("', '").append(owner.userId())
                    .append("', 'bulk-").append(i).append("', decode('").append(HexFormat.of().formatHex(KeyCodec.hash(value)))
                    .append("', 'hex'))");
        }
        TestSql.exec(insert.toString());
        Tokens robot = TestUsers.withKey(real.get(0));
        List<Map<String, Object>> entries = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String token = i % 2 == 0 ? real.get(i / 2) : i % 4 == 1 ? KeyCodec.newKey() : "ghp_" + i;
            entries.add(entry(token, "https://github.com/octo/app/blob/" + "0123456789".repeat(4) + "/src/file" + i + ".js", "content"));
        }
        byte[] body = report(entries);
        assertTrue(body.length > 64 * 1024, "over the 64 KiB of the client API: " + body.length);

        long started = System.nanoTime();
        Response response = send(body, FakeGithub.current());
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("1000-token report (" + body.length + " bytes, 500 Latchkey keys): answered in " + millis + " ms");

        response.then().statusCode(200);
        List<String> labels = response.jsonPath().getList("label");
        assertEquals(1000, labels.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals(i % 2 == 0 ? "true_positive" : "false_positive", labels.get(i), "token " + i);
        }
        assertTrue(millis < 30_000, millis + " ms");
        assertEquals(500, TestSql.count("select count(*) from api_keys where owner_id = '" + owner.userId() + "' and disabled"));
        assertEquals(500, TestSql.count("select count(*) from audit_events where type = 'api_key.leak' and user_id = '"
                + owner.userId() + "'"));
        ended(robot);
    }

    @Test
    @Order(8)
    void reportsThatAreNotSignedArraysOfTokensOrTooLargeAreRefused() {
        for (String bad : new String[] { "{}", "[1]", "[{\"type\":\"t\"}]", "[{\"token\":5}]", "not json" }) {
            byte[] body = bad.getBytes(StandardCharsets.UTF_8);
            send(body, FakeGithub.current()).then().statusCode(400).header("Content-Type", "application/json")
                    .body("error_code", equalTo("BadRequest"));
        }
        List<Map<String, Object>> many = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            many.add(entry("t" + i, "", "content"));
        }
        send(report(many), FakeGithub.current()).then().statusCode(413).body("error_code", equalTo("BadRequest"));
        byte[] huge = ("[{\"token\":\"t\",\"url\":\"" + "u".repeat(1024 * 1024) + "\"}]").getBytes(StandardCharsets.UTF_8);
        send(huge, FakeGithub.current()).then().statusCode(413).header("Content-Type", "application/json")
                .body("error", equalTo("request too large"));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void repeatedBadSignaturesFromOneAddressGet429WithoutACheck() {
        byte[] body = report(List.of(entry("ghp_x", "", "content")));
        FakeGithub.SigningKey impostor = new FakeGithub.SigningKey(FakeGithub.current().identifier(), FakeGithub.newKey("x").pair());
        int status = 401;
        for (int i = 0; i < 60 && status == 401; i++) {
            status = send(body, impostor).statusCode();
        }
        assertEquals(429, status);
        send(body, FakeGithub.current()).then().statusCode(429).header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("error_code", equalTo("TooManyRequests"));
    }

    static Map<String, Object> entry(String token, String url, String source) {
        return Map.of("token", token, "type", TYPE, "url", url, "source", source);
    }

    /** The report as GitHub would send it: JSON bytes, signed exactly as they are. */
    static byte[] report(List<Map<String, Object>> entries) {
        try {
            return new ObjectMapper().writeValueAsBytes(entries);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Response send(byte[] body, FakeGithub.SigningKey key) {
        return given().contentType(ContentType.JSON)
                .header("Github-Public-Key-Identifier", key.identifier())
                .header("Github-Public-Key-Signature", key.sign(body))
                .body(body).post(REPORTS);
    }

    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void unauthorized(Response response) {
        response.then().statusCode(401).header("Content-Type", "application/json").body("error_code", equalTo("Unauthorized"));
    }

    private static void untouched(Tokens owner, Map<String, Object> key) {
        given().header("Authorization", owner.bearerRefresh()).get(KEYS + "/" + key.get("_id"))
                .then().statusCode(200).body("disabled", equalTo(false));
        assertEquals(owner.userId(), TestUsers.withKey((String) key.get("key")).userId());
        assertFalse(TestSql.count("select count(*) from audit_events where type = 'api_key.leak' and api_key_id = '"
                + key.get("_id") + "'") > 0, "no leak recorded");
    }

    private static void refused(String key) {
        given().contentType(ContentType.JSON).body(Map.of("key", key)).post(PROVIDERS + "/api-key/login")
                .then().statusCode(401).body("error_code", equalTo("AuthError"));
    }

    private static void ended(Tokens session) {
        given().header("Authorization", session.bearerRefresh()).post(API + "/auth/session")
                .then().statusCode(401).body("error", equalTo("invalid session: failed to find refresh token"));
    }
}
