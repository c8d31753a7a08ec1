package dev.latchkey.http;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;

/**
 * Refuses a body declared over 64 KiB before reading any of it, with SPEC's JSON error. (A
 * chunked body has no declared length; {@code quarkus.http.limits.max-body-size} stops it.)
 */
@ApplicationScoped
public class BodyLimit {

    static final long MAX_BYTES = 64 * 1024;
    static final String TOO_LARGE = "{\"error\":\"request too large\",\"error_code\":\"BadRequest\"}";

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && declaredTooLarge(length)) {
                ctx.response().setStatusCode(413)
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end(TOO_LARGE);
                return;
            }
            ctx.next();
        });
    }

    private static boolean declaredTooLarge(String length) {
        try {
            return Long.parseLong(length.trim()) > MAX_BYTES;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
