package dev.latchkey.session;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.latchkey.ConfigOverride;
import dev.latchkey.LatchkeyConfig;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;

/** With a key-encryption key, a copy of the database forges nothing; the KEK itself can be rolled. */
@QuarkusTest
@TestProfile(KeysAtRestTest.Sealed.class)
class KeysAtRestTest {

    static final String KEK_1 = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
    static final String KEK_2 = "ESIzRFVmd4iZqrvM3e7/ABEiM0RVZneImaq7zN3u/wA=";

    public static class Sealed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("latchkey.key-encryption-key", KEK_1);
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestDatabase.class));
        }
    }

    @Inject
    LatchkeyConfig config;

    @Inject
    Pool pool;

    @Test
    void aDumpOfTheDatabaseForgesNoToken() throws Exception {
        Tokens user = TestUsers.registered();
        List<byte[]> secrets = new ArrayList<>();
        try (Connection c = TestSql.connection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select alg, secret, kek_id from signing_keys")) {
            while (rs.next()) {
                assertTrue(rs.getString("kek_id").startsWith("kek-"), "every stored key is sealed");
                secrets.add(rs.getBytes("secret"));
                if ("ES256".equals(rs.getString("alg"))) {
                    byte[] sealed = rs.getBytes("secret");
                    assertThrows(Exception.class,
                            () -> KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(sealed)),
                            "the stored ES256 secret is no private key");
                }
            }
        }
        assertEquals(2, secrets.size());

        // Whoever holds the dump tries every plausible key: the whole value and every 32-byte window of it.
        String[] parts = user.refreshToken().split("\\.");
        for (byte[] secret : secrets) {
            for (byte[] candidate : candidates(secret)) {
                String forged = parts[0] + "." + parts[1] + "." + hmac(candidate, parts[0] + "." + parts[1]);
                given().header("Authorization", "Bearer " + forged).post(TestUsers.API + "/auth/session")
                        .then().statusCode(401);
            }
        }
        given().header("Authorization", user.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(201);
    }

    @Test
    void theKeyEncryptionKeyCanBeRolledAndIsNeededToStart() throws Throwable {
        Tokens user = TestUsers.registered();
        LatchkeyConfig rolled = ConfigOverride.withKeys(config, Map.of(),
                Map.of("keyEncryptionKey", Optional.of(KEK_2), "keyEncryptionKeyPrevious", Optional.of(List.of(KEK_1))));
        new SigningKeys(rolled, pool).onStart(null);
        try (Connection c = TestSql.connection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select count(distinct kek_id), min(kek_id) from signing_keys")) {
            rs.next();
            assertEquals(1, rs.getInt(1), "every row sealed again with the new KEK");
        }

        LatchkeyConfig onlyNew = ConfigOverride.withKeys(config, Map.of(), Map.of("keyEncryptionKey", Optional.of(KEK_2)));
        SigningKeys keys = new SigningKeys(onlyNew, pool);
        keys.onStart(null);
        new TokenService(keys, onlyNew).verify(user.refreshToken(), TokenType.REFRESH).await().indefinitely();

        LatchkeyConfig onlyOld = ConfigOverride.withKeys(config, Map.of(), Map.of("keyEncryptionKey", Optional.of(KEK_1)));
        Throwable refused = assertThrows(Throwable.class, () -> new SigningKeys(onlyOld, pool).onStart(null));
        assertTrue(String.valueOf(rootMessage(refused)).contains("not configured"), rootMessage(refused));
        LatchkeyConfig none = ConfigOverride.withKeys(config, Map.of(), Map.of("keyEncryptionKey", Optional.empty()));
        assertThrows(Throwable.class, () -> new SigningKeys(none, pool).onStart(null), "without the KEK nothing starts");
    }

    private static List<byte[]> candidates(byte[] secret) {
        List<byte[]> candidates = new ArrayList<>();
        candidates.add(secret);
        for (int i = 0; i + 32 <= secret.length; i++) {
            candidates.add(Arrays.copyOfRange(secret, i, i + 32));
        }
        return candidates;
    }

    private static String hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return TokenParts.encode(mac.doFinal(data.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
