package dev.latchkey.apikey;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.latchkey.apikey.ApiKeyRepository.KeyLogin;
import dev.latchkey.apikey.ApiKeyRepository.KeyLoginRequest;
import dev.latchkey.error.ApiException;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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
 * <p>
 * On {@code /q/metrics}: {@code latchkey_key_logins_wait_seconds} (a login's arrival to its
 * answer: waiting for the running statement, then its own), {@code
 * latchkey_key_logins_statement_seconds} (one statement with its commit), {@code
 * latchkey_key_logins_batch} (logins per statement), {@code latchkey_key_logins_queued} and
 * {@code latchkey_key_logins_running}, so an operator can tell a slow database (long statements)
 * from a full queue (long waits, large batches).
 */
@ApplicationScoped
public class KeyLogins {

    static final int MAX_IN_FLIGHT = 4;
    static final Duration STALL = Duration.ofMillis(10);
    static final int MAX_BATCH = 64;
    static final int MAX_QUEUED = 256;

    /** {@code gone}: the caller cancelled (its deadline passed) before the statement ran; {@code arrived}: {@link System#nanoTime()}. */
    private record Pending(KeyLoginRequest request, Context context, UniEmitter<? super KeyLogin> emitter, AtomicBoolean gone,
            long arrived) {
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
    private final Timer waits;
    private final Timer statementTimes;
    private final DistributionSummary batches;

    @Inject
    public KeyLogins(ApiKeyRepository keys, MeterRegistry metrics) {
        this(keys, MAX_QUEUED, STALL, metrics);
    }

    KeyLogins(ApiKeyRepository keys, int maxQueued, Duration stall, MeterRegistry metrics) {
        this.keys = keys;
        this.maxQueued = maxQueued;
        this.stallNanos = stall.toNanos();
        Duration[] buckets = Stream.of(1, 2, 5, 10, 20, 50, 100, 250, 1000).map(Duration::ofMillis).toArray(Duration[]::new);
        this.waits = Timer.builder("latchkey.key.logins.wait").description("api-key logins: arrival to answer of the statement")
                .serviceLevelObjectives(buckets).register(metrics);
        this.statementTimes = Timer.builder("latchkey.key.logins.statement")
                .description("api-key login statements: start to answer, commit included").serviceLevelObjectives(buckets)
                .register(metrics);
        this.batches = DistributionSummary.builder("latchkey.key.logins.batch").description("api-key logins per statement")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, MAX_BATCH).register(metrics);
        Gauge.builder("latchkey.key.logins.queued", queued, AtomicInteger::get)
                .description("api-key logins waiting for a statement").register(metrics);
        Gauge.builder("latchkey.key.logins.running", inFlight, AtomicInteger::get)
                .description("api-key login statements running").register(metrics);
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
            queue.add(new Pending(request, Vertx.currentContext(), emitter, gone, System.nanoTime()));
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
        batches.record(batch.size());
        long began = System.nanoTime();
        Uni<Map<String, KeyLogin>> started;
        try {
            started = keys.startSessions(batch.stream().map(Pending::request).toList());
        } catch (RuntimeException e) {
            started = Uni.createFrom().failure(e);
        }
        started.subscribe().with(logins -> {
            statementTimes.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
            inFlight.decrementAndGet();
            for (Pending pending : batch) {
                KeyLogin login = logins.get(pending.request().sessionId());
                answer(pending, () -> pending.emitter().complete(login));
            }
            drain();
        }, failure -> {
            statementTimes.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
            inFlight.decrementAndGet();
            for (Pending pending : batch) {
                answer(pending, () -> pending.emitter().fail(failure));
            }
            drain();
        });
    }

    private void answer(Pending pending, Runnable answer) {
        if (pending.context() == null || pending.context() == Vertx.currentContext()) {
            answered(pending, answer);
        } else {
            pending.context().runOnContext(ignored -> answered(pending, answer));
        }
    }

    private void answered(Pending pending, Runnable answer) {
        waits.record(System.nanoTime() - pending.arrived(), TimeUnit.NANOSECONDS);
        answer.run();
    }
}
