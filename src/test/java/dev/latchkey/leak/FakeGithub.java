package dev.latchkey.leak;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * GitHub, as far as its secret-scanning partners see it: the public-keys document
 * ({@code {public_keys: [{key_identifier, key, is_current}]}}, PEM P-256 keys) on 127.0.0.1:18830,
 * and the private halves, which sign reports as GitHub would (ECDSA P-256 SHA-256, base64 DER).
 * Counts how often the keys are fetched.
 */
public class FakeGithub implements QuarkusTestResourceLifecycleManager {

    static final int PORT = 18830;
    static final String KEYS_PATH = "/meta/public_keys/secret_scanning";

    /** A key GitHub signs with, and the identifier it names it by. */
    public record SigningKey(String identifier, KeyPair pair) {
        /** The {@code Github-Public-Key-Signature} header for this body. */
        public String sign(byte[] body) {
            try {
                Signature signature = Signature.getInstance("SHA256withECDSA");
                signature.initSign(pair.getPrivate());
                signature.update(body);
                return Base64.getEncoder().encodeToString(signature.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        String pem() {
            return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(pair.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
        }
    }

    private static final List<SigningKey> PUBLISHED = new CopyOnWriteArrayList<>();
    private static final AtomicInteger FETCHES = new AtomicInteger();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        PUBLISHED.clear();
        publish(newKey("github-key-1"));
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT), 50);
        } catch (IOException e) {
            throw new IllegalStateException("port " + PORT + " is taken", e);
        }
        server.createContext(KEYS_PATH, FakeGithub::answer);
        server.start();
        return Map.of("latchkey.secret-scanning.github-keys-url", "http://127.0.0.1:" + PORT + KEYS_PATH,
                "latchkey.secret-scanning.github-keys-min-interval", "2s");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** The key GitHub signs with now. */
    static SigningKey current() {
        return PUBLISHED.get(PUBLISHED.size() - 1);
    }

    static SigningKey newKey(String identifier) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return new SigningKey(identifier, generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lists the key from now on, as the current one. */
    static void publish(SigningKey key) {
        PUBLISHED.add(key);
    }

    static int fetches() {
        return FETCHES.get();
    }

    private static void answer(HttpExchange exchange) throws IOException {
        FETCHES.incrementAndGet();
        List<String> entries = new ArrayList<>();
        for (SigningKey key : PUBLISHED) {
            entries.add("{\"key_identifier\":\"" + key.identifier() + "\",\"key\":\"" + key.pem().replace("\n", "\\n")
                    + "\",\"is_current\":" + (key == current()) + "}");
        }
        byte[] body = ("{\"public_keys\":[" + String.join(",", entries) + "]}").getBytes(StandardCharsets.UTF_8);
        try (exchange; OutputStream out = exchange.getResponseBody()) {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            out.write(body);
        }
    }
}
