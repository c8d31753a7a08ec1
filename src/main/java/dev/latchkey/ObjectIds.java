package dev.latchkey;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Ids shaped like MongoDB ObjectIds (24 lowercase hex), as the Realm SDKs expect: time first, then randomness. */
public final class ObjectIds {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern SHAPE = Pattern.compile("[0-9a-f]{24}");

    private ObjectIds() {
    }

    public static String next() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        int seconds = (int) (System.currentTimeMillis() / 1000);
        bytes[0] = (byte) (seconds >>> 24);
        bytes[1] = (byte) (seconds >>> 16);
        bytes[2] = (byte) (seconds >>> 8);
        bytes[3] = (byte) seconds;
        return HexFormat.of().formatHex(bytes);
    }

    public static boolean isValid(String id) {
        return id != null && SHAPE.matcher(id).matches();
    }
}
