package dev.latchkey.notify;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.latchkey.LatchkeyConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

/**
 * What an authenticated read needs, as last read from the database, per user or owner, kept true
 * by the database's notices ({@link Revocations}): a notice for the subject drops its entry, and
 * the instance that makes a change drops it before answering, so its client reads its own write.
 * Trusted only while the listener is connected (notices may be missed otherwise); bounded by
 * {@code latchkey.cache.sessions} entries, none older than {@code latchkey.cache.session-ttl}.
 * A read that an invalidation of its subject crossed is not kept: callers take
 * {@link #version(String)} before reading and hand it to {@link #keep}. Versions are counted per
 * stripe of subjects, so a flood of changes to some users (every login drops its user's profile)
 * does not stop other users' reads from being kept.
 */
public class NoticedCache<V> {

    private final Cache<String, V> entries;
    private static final int STRIPES = 1024;
    private static final int STRIPE_BITS = 40;

    /** Moved by every change of a subject in the stripe: a value read across one is not kept. */
    private final AtomicLongArray changes = new AtomicLongArray(STRIPES);
    /** Moved when the cache is emptied (trusted again, or not): no read from before is kept. */
    private final AtomicLong epoch = new AtomicLong();
    private volatile boolean trusted;

    protected NoticedCache(LatchkeyConfig config, MeterRegistry metrics, String name) {
        this.entries = Caffeine.newBuilder()
                .recordStats()
                .executor(Runnable::run)
                .maximumSize(config.cache().sessions())
                .expireAfterWrite(config.cache().sessionTtl())
                .build();
        CaffeineCacheMetrics.monitor(metrics, entries, name);
    }

    /** The subject's cached value, or null (also whenever the cache is not trusted). */
    public V get(String subject) {
        return trusted ? entries.getIfPresent(subject) : null;
    }

    /** Taken before the database read whose result {@link #keep} may store. */
    public long version(String subject) {
        return epoch.get() << STRIPE_BITS | changes.get(stripe(subject)) & ((1L << STRIPE_BITS) - 1);
    }

    public void keep(String subject, V value, long versionBeforeRead) {
        if (!trusted || version(subject) != versionBeforeRead) {
            return;
        }
        entries.put(subject, value);
        if (version(subject) != versionBeforeRead) {
            entries.invalidate(subject);
        }
    }

    public long size() {
        entries.cleanUp();
        return entries.estimatedSize();
    }

    /** The subject changed: its entry goes, and no read in flight keeps an older one. */
    protected void changed(String subject) {
        changes.incrementAndGet(stripe(subject));
        entries.invalidate(subject);
    }

    /** The listener is subscribed: start empty, then keep what is read. */
    public void trust() {
        epoch.incrementAndGet();
        entries.invalidateAll();
        trusted = true;
    }

    private static int stripe(String subject) {
        return subject.hashCode() & (STRIPES - 1);
    }

    /** The listener is gone: notices may be missed from now on. */
    public void distrust() {
        trusted = false;
        epoch.incrementAndGet();
        entries.invalidateAll();
    }
}
