package dev.latchkey.session;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts signing-key material at rest with the key-encryption key (KEK): AES-256-GCM from the
 * JDK, a fresh 12-byte nonce per value, and the row's kid and algorithm as associated data, so a
 * ciphertext moved to another row does not decrypt. Each stored value names the KEK that sealed
 * it by a short id (a hash of the KEK), so the KEK itself can be rolled: the new one in
 * {@code LATCHKEY_KEY_ENCRYPTION_KEY}, the old ones in {@code ..._PREVIOUS} until every row has
 * been sealed again at the next start.
 */
final class KeyEncryption {

    record Sealed(String kekId, byte[] bytes) {
    }

    private static final int NONCE_BYTES = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String currentId;
    private final Map<String, SecretKey> keys;

    private KeyEncryption(String currentId, Map<String, SecretKey> keys) {
        this.currentId = currentId;
        this.keys = keys;
    }

    /** From base64 KEKs of 32 bytes each: the current one (optional) and earlier ones. */
    static KeyEncryption of(Optional<String> current, Optional<List<String>> previous) {
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        String currentId = null;
        if (current.isPresent() && !current.get().isBlank()) {
            SecretKey key = parse(current.get());
            currentId = id(key);
            keys.put(currentId, key);
        }
        for (String old : previous.orElse(List.of())) {
            if (!old.isBlank()) {
                SecretKey key = parse(old);
                keys.putIfAbsent(id(key), key);
            }
        }
        return new KeyEncryption(currentId, keys);
    }

    boolean enabled() {
        return currentId != null;
    }

    String currentId() {
        return currentId;
    }

    /** Sealed with the current KEK, or the plain bytes when none is set. */
    Sealed seal(byte[] plain, String kid, String alg) {
        if (currentId == null) {
            return new Sealed(null, plain);
        }
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentId), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(aad(kid, alg));
            byte[] encrypted = cipher.doFinal(plain);
            byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + encrypted.length);
            System.arraycopy(encrypted, 0, out, NONCE_BYTES, encrypted.length);
            return new Sealed(currentId, out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt a signing key", e);
        }
    }

    /** The plain bytes of a stored value; fails when the KEK that sealed it is not configured. */
    byte[] open(String kekId, byte[] stored, String kid, String alg) {
        if (kekId == null) {
            return stored;
        }
        SecretKey key = keys.get(kekId);
        if (key == null) {
            throw new IllegalStateException("signing key " + kid + " is encrypted with key-encryption key " + kekId
                    + ", which is not configured: set LATCHKEY_KEY_ENCRYPTION_KEY (or list it in LATCHKEY_KEY_ENCRYPTION_KEY_PREVIOUS)");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, stored, 0, NONCE_BYTES));
            cipher.updateAAD(aad(kid, alg));
            return cipher.doFinal(stored, NONCE_BYTES, stored.length - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing key " + kid + " does not decrypt with key-encryption key " + kekId, e);
        }
    }

    private static SecretKey parse(String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            bytes = Base64.getUrlDecoder().decode(base64.trim());
        }
        if (bytes.length != 32) {
            throw new IllegalStateException("a key-encryption key must be 32 bytes, base64-encoded (openssl rand -base64 32)");
        }
        return new SecretKeySpec(bytes, "AES");
    }

    private static String id(SecretKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return "kek-" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] aad(String kid, String alg) {
        return (kid + "\n" + alg).getBytes(StandardCharsets.UTF_8);
    }
}
