package dev.latchkey.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;

import org.junit.jupiter.api.Test;

/** Es256 against the JDK's own ECDSA: each verifies what the other signed, and nothing else. */
class Es256Test {

    private static final byte[] INPUT = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZGEifQ".getBytes(StandardCharsets.US_ASCII);

    @Test
    void theJdkVerifiesWhatEs256SignsAndEs256VerifiesWhatTheJdkSigns() throws Exception {
        for (int i = 0; i < 50; i++) {
            KeyPair pair = p256();
            byte[] ours = new Es256.Signing((ECPrivateKey) pair.getPrivate()).sign(INPUT);
            assertEquals(64, ours.length);
            Signature jdk = Signature.getInstance("SHA256withECDSAinP1363Format");
            jdk.initVerify(pair.getPublic());
            jdk.update(INPUT);
            assertTrue(jdk.verify(ours), "the JDK refused signature " + i);

            jdk.initSign(pair.getPrivate());
            jdk.update(INPUT);
            assertTrue(new Es256.Verifying((ECPublicKey) pair.getPublic()).verify(INPUT, jdk.sign()), "Es256 refused the JDK's signature " + i);
        }
    }

    @Test
    void signaturesAreDeterministicAndBoundToKeyAndInput() throws Exception {
        KeyPair pair = p256();
        Es256.Signing signing = new Es256.Signing((ECPrivateKey) pair.getPrivate());
        Es256.Verifying verifying = new Es256.Verifying((ECPublicKey) pair.getPublic());
        byte[] signature = signing.sign(INPUT);
        assertArrayEquals(signature, signing.sign(INPUT), "RFC 6979: the same key and input give the same signature");

        byte[] changedInput = INPUT.clone();
        changedInput[3] ^= 1;
        assertFalse(verifying.verify(changedInput, signature));
        assertFalse(new Es256.Verifying((ECPublicKey) p256().getPublic()).verify(INPUT, signature), "another key");
        for (int bit = 0; bit < 64 * 8; bit += 37) {
            byte[] flipped = signature.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertFalse(verifying.verify(INPUT, flipped), "bit " + bit);
        }
    }

    @Test
    void malformedSignaturesAreRefusedNotThrown() throws Exception {
        Es256.Verifying verifying = new Es256.Verifying((ECPublicKey) p256().getPublic());
        assertFalse(verifying.verify(INPUT, null));
        assertFalse(verifying.verify(INPUT, new byte[0]));
        assertFalse(verifying.verify(INPUT, new byte[63]));
        assertFalse(verifying.verify(INPUT, new byte[65]));
        assertFalse(verifying.verify(INPUT, new byte[64]), "r = s = 0");
        byte[] ones = new byte[64];
        java.util.Arrays.fill(ones, (byte) 0xff);
        assertFalse(verifying.verify(INPUT, ones), "r and s above the group order");
    }

    @Test
    void keysOfOtherCurvesAreRefused() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair p384 = generator.generateKeyPair();
        assertThrows(IllegalArgumentException.class, () -> new Es256.Signing((ECPrivateKey) p384.getPrivate()));
        assertThrows(IllegalArgumentException.class, () -> new Es256.Verifying((ECPublicKey) p384.getPublic()));
    }

    private static KeyPair p256() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }
}
