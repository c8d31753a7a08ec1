package dev.latchkey.security;

import java.time.Duration;
import java.util.List;
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

    /**
     * Each route's rule, read by reflection once. Keyed by what names the route: RESTEasy Reactive
     * makes a new {@link SimpleResourceInfo} for every request, without equals, so keyed by that
     * the map gained an entry per request (about 70 bytes each, found by bench/run.sh --abuse).
     */
    private final Map<Route, Optional<Authenticated>> rules = new ConcurrentHashMap<>();
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
        Authenticated rule = rules.computeIfAbsent(Route.of(resource), CallerFilter::rule).orElse(null);
        if (rule == null) {
            return Uni.createFrom().nullItem();
        }
        return DeadlineInterceptor.within(callers.resolve(request.getHeaderString(HttpHeaders.AUTHORIZATION), Admission.of(rule)),
                deadline).map(caller -> {
                    current.set(caller);
                    return null;
                });
    }

    /** Routes whose rule has been read; at most the number of routes. For tests. */
    int knownRoutes() {
        return rules.size();
    }

    private static Optional<Authenticated> rule(Route route) {
        try {
            return Optional.ofNullable(route.resourceClass()
                    .getMethod(route.methodName(), route.parameterTypes().toArray(Class<?>[]::new))
                    .getAnnotation(Authenticated.class));
        } catch (NoSuchMethodException e) {
            return Optional.empty();
        }
    }

    /** A resource method, equal to itself in every request. */
    private record Route(Class<?> resourceClass, String methodName, List<Class<?>> parameterTypes) {
        static Route of(SimpleResourceInfo resource) {
            return new Route(resource.getResourceClass(), resource.getMethodName(), List.of(resource.parameterTypes()));
        }
    }
}
