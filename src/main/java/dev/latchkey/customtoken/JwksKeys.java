package dev.latchkey.customtoken;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.VerificationJwkSelector;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.lang.JoseException;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.BoundedGet;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;

/**
 * The public keys an app's identity provider publishes at its {@code jwks_uri}, fetched without
 * blocking and kept per app. A token whose {@code kid} the kept keys know is checked with them; an
 * unknown {@code kid}, or keys older than {@code jwks-refresh}, ask the provider again, but at most
 * once per {@code jwks-min-interval} per app, and requests that miss together share one fetch. When
 * the provider cannot be reached, kept keys still decide; only a token they cannot decide gets 503.
 */
@ApplicationScoped
public class JwksKeys {

    /** A key set larger than this is not a key set. */
    static final int MAX_BYTES = 256 * 1024;
    /** Keys tried for one token without a {@code kid}. */
    static final int MAX_CANDIDATES = 8;

    private final HttpClient http;
    private final Vertx vertx;
    private final long refreshNanos;
    private final long minIntervalNanos;
    private final long timeoutMillis;
    private final Cache<String, Source> sources = Caffeine.newBuilder()
            .maximumSize(1_000)
            .expireAfterAccess(Duration.ofDays(1))
            .build();

    public JwksKeys(Vertx vertx, LatchkeyConfig config) {
        LatchkeyConfig.CustomToken c = config.customToken();
        this.vertx = vertx;
        this.refreshNanos = c.jwksRefresh().toNanos();
        this.minIntervalNanos = c.jwksMinInterval().toNanos();
        this.timeoutMillis = c.jwksTimeout().toMillis();
        this.http = BoundedGet.client(vertx, timeoutMillis, 8);
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /**
     * The keys that may have signed this token (those its {@code kid} names, or for a token without
     * one, every signing key of its type); 401 when the provider's current keys have none, 503 when
     * the provider could not be asked and the kept keys cannot decide. Emits on the caller's context.
     */
    public Uni<List<JsonWebKey>> candidates(String appId, String jwksUri, JsonWebSignature jws) {
        Source source = sources.get(appId + "\n" + jwksUri, key -> new Source(jwksUri));
        Context caller = Vertx.currentContext();
        Uni<List<JsonWebKey>> keys = Uni.createFrom().deferred(() -> {
            Step step = source.next(jws, System.nanoTime());
            if (step.fetch() == null) {
                return step.outcome();
            }
            return Uni.createFrom().completionStage(step.fetch()).map(done -> source.afterFetch(jws).keysOrThrow());
        });
        return caller == null ? keys : keys.emitOn(task -> caller.runOnContext(v -> task.run()));
    }

    /** What to do for one token: decide now ({@code fetch} null), or once the fetch has ended. */
    private record Step(CompletableFuture<Void> fetch, Decision decision) {
        Uni<List<JsonWebKey>> outcome() {
            return Uni.createFrom().item(decision::keysOrThrow);
        }
    }

    private record Decision(List<JsonWebKey> keys, long unavailableSeconds) {
        List<JsonWebKey> keysOrThrow() {
            if (keys != null) {
                return keys;
            }
            if (unavailableSeconds > 0) {
                throw ApiException.unavailable(unavailableSeconds);
            }
            throw CustomTokenVerifier.invalid("unknown signing key");
        }
    }

    /** One app's provider: the last key set it gave, and when it was last asked. Guarded by its own lock. */
    private final class Source {
        private final String uri;
        private List<JsonWebKey> keys;
        private long fetchedAt;
        private long attemptedAt;
        private boolean attempted;
        private boolean lastFailed;
        private CompletableFuture<Void> inflight;

        Source(String uri) {
            this.uri = uri;
        }

        synchronized Step next(JsonWebSignature jws, long now) {
            List<JsonWebKey> found = select(jws);
            if (!found.isEmpty() && now - fetchedAt < refreshNanos) {
                return new Step(null, new Decision(found, 0));
            }
            if (inflight != null) {
                return new Step(inflight, null);
            }
            if (attempted && now - attemptedAt < minIntervalNanos) {
                if (!found.isEmpty()) {
                    return new Step(null, new Decision(found, 0));
                }
                return new Step(null, undecided(now));
            }
            attempted = true;
            attemptedAt = now;
            CompletableFuture<Void> fetch = new CompletableFuture<>();
            inflight = fetch;
            vertx.runOnContext(v -> fetchOrFail().onComplete(result -> finish(fetch,
                    result.succeeded() ? result.result() : null, result.failed() ? result.cause() : null)));
            return new Step(fetch, null);
        }

        synchronized Decision afterFetch(JsonWebSignature jws) {
            List<JsonWebKey> found = select(jws);
            return found.isEmpty() ? undecided(System.nanoTime()) : new Decision(found, 0);
        }

        /** No kept key fits: the provider's answer says "unknown key" (401), unless it could not be asked (503). */
        private Decision undecided(long now) {
            if (keys != null && !lastFailed) {
                return new Decision(null, 0);
            }
            long wait = minIntervalNanos - (now - attemptedAt);
            return new Decision(null, Math.max(1, Duration.ofNanos(wait).toSeconds() + 1));
        }

        private void finish(CompletableFuture<Void> fetch, List<JsonWebKey> fetched, Throwable failure) {
            synchronized (this) {
                if (fetched != null) {
                    keys = fetched;
                    fetchedAt = System.nanoTime();
                    lastFailed = false;
                } else {
                    lastFailed = true;
                    Log.warnf("cannot fetch the JWKS at %s: %s", uri, failure == null ? "no keys" : failure.getMessage());
                }
                inflight = null;
            }
            fetch.complete(null);
        }

        private List<JsonWebKey> select(JsonWebSignature jws) {
            if (keys == null) {
                return List.of();
            }
            try {
                List<JsonWebKey> found = new VerificationJwkSelector().selectList(jws, keys);
                return found.size() > MAX_CANDIDATES ? found.subList(0, MAX_CANDIDATES) : found;
            } catch (JoseException e) {
                return List.of();
            }
        }

        /** GET the key set (http/BoundedGet: no redirects, a bounded body, a deadline); every fetch ends. */
        private Future<List<JsonWebKey>> fetchOrFail() {
            return BoundedGet.fetch(vertx, http, uri, Map.of(HttpHeaders.ACCEPT.toString(), "application/json"),
                    timeoutMillis, MAX_BYTES).compose(body -> {
                        try {
                            List<JsonWebKey> parsed = new JsonWebKeySet(body.toString(StandardCharsets.UTF_8)).getJsonWebKeys();
                            return parsed.isEmpty() ? Future.failedFuture("no usable keys") : Future.succeededFuture(List.copyOf(parsed));
                        } catch (JoseException | RuntimeException e) {
                            return Future.failedFuture("not a JWK set");
                        }
                    });
        }
    }
}
