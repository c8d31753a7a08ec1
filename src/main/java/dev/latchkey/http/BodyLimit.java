package dev.latchkey.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.quarkus.vertx.http.runtime.VertxHttpRecorder;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;

/**
 * Refuses a body over 64 KiB, with SPEC's JSON error: a declared length before reading any of the
 * body, a chunked one as soon as it passes the limit. A route that must take more (GitHub's leak
 * reports) raises the limit for its exact path with {@link #raise}; {@code
 * quarkus.http.limits.max-body-size} is set to the largest of them, and this narrows it back for
 * every other path.
 */
@ApplicationScoped
public class BodyLimit {

    static final long MAX_BYTES = 64 * 1024;
    static final String TOO_LARGE = "{\"error\":\"request too large\",\"error_code\":\"BadRequest\"}";

    /** Exact paths with a larger limit; a handful, registered at start-up. */
    private final Map<String, Long> raised = new ConcurrentHashMap<>();

    /** Lets requests to exactly this path carry up to {@code maxBytes} (no more than quarkus.http.limits.max-body-size). */
    public void raise(String path, long maxBytes) {
        raised.put(path, maxBytes);
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && declaredTooLarge(length, limitFor(ctx.normalizedPath()))) {
                ctx.response().setStatusCode(413)
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end(TOO_LARGE);
                return;
            }
            ctx.next();
        });
        // A chunked body has no declared length: Quarkus's own check (just before this one) hands
        // the reader its global limit, which this replaces with the path's.
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT + 1).handler(ctx -> {
            if (ctx.get(VertxHttpRecorder.MAX_REQUEST_SIZE_KEY) != null) {
                ctx.put(VertxHttpRecorder.MAX_REQUEST_SIZE_KEY, limitFor(ctx.normalizedPath()));
            }
            ctx.next();
        });
    }

    private long limitFor(String path) {
        return raised.getOrDefault(path, MAX_BYTES);
    }

    private static boolean declaredTooLarge(String length, long limit) {
        try {
            return Long.parseLong(length.trim()) > limit;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
