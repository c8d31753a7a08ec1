package dev.latchkey.embedded;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.ShutdownEvent;

/**
 * Stops the embedded PostgreSQL when Latchkey stops. Quarkus fires ShutdownEvent after the
 * HTTP drain (requests in flight have had their answers), and the highest priority runs this
 * observer after every other one, which may still use the database.
 */
@ApplicationScoped
public class EmbeddedPostgresShutdown {

    void stop(@Observes @Priority(Integer.MAX_VALUE) ShutdownEvent event) {
        EmbeddedPostgresConfigSourceFactory.stopRunning();
    }
}
