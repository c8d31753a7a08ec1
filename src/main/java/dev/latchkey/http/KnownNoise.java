package dev.latchkey.http;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * Drops two log lines that ask nothing of an operator. vertx-sql-client's pool fails an already
 * failed acquisition again when its connection timeout fires (eclipse-vertx/vertx-sql-client#1706),
 * and Vert.x reports that as an uncaught "Result is already complete" ERROR after every refused
 * connection; the real failure was already answered (503) and logged once. And the PostgreSQL
 * client makes its metrics once per connection, not once per pool (vertx-pg-client 4.5's
 * PgConnectionFactory), so Quarkus's Micrometer binder registers the pool's
 * {@code postgresql.queue.size} gauge again with every connection after the first, and Micrometer
 * warns at every start that the gauge "has been already registered". The gauge is right all the
 * same: the binder hands every connection of the pool the same counter (its {@code Gauges} keeps one
 * per meter id), so the registrations Micrometer ignores would have read that counter too.
 */
@LoggingFilter(name = "latchkey-known-noise")
public final class KnownNoise implements Filter {

    static final String METER_REGISTRY = "io.micrometer.core.instrument.MeterRegistry";
    static final String SQL_GAUGE_AGAIN = "This Gauge has been already registered (MeterId{name='postgresql.";

    @Override
    public boolean isLoggable(LogRecord record) {
        if (METER_REGISTRY.equals(record.getLoggerName()) && record.getMessage() != null
                && record.getMessage().startsWith(SQL_GAUGE_AGAIN)) {
            return false;
        }
        Throwable thrown = record.getThrown();
        if (thrown instanceof IllegalStateException && "Result is already complete".equals(thrown.getMessage())) {
            for (StackTraceElement frame : thrown.getStackTrace()) {
                if (frame.getClassName().startsWith("io.vertx.sqlclient.impl.pool.SqlConnectionPool")) {
                    return false;
                }
            }
        }
        return true;
    }
}
