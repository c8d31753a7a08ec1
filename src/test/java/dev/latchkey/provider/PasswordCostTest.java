package dev.latchkey.provider;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.Map;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.restassured.http.ContentType;

/**
 * What a password check costs does not tell whether an email exists, even after the configured
 * rounds were raised: an unknown email and a wrong password against an older, cheaper hash both
 * cost the configured rounds; a right one replaces the cheaper hash.
 */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class PasswordCostTest {

    /** The suite's configured rounds (application.properties, %test). */
    static final int CONFIGURED = 1000;
    static final int OLDER = 300;

    @Inject
    PasswordHasher hasher;

    @Inject
    LatchkeyConfig config;

    @Inject
    CurrentVertxRequest request;

    /** The bean is made on first use, possibly on the event loop: making it must not hash. */
    @Test
    void makingTheHasherHashesNothing() {
        PasswordHasher fresh = new PasswordHasher(config, request);
        try {
            assertEquals(0, fresh.roundsSpent());
        } finally {
            fresh.stop();
        }
    }

    @Test
    void unknownEmailAndWrongPasswordCostTheSameAndARightOneUpgradesTheHash() throws Exception {
        String email = TestUsers.newEmail();
        storeCredential(email, hashAt("the old password", OLDER));

        long unknown = roundsOf(() -> login(TestUsers.newEmail(), "whatever it is", 401));
        long wrong = roundsOf(() -> login(email, "not the password", 401));
        assertEquals(CONFIGURED, unknown, "an unknown email is checked against a decoy at the configured rounds");
        assertEquals(unknown, wrong, "a wrong password against a cheaper hash is padded to the same cost");

        login(email, "the old password", 200);
        assertTrue(storedHash(email).startsWith("pbkdf2-sha256$" + CONFIGURED + "$"), "the hash was upgraded");
        login(email, "the old password", 200);
        assertEquals(CONFIGURED, roundsOf(() -> login(email, "still wrong", 401)));
    }

    private long roundsOf(Runnable login) {
        long before = hasher.roundsSpent();
        login.run();
        return hasher.roundsSpent() - before;
    }

    private static void login(String email, String password, int status) {
        given().contentType(ContentType.JSON).body(Map.of("username", email, "password", password))
                .post(TestUsers.PROVIDERS + "/local-userpass/login").then().statusCode(status);
    }

    static String hashAt(String password, int rounds) throws Exception {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        byte[] hash = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(password.toCharArray(), salt, rounds, 256)).getEncoded();
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "pbkdf2-sha256$" + rounds + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    private static void storeCredential(String email, String hash) throws Exception {
        try (Connection c = TestSql.connection(); PreparedStatement s = c.prepareStatement(
                "insert into password_credentials (app_id, email, id, password_hash, confirmed_at) values (?, ?, ?, ?, now())")) {
            s.setString(1, TestUsers.APP);
            s.setString(2, email.toLowerCase());
            s.setString(3, dev.latchkey.ObjectIds.next());
            s.setString(4, hash);
            s.execute();
        }
    }

    private static String storedHash(String email) throws Exception {
        try (Connection c = TestSql.connection(); PreparedStatement s = c.prepareStatement(
                "select password_hash from password_credentials where email = ?")) {
            s.setString(1, email.toLowerCase());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

}
