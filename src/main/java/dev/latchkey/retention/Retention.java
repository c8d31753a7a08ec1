package dev.latchkey.retention;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.session.SessionRepository;
import dev.latchkey.throttle.Throttle;
import dev.latchkey.user.UserRepository;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * Deletes what nothing needs any more, on a schedule, in small batches (each its own short
 * statement, so no long lock and no long transaction): sessions that ended or expired, anonymous
 * users no session can reach, rate-limit counters whose window ended, audit events past their retention. Every instance runs it;
 * the statements are idempotent, so they share the work rather than fight over it.
 */
@ApplicationScoped
public class Retention {

    /** Batches per kind and run at most, so one run stays short even after a long pause. */
    static final int MAX_BATCHES = 20;

    private final SessionRepository sessions;
    private final UserRepository users;
    private final Throttle throttle;
    private final AuditLog audit;
    private final LatchkeyConfig.Retention config;

    public Retention(SessionRepository sessions, UserRepository users, Throttle throttle, AuditLog audit, LatchkeyConfig config) {
        this.sessions = sessions;
        this.users = users;
        this.throttle = throttle;
        this.audit = audit;
        this.config = config.retention();
    }

    @Scheduled(every = "${latchkey.retention.every:5m}", delayed = "${latchkey.retention.every:5m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return purge().onFailure().invoke(failure -> Log.warnf("retention purge failed: %s", failure.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** One full run; the number of rows deleted. */
    public Uni<Integer> purge() {
        int batch = config.batch();
        return drain(() -> sessions.purgeDead(config.sessions(), batch), batch)
                .chain(deadSessions -> drain(() -> users.purgeAbandonedAnonymous(config.anonymousUsers(), batch), batch)
                        .chain(anonymous -> drain(() -> throttle.purgeEnded(batch), batch)
                                .chain(counters -> drain(() -> audit.purgeOlderThan(config.auditEvents(), batch), batch)
                                        .map(events -> {
                                            int total = deadSessions + anonymous + counters + events;
                                            if (total > 0) {
                                                Log.debugf("retention: %d sessions, %d anonymous users, %d counters, %d audit events deleted",
                                                        deadSessions, anonymous, counters, events);
                                            }
                                            return total;
                                        }))));
    }

    /** Runs the batch until it deletes less than a full batch, or MAX_BATCHES times. */
    private static Uni<Integer> drain(Supplier<Uni<Integer>> oneBatch, int batch) {
        return drain(oneBatch, batch, 0, 0);
    }

    private static Uni<Integer> drain(Supplier<Uni<Integer>> oneBatch, int batch, int done, int total) {
        return oneBatch.get().chain(deleted -> deleted < batch || done + 1 >= MAX_BATCHES
                ? Uni.createFrom().item(total + deleted)
                : drain(oneBatch, batch, done + 1, total + deleted));
    }
}
