package dev.latchkey.user;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.latchkey.LatchkeyConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

/**
 * Each user's identities and profile data as last read, so a profile (with the session from the
 * live-session cache) needs no database round trip. Kept true the same way as key lists: V10's
 * triggers announce every change to a user's identities or to the email of their credential
 * (a login, a link, an operator's SQL) and the listener drops that user's entry, as it does on
 * V8's user notices; the instance that made a change drops it before answering, so its client
 * reads its own write. Trusted only while the listener is connected; no entry outlives
 * {@code latchkey.cache.session-ttl}.
 */
@ApplicationScoped
public class ProfileCache {

    /** What the profile shows of the user's identities, built once per read of the database. */
    record Entry(List<UserResource.IdentityView> identities, Map<String, Object> data) {
        Entry {
            identities = List.copyOf(identities);
            data = Collections.unmodifiableMap(new LinkedHashMap<>(data));
        }
    }

    private final Cache<String, Entry> profiles;
    /** Moved by every invalidation: an entry read across one is not kept. */
    private final AtomicLong changes = new AtomicLong();
    private volatile boolean trusted;

    public ProfileCache(LatchkeyConfig config, MeterRegistry metrics) {
        this.profiles = Caffeine.newBuilder()
                .recordStats()
                .executor(Runnable::run)
                .maximumSize(config.cache().sessions())
                .expireAfterWrite(config.cache().sessionTtl())
                .build();
        CaffeineCacheMetrics.monitor(metrics, profiles, "profiles");
    }

    /** The user's cached entry, or null (also whenever the cache is not trusted). */
    Entry get(String userId) {
        return trusted ? profiles.getIfPresent(userId) : null;
    }

    /** Taken before the database read whose result {@link #keep} may store. */
    long version() {
        return changes.get();
    }

    void keep(String userId, Entry entry, long versionBeforeRead) {
        if (!trusted || changes.get() != versionBeforeRead) {
            return;
        }
        profiles.put(userId, entry);
        if (changes.get() != versionBeforeRead) {
            profiles.invalidate(userId);
        }
    }

    public long size() {
        profiles.cleanUp();
        return profiles.estimatedSize();
    }

    public void userChanged(String userId) {
        changes.incrementAndGet();
        profiles.invalidate(userId);
    }

    /** The listener is subscribed: start empty, then keep what is read. */
    public void trust() {
        changes.incrementAndGet();
        profiles.invalidateAll();
        trusted = true;
    }

    /** The listener is gone: notices may be missed from now on. */
    public void distrust() {
        trusted = false;
        changes.incrementAndGet();
        profiles.invalidateAll();
    }
}
