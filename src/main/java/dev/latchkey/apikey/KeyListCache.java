package dev.latchkey.apikey;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.latchkey.LatchkeyConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

/**
 * Each owner's key list as last read, so listing keys (with the session from the live-session
 * cache) needs no database round trip. Kept true the same way as live sessions: V9's trigger
 * announces every change to an owner's keys (create, enable, disable, delete, rotate, expiry,
 * last use, a leak report, an operator's SQL) and the listener drops that owner's list; the
 * instance that made a change drops it before answering, so its client reads its own write.
 * Trusted only while the listener is connected; no list outlives
 * {@code latchkey.cache.session-ttl}.
 */
@ApplicationScoped
public class KeyListCache {

    private final Cache<String, List<ApiKey>> lists;
    /** Moved by every invalidation: a list read across one is not kept. */
    private final AtomicLong changes = new AtomicLong();
    private volatile boolean trusted;

    public KeyListCache(LatchkeyConfig config, MeterRegistry metrics) {
        this.lists = Caffeine.newBuilder()
                .recordStats()
                .executor(Runnable::run)
                .maximumSize(config.cache().sessions())
                .expireAfterWrite(config.cache().sessionTtl())
                .build();
        CaffeineCacheMetrics.monitor(metrics, lists, "key-lists");
    }

    /** The owner's cached list, or null (also whenever the cache is not trusted). */
    List<ApiKey> get(String ownerId) {
        return trusted ? lists.getIfPresent(ownerId) : null;
    }

    /** Taken before the database read whose result {@link #keep} may store. */
    long version() {
        return changes.get();
    }

    void keep(String ownerId, List<ApiKey> list, long versionBeforeRead) {
        if (!trusted || changes.get() != versionBeforeRead) {
            return;
        }
        lists.put(ownerId, List.copyOf(list));
        if (changes.get() != versionBeforeRead) {
            lists.invalidate(ownerId);
        }
    }

    public long size() {
        lists.cleanUp();
        return lists.estimatedSize();
    }

    public void ownerChanged(String ownerId) {
        changes.incrementAndGet();
        lists.invalidate(ownerId);
    }

    /** The listener is subscribed: start empty, then keep what is read. */
    public void trust() {
        changes.incrementAndGet();
        lists.invalidateAll();
        trusted = true;
    }

    /** The listener is gone: notices may be missed from now on. */
    public void distrust() {
        trusted = false;
        changes.incrementAndGet();
        lists.invalidateAll();
    }
}
