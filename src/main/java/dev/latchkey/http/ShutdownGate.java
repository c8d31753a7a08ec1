package dev.latchkey.http;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;

/**
 * Graceful shutdown, the half Quarkus leaves open: once the process is told to stop, requests
 * that arrive are refused at once with 503 and Retry-After (a client retries them on another
 * instance), while the ones already in flight finish within {@code quarkus.shutdown.timeout}.
 * A JVM shutdown hook flips the gate, since every hook starts as soon as the signal arrives.
 */
@ApplicationScoped
public class ShutdownGate {

    static final String UNAVAILABLE = "{\"error\":\"service unavailable: shutting down\",\"error_code\":\"ServiceUnavailable\"}";

    private volatile boolean closing;

    void install(@Observes Router router) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closing = true, "latchkey-shutdown-gate"));
        router.route().order(Integer.MIN_VALUE + 1).handler(ctx -> {
            if (closing) {
                ctx.response().setStatusCode(503)
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .putHeader("Retry-After", "1")
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end(UNAVAILABLE);
                return;
            }
            ctx.next();
        });
    }
}
