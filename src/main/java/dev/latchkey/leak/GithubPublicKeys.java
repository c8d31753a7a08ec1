package dev.latchkey.leak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.BoundedGet;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;

/**
 * The public keys GitHub signs secret-scanning reports with, by {@code key_identifier}: read once
 * from a configured file, or fetched from GitHub's URL ({@code {public_keys: [{key_identifier,
 * key, is_current}]}}, PEM P-256 keys) and kept. A report naming an identifier the kept keys do
 * not know makes Latchkey fetch again, but at most once per {@code github-keys-min-interval}
 * (whatever the identifiers), and reports that miss together share one fetch: a flood of made-up
 * identifiers costs GitHub one request per interval. Every listed key verifies, current or not,
 * so a report signed just before GitHub rolls its key still checks. When GitHub cannot be asked,
 * kept keys still decide; a report they cannot decide gets 503, which GitHub retries.
 */
@Startup
@ApplicationScoped
public class GithubPublicKeys {

    /** GitHub's document is about a kilobyte; anything much larger is not it. */
    static final int MAX_BYTES = 64 * 1024;
    /** Keys kept from one document at most. */
    static final int MAX_KEYS = 32;

    private final ObjectMapper json;
    private final Vertx vertx;
    private final HttpClient http;
    private final String url;
    private final Optional<String> token;
    private final long minIntervalNanos;
    private final long timeoutMillis;

    /** Replaced whole by each successful fetch. */
    private volatile Map<String, PublicKey> keys = Map.of();
    private boolean attempted;
    private long attemptedAt;
    private boolean lastFailed;
    private CompletableFuture<Void> inflight;

    public GithubPublicKeys(ObjectMapper json, Vertx vertx, LatchkeyConfig config) {
        LatchkeyConfig.SecretScanning c = config.secretScanning();
        this.json = json;
        this.vertx = vertx;
        this.token = c.githubKeysToken();
        this.minIntervalNanos = c.githubKeysMinInterval().toNanos();
        this.timeoutMillis = c.githubKeysTimeout().toMillis();
        if (c.githubKeysFile().isPresent()) {
            // A configured file that cannot be read is a configuration error: refuse to start.
            this.keys = parse(read(c.githubKeysFile().get()));
            this.url = null;
            this.http = null;
        } else {
            this.url = c.githubKeysUrl();
            this.http = BoundedGet.client(vertx, timeoutMillis, 2);
        }
    }

    @PreDestroy
    void close() {
        if (http != null) {
            http.close();
        }
    }

    /**
     * The key GitHub names by this identifier; null when GitHub's current keys do not include it
     * (or the configured file does not); 503 when GitHub could not be asked and the kept keys do
     * not know it. Emits on the caller's context.
     */
    public Uni<PublicKey> find(String identifier) {
        PublicKey kept = keys.get(identifier);
        if (kept != null || url == null) {
            return Uni.createFrom().item(kept);
        }
        Context caller = Vertx.currentContext();
        Uni<PublicKey> found = Uni.createFrom().deferred(() -> {
            CompletableFuture<Void> fetch = fetchUnlessRecent(System.nanoTime());
            if (fetch == null) {
                return Uni.createFrom().item(() -> decide(identifier));
            }
            return Uni.createFrom().completionStage(fetch).map(done -> decide(identifier));
        });
        return caller == null ? found : found.emitOn(task -> caller.runOnContext(v -> task.run()));
    }

    /** The fetch to wait for: the one in flight, a new one, or none (null) when the last began too recently. */
    private synchronized CompletableFuture<Void> fetchUnlessRecent(long now) {
        if (inflight != null) {
            return inflight;
        }
        if (attempted && now - attemptedAt < minIntervalNanos) {
            return null;
        }
        attempted = true;
        attemptedAt = now;
        CompletableFuture<Void> fetch = new CompletableFuture<>();
        inflight = fetch;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        headers.put("User-Agent", "latchkey-secret-scanning");
        token.ifPresent(t -> headers.put("Authorization", "Bearer " + t));
        vertx.runOnContext(v -> BoundedGet.fetch(vertx, http, url, headers, timeoutMillis, MAX_BYTES)
                .onComplete(result -> finish(fetch, result.succeeded() ? result.result() : null,
                        result.failed() ? result.cause() : null)));
        return fetch;
    }

    private void finish(CompletableFuture<Void> fetch, Buffer body, Throwable failure) {
        Map<String, PublicKey> fetched = null;
        String problem = failure == null ? null : failure.getMessage();
        if (body != null) {
            try {
                fetched = parse(body.toString(StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                problem = e.getMessage();
            }
        }
        synchronized (this) {
            if (fetched != null) {
                keys = fetched;
                lastFailed = false;
            } else {
                lastFailed = true;
                Log.warnf("cannot fetch GitHub's secret-scanning keys from %s: %s", url, problem);
            }
            inflight = null;
        }
        fetch.complete(null);
    }

    private synchronized PublicKey decide(String identifier) {
        PublicKey key = keys.get(identifier);
        if (key != null || (!keys.isEmpty() && !lastFailed)) {
            return key;
        }
        long wait = minIntervalNanos - (System.nanoTime() - attemptedAt);
        throw ApiException.unavailable(Math.max(1, Duration.ofNanos(wait).toSeconds() + 1));
    }

    /** GitHub's key document to usable P-256 keys; fails when it holds none. */
    Map<String, PublicKey> parse(String document) {
        JsonNode list;
        try {
            list = json.readTree(document).path("public_keys");
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        Map<String, PublicKey> parsed = new HashMap<>();
        for (JsonNode entry : list) {
            String id = entry.path("key_identifier").asText("");
            PublicKey key = p256(entry.path("key").asText(""));
            if (!id.isEmpty() && key != null && parsed.size() < MAX_KEYS) {
                parsed.put(id, key);
            }
        }
        if (parsed.isEmpty()) {
            throw new IllegalArgumentException("no usable public_keys");
        }
        return Map.copyOf(parsed);
    }

    /** A PEM SubjectPublicKeyInfo holding a P-256 key, or null. */
    private static PublicKey p256(String pem) {
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        try {
            PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
            return key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() == 256 ? key : null;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read latchkey.secret-scanning.github-keys-file " + file + ": " + e.getMessage(), e);
        }
    }
}
