package dev.latchkey.apikey;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * When each key last logged in, without a database write per login: a login notes the time here
 * (memory, bounded), and a scheduled flush writes every noted key in one statement, so a key is
 * written at most once per flush ({@code latchkey.api-keys.last-used-flush}, 60 s) and the
 * stored time is at most that stale. The last flush runs at shutdown. Every instance flushes its
 * own notes; the statement keeps the latest time, whoever wrote it.
 */
@ApplicationScoped
public class LastUse {

    /** Keys noted between two flushes at most; past it the least recent notes are dropped (their times are only late). */
    static final int MAX_PENDING = 100_000;

    private final ApiKeyRepository keys;
    /** Key id to the epoch millisecond of its latest use not yet written. */
    private final Cache<String, Long> pending = Caffeine.newBuilder().maximumSize(MAX_PENDING).build();

    public LastUse(ApiKeyRepository keys) {
        this.keys = keys;
    }

    /** Notes a use; cheap, off the login's database work. */
    public void record(String keyId) {
        pending.asMap().merge(keyId, System.currentTimeMillis(), Math::max);
    }

    @Scheduled(every = "${latchkey.api-keys.last-used-flush:60s}", delayed = "${latchkey.api-keys.last-used-flush:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return flush().onFailure().invoke(failure -> Log.warnf("last-use flush failed, kept for the next one: %s", failure.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /**
     * Writes every noted use in one statement; the number of keys written. A note made while the
     * statement runs stays for the next flush, and so does every note when the statement fails.
     */
    public Uni<Integer> flush() {
        List<Map.Entry<String, Long>> batch = new ArrayList<>(pending.asMap().entrySet());
        if (batch.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        String[] ids = new String[batch.size()];
        OffsetDateTime[] times = new OffsetDateTime[batch.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = batch.get(i).getKey();
            times[i] = OffsetDateTime.ofInstant(Instant.ofEpochMilli(batch.get(i).getValue()), ZoneOffset.UTC);
        }
        return keys.writeLastUse(ids, times).invoke(() -> {
            for (Map.Entry<String, Long> written : batch) {
                pending.asMap().remove(written.getKey(), written.getValue());
            }
        });
    }

    void onStop(@Observes ShutdownEvent event) {
        try {
            flush().await().atMost(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            Log.warnf("last-use times of %d keys not written at shutdown: %s", pending.estimatedSize(), e.toString());
        }
    }
}
