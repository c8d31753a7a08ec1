package dev.latchkey.provider;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.KeySpec;
import java.util.Base64;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * PBKDF2-HMAC-SHA256 from the JDK with a 16-byte random salt. Hashing is slow by design, so it
 * runs on a worker thread and hands its result back to the request's event loop.
 * Stored form: {@code pbkdf2-sha256$<iterations>$<salt>$<hash>}.
 */
@ApplicationScoped
public class PasswordHasher {

    private static final String SCHEME = "pbkdf2-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Vertx vertx;
    private final int iterations;
    /** Compared against when an email is unknown, so a miss costs as long as a wrong password. */
    private final String decoy;

    public PasswordHasher(Vertx vertx, LatchkeyConfig config) {
        this.vertx = vertx;
        this.iterations = config.password().iterations();
        this.decoy = hashNow("decoy password for unknown accounts");
    }

    public Uni<String> hash(String password) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> hashNow(password)), false);
    }

    /** Verifies against the stored hash, or against a decoy when there is none. */
    public Uni<Boolean> verify(String password, String stored) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            boolean known = stored != null;
            boolean matches = matches(password, known ? stored : decoy);
            return known && matches;
        }), false);
    }

    private String hashNow(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return SCHEME + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(derive(password, salt, iterations));
    }

    private static boolean matches(String password, String stored) {
        String[] parts = stored.split("\\$");
        if (parts.length != 4 || !SCHEME.equals(parts[0])) {
            return false;
        }
        Base64.Decoder b64 = Base64.getDecoder();
        byte[] expected = b64.decode(parts[3]);
        return MessageDigest.isEqual(expected, derive(password, b64.decode(parts[2]), Integer.parseInt(parts[1])));
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        try {
            KeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException("PBKDF2 unavailable", e);
        }
    }
}
