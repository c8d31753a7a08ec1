package dev.latchkey;

import java.security.GeneralSecurityException;
import java.security.Key;

import javax.crypto.Mac;

/** HMAC-SHA256 of one message given in parts: the refresh tokens' signature and the webhooks'. */
public final class Hmac {

    public static final String SHA256 = "HmacSHA256";

    private Hmac() {
    }

    public static byte[] sha256(Key key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(SHA256);
            mac.init(key);
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot compute an HMAC-SHA256", e);
        }
    }
}
