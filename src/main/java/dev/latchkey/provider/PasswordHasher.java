package dev.latchkey.provider;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.KeySpec;
import java.util.Base64;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.error.ApiException;
import io.quarkus.arc.Arc;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

/**
 * PBKDF2-HMAC-SHA256 from the JDK with a 16-byte random salt. Stored form:
 * {@code pbkdf2-sha256$<iterations>$<salt>$<hash>}.
 * <p>
 * Hashing is slow by design, so it runs on a pool of its own, bounded twice: at most
 * {@code latchkey.password.concurrency} hashes at once (half the cores by default) and a short
 * queue behind them. Past that a request gets 503 at once, and nothing else (token and key
 * routes, JWKS, health) ever waits behind password work. A queued hash whose client has gone
 * is dropped before it starts.
 * <p>
 * Every check costs the configured rounds at least, whatever is stored: an unknown email is
 * checked against a decoy at the configured rounds, and a wrong password against an older,
 * cheaper hash is padded up to them, so timing tells nothing about which emails exist. A right
 * password against a cheaper hash yields a new hash at the configured rounds to store.
 */
@ApplicationScoped
public class PasswordHasher {

    /** The outcome of a check: whether it matched, and a stronger hash to store in place of the old one. */
    public record Verdict(boolean matches, String rehash) {
    }

    private static final String SCHEME = "pbkdf2-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String RETRY_AFTER_SECONDS = "1";

    private final int iterations;
    private final ThreadPoolExecutor workers;
    private final CurrentVertxRequest request;
    /** PBKDF2 rounds computed so far: what a password check costs, observable by tests and metrics. */
    private final AtomicLong roundsSpent = new AtomicLong();
    /** Compared against when an email is unknown, so a miss costs as long as a wrong password. */
    private final String decoy;

    public PasswordHasher(LatchkeyConfig config, CurrentVertxRequest request) {
        this.iterations = config.password().iterations();
        this.request = request;
        int threads = config.password().concurrency()
                .orElse(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        AtomicInteger names = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(config.password().queue()),
                work -> {
                    Thread thread = new Thread(work, "latchkey-password-" + names.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        this.decoy = decoy(iterations);
    }

    @PreDestroy
    void stop() {
        workers.shutdown();
    }

    public Uni<String> hash(String password) {
        return offload(() -> hashNow(password));
    }

    /** Checks against the stored hash, or against a decoy when there is none (never a match). */
    public Uni<Verdict> verify(String password, String stored) {
        return offload(() -> {
            if (stored == null) {
                matches(password, decoy);
                return new Verdict(false, null);
            }
            int storedRounds = rounds(stored);
            boolean matches = matches(password, stored);
            if (storedRounds < iterations) {
                if (matches) {
                    return new Verdict(true, hashNow(password));
                }
                derive(password, new byte[16], iterations - storedRounds);
            }
            return new Verdict(matches, null);
        });
    }

    /** Hashes waiting for a worker now. */
    public int queued() {
        return workers.getQueue().size();
    }

    long roundsSpent() {
        return roundsSpent.get();
    }

    /**
     * Runs on the hashing pool and comes back on the caller's Vert.x context (the request's, where
     * the SQL client must continue). Refused with 503 when the pool is full.
     */
    private <T> Uni<T> offload(Supplier<T> work) {
        RoutingContext client = Arc.container().requestContext().isActive() ? request.getCurrent() : null;
        return Uni.createFrom().emitter(emitter -> {
            Context context = Vertx.currentContext();
            try {
                workers.execute(() -> {
                    if (client != null && client.response().closed()) {
                        back(context, () -> emitter.fail(new ApiException(499, "ClientClosedRequest", "client went away")));
                        return;
                    }
                    try {
                        T result = work.get();
                        back(context, () -> emitter.complete(result));
                    } catch (RuntimeException e) {
                        back(context, () -> emitter.fail(e));
                    }
                });
            } catch (RejectedExecutionException e) {
                emitter.fail(ApiException.unavailable(Long.parseLong(RETRY_AFTER_SECONDS)));
            }
        });
    }

    private static void back(Context context, Runnable action) {
        if (context == null) {
            action.run();
        } else {
            context.runOnContext(ignored -> action.run());
        }
    }

    /**
     * A stored form that no password matches (its hash is random bytes) and that costs the
     * configured rounds to check. Made without hashing: the bean is created on first use, which
     * may be on the event loop.
     */
    private static String decoy(int iterations) {
        byte[] salt = new byte[16];
        byte[] hash = new byte[32];
        RANDOM.nextBytes(salt);
        RANDOM.nextBytes(hash);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return SCHEME + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    private String hashNow(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return SCHEME + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(derive(password, salt, iterations));
    }

    private boolean matches(String password, String stored) {
        String[] parts = stored.split("\\$");
        if (parts.length != 4 || !SCHEME.equals(parts[0])) {
            return false;
        }
        Base64.Decoder b64 = Base64.getDecoder();
        byte[] expected = b64.decode(parts[3]);
        return MessageDigest.isEqual(expected, derive(password, b64.decode(parts[2]), Integer.parseInt(parts[1])));
    }

    private static int rounds(String stored) {
        String[] parts = stored.split("\\$");
        return parts.length == 4 && SCHEME.equals(parts[0]) ? Integer.parseInt(parts[1]) : 0;
    }

    private byte[] derive(String password, byte[] salt, int rounds) {
        try {
            KeySpec spec = new PBEKeySpec(password.toCharArray(), salt, rounds, 256);
            byte[] derived = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            roundsSpent.addAndGet(rounds);
            return derived;
        } catch (Exception e) {
            throw new IllegalStateException("PBKDF2 unavailable", e);
        }
    }
}
