package dev.latchkey.security;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.http.DeadlineInterceptor;
import io.smallrye.mutiny.Uni;

/**
 * The one place that authenticates routes: for every {@link Authenticated} route it resolves
 * the caller (401 when the token or its session is not valid) and admits only the kinds of
 * session the route names (403).
 */
public class CallerFilter {

    /** Each route's rule, read by reflection once. */
    private final Map<SimpleResourceInfo, Optional<Authenticated>> rules = new ConcurrentHashMap<>();
    private final CallerResolver callers;
    private final CurrentCaller current;

    private final Duration deadline;

    public CallerFilter(CallerResolver callers, CurrentCaller current, LatchkeyConfig config) {
        this.callers = callers;
        this.current = current;
        this.deadline = config.requestDeadline();
    }

    @ServerRequestFilter
    public Uni<Response> authenticate(ContainerRequestContext request, SimpleResourceInfo resource) {
        Authenticated rule = rules.computeIfAbsent(resource, CallerFilter::rule).orElse(null);
        if (rule == null) {
            return Uni.createFrom().nullItem();
        }
        return DeadlineInterceptor.within(callers.resolve(request.getHeaderString(HttpHeaders.AUTHORIZATION), Admission.of(rule)),
                deadline).map(caller -> {
                    current.set(caller);
                    return null;
                });
    }

    private static Optional<Authenticated> rule(SimpleResourceInfo resource) {
        try {
            return Optional.ofNullable(resource.getResourceClass()
                    .getMethod(resource.getMethodName(), resource.parameterTypes())
                    .getAnnotation(Authenticated.class));
        } catch (NoSuchMethodException e) {
            return Optional.empty();
        }
    }
}
