package dev.latchkey.userpass;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

import dev.latchkey.ObjectIds;

/**
 * A confirmation or reset token: 32 random bytes as base64url (43 characters, safe in a URL as
 * is), named by a 24-hex {@code tokenId}. Only its SHA-256 is stored; a lookup goes by the id and
 * the hash, so a guess costs one indexed read and timing tells nothing about the token itself.
 */
record LifecycleToken(String id, String value) {

    static final int LENGTH = 43;
    static final String CONFIRM = "confirm";
    static final String RESET = "reset";

    private static final SecureRandom RANDOM = new SecureRandom();

    static LifecycleToken next() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return new LifecycleToken(ObjectIds.next(), Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    byte[] hash() {
        return hash(value);
    }

    static byte[] hash(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
