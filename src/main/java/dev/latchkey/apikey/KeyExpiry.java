package dev.latchkey.apikey;

import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditLog;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Writes the {@code api_key.expire} audit event of every key whose expiry passed, once per key:
 * a scheduled job marks keys in small batches (each batch with its events in one transaction;
 * keys another instance is marking are skipped). Nothing else waits for it: an expired key is
 * refused at login by its {@code expires_at}, and its sessions were set to end then when they began.
 */
@ApplicationScoped
public class KeyExpiry {

    /** Batches per run at most, so one run stays short even after a long pause. */
    static final int MAX_BATCHES = 20;

    private final ApiKeyRepository keys;
    private final AuditLog audit;
    private final Pool pool;
    private final int batch;

    public KeyExpiry(ApiKeyRepository keys, AuditLog audit, Pool pool, LatchkeyConfig config) {
        this.keys = keys;
        this.audit = audit;
        this.pool = pool;
        this.batch = config.apiKeys().expiryBatch();
    }

    @Scheduled(every = "${latchkey.api-keys.expiry-every:1m}", delayed = "${latchkey.api-keys.expiry-every:1m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return recordExpired().onFailure().invoke(failure -> Log.warnf("key expiry job failed: %s", failure.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** One full run; the number of keys whose event was written. */
    public Uni<Integer> recordExpired() {
        return run(0, 0);
    }

    private Uni<Integer> run(int done, int total) {
        return oneBatch().chain(written -> written < batch || done + 1 >= MAX_BATCHES
                ? Uni.createFrom().item(total + written)
                : run(done + 1, total + written));
    }

    private Uni<Integer> oneBatch() {
        return pool.withTransaction(tx -> keys.markExpired(tx, batch)
                .call(expired -> audit.onAll(tx, expired.stream().map(KeyExpiry::event).toList()))
                .map(List::size));
    }

    private static AuditEvent event(ApiKeyRepository.ExpiredKey key) {
        return AuditEvent.of("api_key.expire", key.appId()).user(key.ownerId()).apiKey(key.id())
                .detail(Map.of("name", key.name(),
                        "expired_at", DateTimeFormatter.ISO_INSTANT.format(key.expiresAt().toInstant())));
    }
}
