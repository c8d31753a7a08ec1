package dev.latchkey.apikey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.zip.CRC32;

/**
 * API key values: {@code lk_} + 40 base62 characters of randomness (238 bits) + a 6-character
 * base62 CRC32 checksum. The prefix lets secret scanners find leaked keys; the checksum rejects
 * a typo without a database read. Only the SHA-256 of the whole value is ever stored.
 */
public final class KeyCodec {

    static final String PREFIX = "lk_";
    static final int RANDOM_CHARS = 40;
    static final int CHECKSUM_CHARS = 6;
    static final int LENGTH = PREFIX.length() + RANDOM_CHARS + CHECKSUM_CHARS;
    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyCodec() {
    }

    public static String newKey() {
        return newKey(PREFIX);
    }

    /** A key of the same format with another prefix (operators' admin keys use their own, so scanners tell them apart). */
    public static String newKey(String prefix) {
        StringBuilder key = new StringBuilder(prefix.length() + RANDOM_CHARS + CHECKSUM_CHARS).append(prefix);
        for (int i = 0; i < RANDOM_CHARS; i++) {
            key.append(BASE62[RANDOM.nextInt(BASE62.length)]);
        }
        return key.append(checksum(key)).toString();
    }

    /** Shape and checksum only: true says nothing about whether the key exists. */
    public static boolean isWellFormed(String key) {
        return isWellFormed(PREFIX, key);
    }

    public static boolean isWellFormed(String prefix, String key) {
        int length = prefix.length() + RANDOM_CHARS + CHECKSUM_CHARS;
        if (key == null || key.length() != length || !key.startsWith(prefix)) {
            return false;
        }
        for (int i = prefix.length(); i < length; i++) {
            if (!isBase62(key.charAt(i))) {
                return false;
            }
        }
        return checksum(key.subSequence(0, length - CHECKSUM_CHARS)).contentEquals(key.subSequence(length - CHECKSUM_CHARS, length));
    }

    public static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String checksum(CharSequence body) {
        CRC32 crc = new CRC32();
        crc.update(body.toString().getBytes(StandardCharsets.US_ASCII));
        long value = crc.getValue();
        char[] out = new char[CHECKSUM_CHARS];
        for (int i = CHECKSUM_CHARS - 1; i >= 0; i--) {
            out[i] = BASE62[(int) (value % 62)];
            value /= 62;
        }
        return new String(out);
    }

    private static boolean isBase62(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }
}
