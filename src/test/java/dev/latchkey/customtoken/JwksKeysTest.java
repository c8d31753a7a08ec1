package dev.latchkey.customtoken;

import static dev.latchkey.customtoken.CustomTokens.claims;
import static dev.latchkey.customtoken.CustomTokens.login;
import static dev.latchkey.customtoken.CustomTokens.newSub;
import static dev.latchkey.customtoken.CustomTokens.sign;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * RS256 and ES256 tokens checked with keys from the app's {@code jwks_uri}, served by a test
 * identity provider on 127.0.0.1 that counts its fetches. The profile sets a 1 s minimum between
 * fetches, 2 s of freshness and a 1 s timeout.
 */
@QuarkusTest
@TestProfile(CustomTokens.Profile.class)
class JwksKeysTest {

    TestIdp idp;

    @BeforeEach
    void startIdp() {
        idp = TestIdp.start();
    }

    @AfterEach
    void stopIdp() {
        idp.close();
    }

    static String rs256(PublicJsonWebKey key, Map<String, Object> claims) {
        return sign("RS256", key.getPrivateKey(), key.getKeyId(), claims, Map.of());
    }

    static void refused(Response response, String reason) {
        response.then().statusCode(401)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("AuthError"))
                .body("error", equalTo("invalid custom auth token: " + reason));
    }

    static void unavailable(Response response) {
        response.then().statusCode(503)
                .header("Content-Type", "application/json")
                .header("Retry-After", notNullValue())
                .body("error_code", equalTo("ServiceUnavailable"));
    }

    @Test
    void rs256TokenSignedByAPublishedKeyLogsIn() {
        PublicJsonWebKey key = idp.addRsaKey("rsa-1");
        String app = CustomTokens.jwksApp("RS256", idp.jwksUri());
        String sub = newSub();
        String userId = login(app, rs256(key, claims(sub, app))).then().statusCode(200).extract().path("user_id");
        login(app, rs256(key, claims(sub, app))).then().statusCode(200).body("user_id", equalTo(userId));
        assertEquals(1, idp.fetches(), "known keys are not fetched again while fresh");
    }

    @Test
    void es256TokenSignedByAPublishedKeyLogsIn() {
        idp.addRsaKey("rsa-beside");
        PublicJsonWebKey key = idp.addEcKey("ec-1");
        String app = CustomTokens.jwksApp("ES256", idp.jwksUri());
        login(app, sign("ES256", key.getPrivateKey(), "ec-1", claims(newSub(), app), Map.of())).then().statusCode(200);
        // Without a kid, every EC signing key of the set is tried.
        login(app, sign("ES256", key.getPrivateKey(), null, claims(newSub(), app), Map.of())).then().statusCode(200);
    }

    @Test
    void algorithmConfusionIsRefused() {
        PublicJsonWebKey key = idp.addRsaKey("rsa-1");
        String app = CustomTokens.jwksApp("RS256", idp.jwksUri());
        byte[] publicKey = key.getPublicKey().getEncoded();
        String pem = "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(publicKey)
                + "\n-----END PUBLIC KEY-----\n";
        // HS256 keyed with the public key, as DER and as PEM: the app takes RS256 only.
        refused(login(app, sign("HS256", new HmacKey(publicKey), "rsa-1", claims(newSub(), app), Map.of())),
                "unexpected signing algorithm");
        refused(login(app, sign("HS256", new HmacKey(pem.getBytes()), "rsa-1", claims(newSub(), app), Map.of())),
                "unexpected signing algorithm");
        // The header claims RS256, the signature is an HMAC of the public key.
        refused(login(app, CustomTokens.hmacSigned(Map.of("alg", "RS256", "kid", "rsa-1"), publicKey, claims(newSub(), app))),
                "bad signature");
        refused(login(app, CustomTokens.unsigned(claims(newSub(), app))), "unexpected signing algorithm");
        // An ES256 token to an RS256 app, and an HS256 secret app's token: the same.
        refused(login(app, sign("ES256", idp.addEcKey("ec-1").getPrivateKey(), "ec-1", claims(newSub(), app), Map.of())),
                "unexpected signing algorithm");
        refused(login(app, sign("HS256", new HmacKey(CustomTokens.SECRET.getBytes()), null, claims(newSub(), app), Map.of())),
                "unexpected signing algorithm");
    }

    @Test
    void tokenSignedByAnUnpublishedKeyUnderAKnownKidIsRefused() {
        idp.addRsaKey("rsa-1");
        String app = CustomTokens.jwksApp("RS256", idp.jwksUri());
        refused(login(app, rs256(TestIdp.unpublishedRsaKey("rsa-1"), claims(newSub(), app))), "bad signature");
    }

    @Test
    void keyHeadersPointingElsewhereAreIgnored() {
        idp.addRsaKey("rsa-1");
        String app = CustomTokens.jwksApp("RS256", idp.jwksUri());
        try (TestIdp attacker = TestIdp.start()) {
            PublicJsonWebKey forged = attacker.addRsaKey("attacker");
            Map<String, Object> elsewhere = Map.of("jku", attacker.jwksUri(), "x5u", attacker.jwksUri(),
                    "jwk", forged.toParams(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
            refused(login(app, sign("RS256", forged.getPrivateKey(), "attacker", claims(newSub(), app), elsewhere)),
                    "unknown signing key");
            // Even under a kid the app's provider knows.
            refused(login(app, sign("RS256", forged.getPrivateKey(), "rsa-1", claims(newSub(), app), elsewhere)),
                    "bad signature");
            assertEquals(0, attacker.fetches(), "nothing fetched from a URL in a token");
        }
    }

    @Test
    void unknownKidFetchesTheKeysAgainOnceRotatedKeysLogIn() throws Exception {
        PublicJsonWebKey old = idp.addRsaKey("rsa-old");
        String app = CustomTokens.jwksApp("RS256", idp.jwksUri());
        login(app, rs256(old, claims(newSub(), app))).then().statusCode(200);
        assertEquals(1, idp.fetches());

        PublicJsonWebKey rotated = idp.addRsaKey("rsa-new");
        Thread.sleep(1100);
        login(app, rs256(rotated, claims(newSub(), app))).then().statusCode(200);
        assertEquals(2, idp.fetches());
        login(app, rs256(rotated, claims(newSub(), app))).then().statusCode(200);
        login(app, rs256(old, claims(newSub(), app))).then().statusCode(200);
        assertEquals(2, idp.fetches());
    }

    @Test
    void floodOfUnknownKidsFetchesAtMostOncePerInterval() {
        PublicJsonWebKey key = idp.addRsaKey("rsa-1");
        String app = CustomTokens.jwksApp("RS256", idp.jwksUri());
        login(app, rs256(key, claims(newSub(), app))).then().statusCode(200);
        PublicJsonWebKey stranger = TestIdp.unpublishedRsaKey("stranger");
        long start = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            String kid = UUID.randomUUID().toString();
            refused(login(app, sign("RS256", stranger.getPrivateKey(), kid, claims(newSub(), app), Map.of())),
                    "unknown signing key");
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        // One first fetch, then at most one per started second (the minimum interval is 1 s).
        assertTrue(idp.fetches() <= 2 + seconds, idp.fetches() + " fetches in " + seconds + " s");
    }

    @Test
    void concurrentMissesShareOneFetch() throws Exception {
        PublicJsonWebKey key = idp.addRsaKey("rsa-1");
        idp.delay(300);
        String app = CustomTokens.jwksApp("RS256", idp.jwksUri());
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Callable<Integer>> logins = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String token = rs256(key, claims(newSub(), app));
                logins.add(() -> login(app, token).statusCode());
            }
            for (Future<Integer> done : pool.invokeAll(logins)) {
                assertEquals(200, done.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, idp.fetches());
    }

    @Test
    void providerDownWithNothingCachedIsServiceUnavailable() {
        PublicJsonWebKey key = idp.addRsaKey("rsa-1");
        idp.answerStatus(503);
        String app = CustomTokens.jwksApp("RS256", idp.jwksUri());
        unavailable(login(app, rs256(key, claims(newSub(), app))));
        // Within the minimum interval the provider is not asked again: 503 at once.
        unavailable(login(app, rs256(key, claims(newSub(), app))));
        assertEquals(1, idp.fetches());
    }

    @Test
    void unreachableHangingOrOversizedProviderIsServiceUnavailable() {
        PublicJsonWebKey key = idp.addRsaKey("rsa-1");
        try (TestIdp closed = TestIdp.start()) {
            String refusing = CustomTokens.jwksApp("RS256", closed.jwksUri());
            closed.close();
            unavailable(login(refusing, rs256(key, claims(newSub(), refusing))));
        }

        try (TestIdp hanging = TestIdp.start()) {
            hanging.delay(2500);
            String app = CustomTokens.jwksApp("RS256", hanging.jwksUri());
            long start = System.nanoTime();
            unavailable(login(app, rs256(key, claims(newSub(), app))));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 3000, "a hanging provider answers 503 after the 1 s timeout, took " + millis + " ms");
        }

        try (TestIdp oversized = TestIdp.start()) {
            oversized.answerRaw("{\"keys\": [], \"padding\": \"" + "x".repeat(300 * 1024) + "\"}");
            String app = CustomTokens.jwksApp("RS256", oversized.jwksUri());
            unavailable(login(app, rs256(key, claims(newSub(), app))));
        }

        try (TestIdp garbage = TestIdp.start()) {
            garbage.answerRaw("<html>not keys</html>");
            String app = CustomTokens.jwksApp("RS256", garbage.jwksUri());
            unavailable(login(app, rs256(key, claims(newSub(), app))));
        }
    }

    @Test
    void cachedKeysStillLogInWhileTheProviderIsDown() throws Exception {
        PublicJsonWebKey key = idp.addRsaKey("rsa-1");
        String app = CustomTokens.jwksApp("RS256", idp.jwksUri());
        login(app, rs256(key, claims(newSub(), app))).then().statusCode(200);

        idp.answerStatus(503);
        login(app, rs256(key, claims(newSub(), app))).then().statusCode(200);
        // Past the 2 s of freshness the provider is asked again, fails, and the kept keys decide.
        Thread.sleep(2200);
        login(app, rs256(key, claims(newSub(), app))).then().statusCode(200);
        assertEquals(2, idp.fetches());
        // A kid the kept keys do not know cannot be decided while the provider is down.
        Thread.sleep(1100);
        unavailable(login(app, rs256(TestIdp.unpublishedRsaKey("rsa-2"), claims(newSub(), app))));

        idp.answerStatus(200);
        Thread.sleep(1100);
        login(app, rs256(key, claims(newSub(), app))).then().statusCode(200);
    }
}
