package dev.latchkey.session;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;

import dev.latchkey.LatchkeyConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

/**
 * Live sessions this instance has read, so an authenticated request usually needs no session
 * query. Revocation stays instant because the database itself announces every change that
 * could make a cached session wrong (V8's triggers: a session ended or shortened, a user
 * disabled, retyped or deleted), and a listener (package {@code notify}) drops those entries at
 * once. The cache is trusted only while that listener is connected: before it has subscribed,
 * and from the moment its connection drops until it has subscribed again (when everything is
 * dropped, since notices may have been missed), every request reads the database. No entry
 * outlives {@code latchkey.cache.session-ttl}, nor its session's own expiry.
 */
@ApplicationScoped
public class LiveSessionCache {

    /** A cached session, until it expires. */
    record Entry(LiveSession session, OffsetDateTime expiresAt) {
    }

    private final Cache<String, Entry> sessions;
    /** Session ids by user, kept exactly in step with the cache (its removal listener runs inline). */
    private final Map<String, Set<String>> byUser = new ConcurrentHashMap<>();
    private final AtomicLong epoch = new AtomicLong();
    private volatile boolean trusted;

    public LiveSessionCache(LatchkeyConfig config, MeterRegistry metrics) {
        Duration ttl = config.cache().sessionTtl();
        this.sessions = Caffeine.newBuilder()
                .recordStats()
                .executor(Runnable::run)
                .maximumSize(config.cache().sessions())
                .removalListener((String id, Entry entry, RemovalCause cause) -> {
                    if (id != null && entry != null) {
                        byUser.computeIfPresent(entry.session().userId(), (user, ids) -> {
                            ids.remove(id);
                            return ids.isEmpty() ? null : ids;
                        });
                    }
                })
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String id, Entry entry, long now) {
                        long untilExpiry = Duration.between(OffsetDateTime.now(), entry.expiresAt()).toNanos();
                        return Math.max(0, Math.min(ttl.toNanos(), untilExpiry));
                    }

                    @Override
                    public long expireAfterUpdate(String id, Entry entry, long now, long current) {
                        return expireAfterCreate(id, entry, now);
                    }

                    @Override
                    public long expireAfterRead(String id, Entry entry, long now, long current) {
                        return current;
                    }
                })
                .build();
        CaffeineCacheMetrics.monitor(metrics, sessions, "live-sessions");
    }

    /** The cached session, or null (also whenever the cache is not trusted). */
    LiveSession get(String sessionId) {
        if (!trusted) {
            return null;
        }
        Entry entry = sessions.getIfPresent(sessionId);
        return entry == null || !entry.expiresAt().isAfter(OffsetDateTime.now()) ? null : entry.session();
    }

    /**
     * Remembers a session just read, unless the cache is not trusted. A notice can cross the read:
     * the entry is only put when the epoch (bumped by every invalidation) did not move meanwhile.
     */
    void put(LiveSession session, OffsetDateTime expiresAt, long epochBeforeRead) {
        if (trusted && epoch.get() == epochBeforeRead) {
            byUser.computeIfAbsent(session.userId(), user -> ConcurrentHashMap.newKeySet()).add(session.sessionId());
            sessions.put(session.sessionId(), new Entry(session, expiresAt));
            if (epoch.get() != epochBeforeRead) {
                // A notice arrived while putting: it may have missed this entry.
                sessions.invalidate(session.sessionId());
            }
        }
    }

    /** Read before a database read whose result may be put. */
    long epoch() {
        return epoch.get();
    }

    public void sessionChanged(String sessionId) {
        epoch.incrementAndGet();
        sessions.invalidate(sessionId);
    }

    public void userChanged(String userId) {
        epoch.incrementAndGet();
        Set<String> ids = byUser.get(userId);
        if (ids != null) {
            sessions.invalidateAll(Set.copyOf(ids));
        }
    }

    /** An app was deleted: none of its sessions stands (rare, so a scan). */
    public void appChanged(String appId) {
        epoch.incrementAndGet();
        sessions.asMap().entrySet().removeIf(e -> e.getValue().session().appId().equals(appId));
    }

    /** The listener is connected and subscribed: start from nothing, then trust what is read. */
    public void trust() {
        epoch.incrementAndGet();
        sessions.invalidateAll();
        trusted = true;
    }

    /** The listener lost its connection: notices may be missed from now on. */
    public void distrust() {
        trusted = false;
        epoch.incrementAndGet();
        sessions.invalidateAll();
    }

    public boolean trusted() {
        return trusted;
    }

    public long size() {
        sessions.cleanUp();
        return sessions.estimatedSize();
    }
}
