package dev.latchkey.console;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;

/**
 * The console is static files under {@code META-INF/resources/console/}, served at
 * {@code /console/}; {@code /console} itself sends the browser there. The Location is relative,
 * so it stays right behind a proxy that serves Latchkey under a path of its own. Its security
 * headers come from {@code quarkus.http.filter.console} in application.properties.
 */
@ApplicationScoped
public class ConsoleRedirect {

    void install(@Observes Router router) {
        router.routeWithRegex("/console").handler(ctx -> ctx.response().setStatusCode(301)
                .putHeader(HttpHeaders.LOCATION, "console/").end());
    }
}
