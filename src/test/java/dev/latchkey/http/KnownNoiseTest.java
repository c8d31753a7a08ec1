package dev.latchkey.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

/** The two known lines are dropped, and only those: the same words from elsewhere still log. */
class KnownNoiseTest {

    private static final String SQL_GAUGE_LINE = "This Gauge has been already registered (MeterId{name='postgresql.queue.size', "
            + "tags=[tag(clientName=<default>),tag(clientType=sql)]}), the registration will be ignored. "
            + "Note that subsequent logs will be logged at debug level.";

    private final KnownNoise filter = new KnownNoise();

    @Test
    void dropsTheSqlClientsGaugeRegisteredAgain() {
        assertFalse(filter.isLoggable(record(KnownNoise.METER_REGISTRY, SQL_GAUGE_LINE, null)));
    }

    @Test
    void keepsOtherMetersRegisteredAgainAndTheSameWordsFromOtherLoggers() {
        assertTrue(filter.isLoggable(record(KnownNoise.METER_REGISTRY,
                "This Gauge has been already registered (MeterId{name='latchkey.key.logins.queued', tags=[]}), "
                        + "the registration will be ignored.", null)));
        assertTrue(filter.isLoggable(record(KnownNoise.METER_REGISTRY,
                "This Timer has been already registered (MeterId{name='postgresql.queue.delay', tags=[]}), "
                        + "the registration will be ignored.", null)));
        assertTrue(filter.isLoggable(record("dev.latchkey.Anything", SQL_GAUGE_LINE, null)));
    }

    @Test
    void dropsThePoolsSecondCompletionOnlyWhenThePoolThrewIt() {
        IllegalStateException fromPool = new IllegalStateException("Result is already complete");
        fromPool.setStackTrace(new StackTraceElement[] {
                new StackTraceElement("io.vertx.core.Promise", "complete", "Promise.java", 66),
                new StackTraceElement("io.vertx.sqlclient.impl.pool.SqlConnectionPool$1", "handle", "SqlConnectionPool.java", 1) });
        assertFalse(filter.isLoggable(record("io.vertx.core.impl.ContextImpl", "Unhandled exception", fromPool)));

        IllegalStateException elsewhere = new IllegalStateException("Result is already complete");
        elsewhere.setStackTrace(new StackTraceElement[] {
                new StackTraceElement("dev.latchkey.Something", "run", "Something.java", 1) });
        assertTrue(filter.isLoggable(record("io.vertx.core.impl.ContextImpl", "Unhandled exception", elsewhere)));
        assertTrue(filter.isLoggable(record("io.vertx.core.impl.ContextImpl", "Unhandled exception", new IllegalStateException("other"))));
    }

    private static LogRecord record(String logger, String message, Throwable thrown) {
        LogRecord record = new LogRecord(thrown == null ? Level.WARNING : Level.SEVERE, message);
        record.setLoggerName(logger);
        record.setThrown(thrown);
        return record;
    }
}
