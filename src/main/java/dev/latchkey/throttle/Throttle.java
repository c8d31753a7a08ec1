package dev.latchkey.throttle;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import dev.latchkey.error.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Rate limits every instance shares, kept in the database (SPEC section 5). Each counter is a
 * fixed window that starts at its first attempt; counters are keyed by the SHA-256 of the limit
 * and its subject, so no input makes a key long. Work that costs something is reserved before
 * it starts, in one statement for all of its counters; cheap failures are counted after the fact.
 * Subjects found over a limit are remembered here (bounded, until their window ends) so that
 * cheap attempts from them are refused without a database round trip.
 */
@ApplicationScoped
public class Throttle {

    /** A limit: at most {@code max} attempts per subject within {@code window}. */
    public record Limit(String name, int max, Duration window) {
    }

    /** One counter an attempt takes a place in. */
    public record Slot(Limit limit, String subject) {
        byte[] key() {
            return sha256(limit.name() + "\n" + subject);
        }
    }

    static final int MAX_REMEMBERED = 50_000;

    private final Pool pool;
    /** Counter key (hex) to the epoch millisecond its block ends. */
    private final MeterRegistry metrics;
    private final Cache<String, Long> blocked = Caffeine.newBuilder()
            .recordStats()
            .maximumSize(MAX_REMEMBERED)
            .expireAfter(new Expiry<String, Long>() {
                @Override
                public long expireAfterCreate(String key, Long until, long now) {
                    return Math.max(0, Duration.ofMillis(until - System.currentTimeMillis()).toNanos());
                }

                @Override
                public long expireAfterUpdate(String key, Long until, long now, long current) {
                    return expireAfterCreate(key, until, now);
                }

                @Override
                public long expireAfterRead(String key, Long until, long now, long current) {
                    return current;
                }
            })
            .build();

    public Throttle(Pool pool, MeterRegistry metrics) {
        this.pool = pool;
        this.metrics = metrics;
        CaffeineCacheMetrics.monitor(metrics, blocked, "blocked-clients");
    }

    /**
     * Takes a place in every slot's counter at once; 429 with Retry-After when any of them is full.
     * A counter known here to be full is refused without asking the database, so a flood from a
     * blocked client costs no database work.
     */
    public Uni<Void> reserve(Slot... slots) {
        long known = knownBlockedSeconds(slots);
        if (known > 0) {
            refused(slots);
            return Uni.createFrom().failure(ApiException.tooManyRequests(known));
        }
        return count(slots).map(over -> {
            if (over > 0) {
                refused(slots);
                throw ApiException.tooManyRequests(over);
            }
            return null;
        });
    }

    /**
     * Counts a cheap attempt that failed, after the fact. Returns the seconds to wait when a counter
     * was already full before this attempt (another instance filled it): the attempt then counts
     * as refused, and its caller answers 429 rather than telling how it went. 0 otherwise.
     */
    public Uni<Long> record(Slot... slots) {
        return count(slots);
    }

    /** Another instance filled a counter ({@code <key hex>:<until epoch ms>}, from the database's notice). */
    public void blockedElsewhere(String notice) {
        int colon = notice.indexOf(':');
        if (colon != 64) {
            return;
        }
        try {
            long until = Long.parseLong(notice.substring(colon + 1));
            if (until > System.currentTimeMillis()) {
                blocked.put(notice.substring(0, colon), until);
            }
        } catch (NumberFormatException e) {
            // not a notice of ours
        }
    }

    private void announce(String key, long until) {
        pool.preparedQuery("select pg_notify('latchkey_revoke', $1)").execute(Tuple.of("t:" + key + ":" + until))
                .subscribe().with(done -> {
                }, failure -> io.quarkus.logging.Log.debugf("throttle notice not sent: %s", failure.toString()));
    }

    /** Makes the limit's refusal counter exist (at 0) before the first refusal, so dashboards see it. */
    public Limit track(Limit limit) {
        metrics.counter("latchkey.throttled", "limit", limit.name());
        return limit;
    }

    /** Counts a refused attempt by limit for {@code latchkey_throttled_total}. */
    public void refused(Slot... slots) {
        for (Slot slot : slots) {
            metrics.counter("latchkey.throttled", "limit", slot.limit().name()).increment();
        }
    }

    /** Gives back places reserved for attempts that turned out not to count (a login that succeeded). */
    public Uni<Void> release(Slot... slots) {
        List<Buffer> keys = new ArrayList<>(slots.length);
        for (Slot slot : slots) {
            keys.add(Buffer.buffer(slot.key()));
        }
        return pool.preparedQuery("update throttle_counters set count = count - 1 "
                + "where key = any($1) and count > 0 and window_end > now()")
                .execute(Tuple.of(keys.toArray(Buffer[]::new)))
                .replaceWithVoid();
    }

    /** Whether any slot is known here to be full, without a database round trip; 0 when none is. */
    public long knownBlockedSeconds(Slot... slots) {
        long now = System.currentTimeMillis();
        long longest = 0;
        for (Slot slot : slots) {
            Long until = blocked.getIfPresent(HexFormat.of().formatHex(slot.key()));
            if (until != null && until > now) {
                longest = Math.max(longest, (until - now + 999) / 1000);
            }
        }
        return longest;
    }

    /** Deletes counters whose window has ended, at most {@code batch} of them; the number deleted. */
    public Uni<Integer> purgeEnded(int batch) {
        return pool.preparedQuery("delete from throttle_counters where key in "
                + "(select key from throttle_counters where window_end <= now() limit $1)")
                .execute(Tuple.of(batch))
                .map(rows -> rows.rowCount());
    }

    /** One statement for every counter; the longest wait among the counters now over their limit, in seconds. */
    private Uni<Long> count(Slot... slots) {
        Map<String, Slot> byKey = new LinkedHashMap<>();
        for (Slot slot : slots) {
            byKey.putIfAbsent(HexFormat.of().formatHex(slot.key()), slot);
        }
        Buffer[] keys = new Buffer[byKey.size()];
        Double[] windows = new Double[byKey.size()];
        int i = 0;
        for (Slot slot : byKey.values()) {
            keys[i] = Buffer.buffer(slot.key());
            windows[i++] = slot.limit().window().toMillis() / 1000.0;
        }
        return pool.preparedQuery("insert into throttle_counters as t (key, window_start, window_end, count) "
                + "select k, now(), now() + make_interval(secs => w), 1 from unnest($1::bytea[], $2::float8[]) as u(k, w) "
                + "on conflict (key) do update set "
                + "window_start = case when t.window_end <= now() then now() else t.window_start end, "
                + "window_end = case when t.window_end <= now() then excluded.window_end else t.window_end end, "
                + "count = case when t.window_end <= now() then 1 else t.count + 1 end "
                + "returning key, count, extract(epoch from window_end - now())::float8")
                .execute(Tuple.of(keys, windows))
                .map(rows -> {
                    long longest = 0;
                    long now = System.currentTimeMillis();
                    for (Row row : rows) {
                        String key = HexFormat.of().formatHex(row.getBuffer(0).getBytes());
                        Slot slot = byKey.get(key);
                        if (slot == null || row.getInteger(1) < slot.limit().max()) {
                            continue;
                        }
                        // Full: the next attempt is refused here without asking the database, and the
                        // other instances are told once (when the counter just filled).
                        long waitMillis = (long) (row.getDouble(2) * 1000);
                        blocked.put(key, now + waitMillis);
                        if (row.getInteger(1) == slot.limit().max()) {
                            announce(key, now + waitMillis);
                        }
                        if (row.getInteger(1) > slot.limit().max()) {
                            longest = Math.max(longest, Math.max(1, (waitMillis + 999) / 1000));
                        }
                    }
                    return longest;
                });
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
