package dev.latchkey.audit;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.latchkey.ObjectIds;
import dev.latchkey.http.ClientAddress;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.Arc;
import io.quarkus.logging.Log;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Writes the audit trail. A change and its event commit together ({@link #inTransaction},
 * {@link #on}); a login, which commits on its own, writes its event just after ({@link #after}),
 * and a failure to do so is logged with the event, never dropped silently.
 * The client address is taken from the current request when the event does not carry one.
 */
@ApplicationScoped
public class AuditLog {

    private static final String INSERT_VALUES = "insert into audit_events "
            + "(id, app_id, type, user_id, api_key_id, session_id, actor, address, outcome, detail) "
            + "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text::jsonb)";

    private final Pool pool;
    private final ObjectMapper json;
    private final CurrentVertxRequest request;
    private final MeterRegistry metrics;
    private final Vertx vertx;

    public AuditLog(Pool pool, ObjectMapper json, CurrentVertxRequest request, MeterRegistry metrics, Vertx vertx) {
        this.vertx = vertx;
        this.pool = pool;
        this.json = json;
        this.request = request;
        this.metrics = metrics;
    }

    /** On a connection of the SQL client, inside the transaction it has open. */
    public Uni<Void> on(SqlClient client, AuditEvent event) {
        return client.preparedQuery(INSERT_VALUES).execute(row(event)).invoke(written -> count(event)).replaceWithVoid();
    }

    /** Many events in one round trip (a prepared batch), inside the transaction the client has open. */
    public Uni<Void> onAll(SqlClient client, List<AuditEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = new ArrayList<>(events.size());
        for (AuditEvent event : events) {
            rows.add(row(event));
        }
        return client.preparedQuery(INSERT_VALUES).executeBatch(rows)
                .invoke(written -> events.forEach(this::count))
                .replaceWithVoid();
    }

    private Tuple row(AuditEvent event) {
        AuditEvent e = withAddress(event);
        return Tuple.from(new Object[] { ObjectIds.next(), e.appId(), e.type(), e.userId(), e.apiKeyId(),
                e.sessionId(), e.actor(), e.address(), e.outcome(), detail(e) });
    }

    /**
     * After a change that committed by itself (a login); never fails the caller. Such events are
     * gathered for a few milliseconds and written together in one round trip, so a login costs
     * one statement, not two. Past {@link #MAX_PENDING} waiting events one is written on its own;
     * an event that cannot be written after retries is logged in full, never dropped silently.
     */
    public void after(AuditEvent event) {
        AuditEvent e = withAddress(event);
        if (pendingCount.incrementAndGet() > MAX_PENDING) {
            pendingCount.decrementAndGet();
            write(List.of(e));
            return;
        }
        pending.add(e);
        if (flushScheduled.compareAndSet(false, true)) {
            vertx.setTimer(GATHER.toMillis(), id -> flush());
        }
    }

    static final int MAX_PENDING = 10_000;
    static final int BATCH = 500;
    static final Duration GATHER = Duration.ofMillis(20);

    private final Queue<AuditEvent> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();

    /** Writes what is waiting, a batch at a time; the events written. */
    public Uni<Integer> flush() {
        flushScheduled.set(false);
        List<AuditEvent> batch = new ArrayList<>();
        AuditEvent next;
        while (batch.size() < BATCH && (next = pending.poll()) != null) {
            batch.add(next);
        }
        pendingCount.addAndGet(-batch.size());
        if (!pending.isEmpty() && flushScheduled.compareAndSet(false, true)) {
            vertx.runOnContext(() -> flush());
        }
        return write(batch);
    }

    private Uni<Integer> write(List<AuditEvent> batch) {
        if (batch.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        Uni<Integer> written = onAll(pool, batch).onFailure().retry().atMost(2).replaceWith(batch.size())
                .onFailure().invoke(failure -> batch.forEach(
                        e -> Log.warnf("audit event not written (%s): %s", failure.toString(), e)))
                .onFailure().recoverWithItem(0)
                .memoize().indefinitely();
        written.subscribe().with(count -> {
        });
        return written;
    }

    /** Writes what is still waiting before the service stops. */
    void drain(@Observes ShutdownEvent event) {
        while (!pending.isEmpty()) {
            flush().await().atMost(Duration.ofSeconds(5));
        }
    }

    /** Deletes events older than the retention, at most {@code batch} of them; the number deleted. */
    public Uni<Integer> purgeOlderThan(Duration retention, int batch) {
        return pool.preparedQuery("delete from audit_events where seq in "
                + "(select seq from audit_events where at < now() - make_interval(secs => $1) order by seq limit $2)")
                .execute(Tuple.of((double) retention.toSeconds(), batch))
                .map(rows -> rows.rowCount());
    }

    /**
     * {@code latchkey_audit_events_total} by type and outcome: key operations, sessions ended, user
     * changes and logins as operators count them (types come from the code, never from input).
     */
    private void count(AuditEvent event) {
        metrics.counter("latchkey.audit.events", "type", event.type(), "outcome", event.outcome()).increment();
    }

    private AuditEvent withAddress(AuditEvent event) {
        if (event.address() != null || !Arc.container().requestContext().isActive() || request.getCurrent() == null) {
            return event;
        }
        return event.from(ClientAddress.of(request.getCurrent().request()).address());
    }

    private String detail(AuditEvent event) {
        try {
            return json.writeValueAsString(event.detail() == null ? java.util.Map.of() : event.detail());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
