package dev.latchkey.customtoken;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.lang.JoseException;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An app's own identity provider, as far as Latchkey sees it: a JWKS document on 127.0.0.1 (an
 * ephemeral port) with keys generated here, which can be made to fail, hang or answer too much,
 * and which counts every fetch.
 */
public final class TestIdp implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<PublicJsonWebKey> keys = new CopyOnWriteArrayList<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private volatile int status = 200;
    private volatile long delayMillis;
    private volatile String rawBody;

    private TestIdp() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/jwks", this::answer);
        server.setExecutor(threads);
        server.start();
    }

    public static TestIdp start() {
        try {
            return new TestIdp();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String jwksUri() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** A new RSA 2048 signing key, published from now on. */
    public PublicJsonWebKey addRsaKey(String kid) {
        try {
            return publish(RsaJwkGenerator.generateJwk(2048), kid);
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new P-256 signing key, published from now on. */
    public PublicJsonWebKey addEcKey(String kid) {
        try {
            return publish(EcJwkGenerator.generateJwk(EllipticCurves.P256), kid);
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Key pairs a test signs with but nobody publishes. */
    public static PublicJsonWebKey unpublishedRsaKey(String kid) {
        try {
            PublicJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId(kid);
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private PublicJsonWebKey publish(PublicJsonWebKey key, String kid) {
        key.setKeyId(kid);
        key.setUse("sig");
        keys.add(key);
        return key;
    }

    public int fetches() {
        return fetches.get();
    }

    /** Every answer gets this status (503: the provider is down) with no keys. */
    public void answerStatus(int status) {
        this.status = status;
    }

    /** Waits this long before answering. */
    public void delay(long millis) {
        this.delayMillis = millis;
    }

    /** Answers exactly this body instead of the key set. */
    public void answerRaw(String body) {
        this.rawBody = body;
    }

    private void answer(HttpExchange exchange) throws IOException {
        fetches.incrementAndGet();
        try (exchange) {
            long delay = delayMillis;
            if (delay > 0) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            byte[] body = (rawBody != null ? rawBody : status == 200 ? publicKeys() : "{}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            } catch (IOException e) {
                // The client gave up (a test of its limits): nothing to answer to.
            }
        }
    }

    private String publicKeys() {
        return new JsonWebKeySet(List.<JsonWebKey>copyOf(keys)).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
    }

    @Override
    public void close() {
        threads.shutdownNow();
        server.stop(0);
    }
}
