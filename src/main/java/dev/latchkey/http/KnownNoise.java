package dev.latchkey.http;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * Drops one log line that says nothing true: vertx-sql-client's pool fails an already failed
 * acquisition again when its connection timeout fires (eclipse-vertx/vertx-sql-client#1706), and
 * Vert.x reports that as an uncaught "Result is already complete" ERROR after every refused
 * connection. The real failure was already answered (503) and logged once.
 */
@LoggingFilter(name = "latchkey-known-noise")
public final class KnownNoise implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
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
