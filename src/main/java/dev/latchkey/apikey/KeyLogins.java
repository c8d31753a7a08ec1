package dev.latchkey.apikey;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.latchkey.apikey.ApiKeyRepository.KeyLogin;
import dev.latchkey.apikey.ApiKeyRepository.KeyLoginRequest;
import dev.latchkey.error.ApiException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Api-key logins that arrive together share one statement, so one commit. Every login starts a
 * durable session, and under load a login waits mostly for its commit's WAL flush (PostgreSQL's
 * wait events during the bench: WALWrite and WALSync). One statement runs at a time: the logins
 * that arrive meanwhile wait for it and then go together, up to {@link #MAX_BATCH} in one
 * statement, so a flood makes larger commits, not more of them. Only when the newest running
 * statement has run for over {@link #STALL} (it waits for a key's row lock, or a slow flush) may
 * another start beside it, up to {@link #MAX_IN_FLIGHT}, so one stalled statement does not hold
 * every other login. No login waits on a timer. Each login's answer is handed back on its own
 * request's context. At most {@link #MAX_QUEUED} logins wait (the database pool's own wait queue
 * is 256): past that a login is refused at once with 503, so a flood holds no unbounded memory;
 * and a login whose caller has gone (its deadline passed) is dropped before its statement runs.
 * <p>
 * Measured on two cores with 16 clients (wrk, 20 s, runs of the two alternating): one statement
 * at a time gave 7.0-7.3k logins/s in three runs against 5.7-6.4k in four with four at a time,
 * 6.6 logins per WAL flush against 3.7 ({@code pg_stat_wal}).
 */
@ApplicationScoped
public class KeyLogins {

    static final int MAX_IN_FLIGHT = 4;
    static final Duration STALL = Duration.ofMillis(10);
    static final int MAX_BATCH = 64;
    static final int MAX_QUEUED = 256;

    /** {@code gone}: the caller cancelled (its deadline passed) before the statement ran. */
    private record Pending(KeyLoginRequest request, Context context, UniEmitter<? super KeyLogin> emitter, AtomicBoolean gone) {
    }

    private final ApiKeyRepository keys;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong statements = new AtomicLong();
    /** When the newest running statement started ({@link System#nanoTime()}). */
    private volatile long lastStart;
    private final int maxQueued;
    private final long stallNanos;

    @Inject
    public KeyLogins(ApiKeyRepository keys) {
        this(keys, MAX_QUEUED, STALL);
    }

    KeyLogins(ApiKeyRepository keys, int maxQueued, Duration stall) {
        this.keys = keys;
        this.maxQueued = maxQueued;
        this.stallNanos = stall.toNanos();
    }

    /** The owner and key the value logged in as, with the session started; null when no key matched. */
    public Uni<KeyLogin> start(byte[] keyHash, String appId, String sessionId, String deviceId, Duration lifetime) {
        KeyLoginRequest request = new KeyLoginRequest(keyHash, appId, sessionId, deviceId, lifetime);
        return Uni.createFrom().emitter(emitter -> {
            if (queued.incrementAndGet() > maxQueued) {
                queued.decrementAndGet();
                emitter.fail(ApiException.unavailable(1));
                return;
            }
            AtomicBoolean gone = new AtomicBoolean();
            emitter.onTermination(() -> gone.set(true));
            queue.add(new Pending(request, Vertx.currentContext(), emitter, gone));
            drain();
        });
    }

    /** Statements run so far; for tests. */
    long statements() {
        return statements.get();
    }

    private void drain() {
        while (!queue.isEmpty()) {
            int running = inFlight.get();
            if (running >= MAX_IN_FLIGHT || running > 0 && System.nanoTime() - lastStart < stallNanos) {
                return; // the statement that finishes next drains again (or the next login, once it stalls)
            }
            if (!inFlight.compareAndSet(running, running + 1)) {
                continue;
            }
            lastStart = System.nanoTime();
            List<Pending> batch = new ArrayList<>();
            Pending next;
            while (batch.size() < MAX_BATCH && (next = queue.poll()) != null) {
                queued.decrementAndGet();
                if (!next.gone().get()) {
                    batch.add(next);
                }
            }
            if (batch.isEmpty()) {
                inFlight.decrementAndGet();
                continue;
            }
            run(batch);
        }
    }

    private void run(List<Pending> batch) {
        statements.incrementAndGet();
        Uni<Map<String, KeyLogin>> started;
        try {
            started = keys.startSessions(batch.stream().map(Pending::request).toList());
        } catch (RuntimeException e) {
            started = Uni.createFrom().failure(e);
        }
        started.subscribe().with(logins -> {
            inFlight.decrementAndGet();
            for (Pending pending : batch) {
                KeyLogin login = logins.get(pending.request().sessionId());
                answer(pending, () -> pending.emitter().complete(login));
            }
            drain();
        }, failure -> {
            inFlight.decrementAndGet();
            for (Pending pending : batch) {
                answer(pending, () -> pending.emitter().fail(failure));
            }
            drain();
        });
    }

    private static void answer(Pending pending, Runnable answer) {
        if (pending.context() == null || pending.context() == Vertx.currentContext()) {
            answer.run();
        } else {
            pending.context().runOnContext(ignored -> answer.run());
        }
    }
}
