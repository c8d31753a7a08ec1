package dev.latchkey.embedded;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import org.jboss.logging.Logger;
import io.quarkus.runtime.ExecutionMode;
import io.quarkus.runtime.ImageMode;
import io.quarkus.runtime.LaunchMode;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * The embedded default: when the packaged service starts with no database URL configured
 * anywhere (environment, system properties, application.properties, .env), it starts its own
 * PostgreSQL ({@link EmbeddedPostgres}) and hands its URL and credentials to the datasource.
 *
 * <p>Why a config source: Quarkus builds its runtime configuration first thing at start-up,
 * before the datasource and database/Migrations read it, so the server is up before anything connects,
 * in {@code java -jar} and {@code bin/run} alike. It acts only in the run-time init phase: not
 * {@code @StaticInitSafe}, so never in a native image's build-time init, and the build's own
 * reading of the configuration is told apart by the execution mode.
 * A config source exists before CDI and {@code @ConfigMapping}, so it reads its one setting,
 * {@code latchkey.data-dir} ({@code LATCHKEY_DATA_DIR}), through the context of the other sources.
 */
public class EmbeddedPostgresConfigSourceFactory implements ConfigSourceFactory {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgresConfigSourceFactory.class);

    static final String REACTIVE_URL = "quarkus.datasource.reactive.url";
    static final String JDBC_URL = "quarkus.datasource.jdbc.url";
    static final String DATA_DIR = "latchkey.data-dir";
    static final String DEFAULT_DATA_DIR = "latchkey-data";

    /** Above application.properties (250), below the environment (300) and system properties (400). */
    static final int ORDINAL = 275;

    /**
     * The running server. Configuration may be built more than once in one JVM; the server is
     * started once, and {@link EmbeddedPostgresShutdown} (a bean, which cannot share anything
     * else with a config source) stops it.
     */
    private static EmbeddedPostgres running;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        // Tests get their databases from TestDatabase, dev mode from Dev Services. The build
        // reads configuration too (as NORMAL, outside any run) and records what it sees.
        if (LaunchMode.current() != LaunchMode.NORMAL || ExecutionMode.current() != ExecutionMode.RUNTIME_INIT) {
            return List.of();
        }
        if (isSet(context.getValue(REACTIVE_URL))) {
            return List.of();
        }
        if (isSet(context.getValue(JDBC_URL))) {
            // Releases before database/Migrations needed both URLs; the JDBC one alone is a half-done configuration.
            throw new IllegalStateException("QUARKUS_DATASOURCE_JDBC_URL is set and QUARKUS_DATASOURCE_REACTIVE_URL is not: "
                    + "Latchkey reads only the reactive URL (postgresql://host:5432/db); set it, or neither to use the "
                    + "embedded PostgreSQL");
        }
        if (ImageMode.current() == ImageMode.NATIVE_RUN) {
            // The server binaries are a jar resource the native image does not carry.
            throw new IllegalStateException("the native executable has no embedded PostgreSQL: set "
                    + "QUARKUS_DATASOURCE_REACTIVE_URL (and _USERNAME, _PASSWORD)");
        }
        ConfigValue dataDir = context.getValue(DATA_DIR);
        EmbeddedPostgres server = start(Path.of(isSet(dataDir) ? dataDir.getValue() : DEFAULT_DATA_DIR));
        return List.of(new PropertiesConfigSource(Map.of(
                REACTIVE_URL, server.reactiveUrl(),
                "quarkus.datasource.username", EmbeddedPostgres.USER,
                "quarkus.datasource.password", server.password()),
                "embedded PostgreSQL", ORDINAL));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }

    private static synchronized EmbeddedPostgres start(Path dataDir) {
        if (running == null) {
            long started = System.nanoTime();
            try {
                running = EmbeddedPostgres.start(dataDir);
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("could not start the embedded PostgreSQL in " + dataDir.toAbsolutePath()
                        + ": " + e.getMessage() + "\nTo use your own PostgreSQL instead, set QUARKUS_DATASOURCE_REACTIVE_URL "
                        + "(and _USERNAME, _PASSWORD).", e);
            }
            LOG.infof("Database: embedded PostgreSQL on 127.0.0.1:%d, data in %s (LATCHKEY_DATA_DIR). To use your own "
                    + "PostgreSQL instead, set QUARKUS_DATASOURCE_REACTIVE_URL.",
                    running.port(), running.directory());
            LOG.debugf("embedded PostgreSQL ready in %d ms", (System.nanoTime() - started) / 1_000_000);
        }
        return running;
    }

    static synchronized void stopRunning() {
        if (running != null) {
            running.stop();
        }
    }

    private static boolean isSet(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank();
    }
}
