package dev.latchkey.security;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

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
     * Each route's admission, made once per route. Quarkus REST hands every request of a route the
     * same {@link ResourceInfo}, whose method it resolved once; the map's keys are those methods,
     * so it holds at most one entry per {@link Authenticated} route.
     */
    private final Map<Method, Admission> admissions = new ConcurrentHashMap<>();
    private final CallerResolver callers;
    private final CurrentCaller current;

    private final Duration deadline;

    public CallerFilter(CallerResolver callers, CurrentCaller current, LatchkeyConfig config) {
        this.callers = callers;
        this.current = current;
        this.deadline = config.requestDeadline();
    }

    /** Bound by name to {@link Authenticated}: Quarkus REST runs it on those routes only. */
    @Authenticated
    @ServerRequestFilter
    public Uni<Response> authenticate(ContainerRequestContext request, ResourceInfo route) {
        Admission admission = admissions.computeIfAbsent(route.getResourceMethod(), CallerFilter::admission);
        return DeadlineInterceptor.within(callers.resolve(request.getHeaderString(HttpHeaders.AUTHORIZATION), admission),
                deadline).map(caller -> {
                    current.set(caller);
                    return null;
                });
    }

    /** Routes whose admission has been made; at most the number of routes. For tests. */
    int knownRoutes() {
        return admissions.size();
    }

    private static Admission admission(Method route) {
        Authenticated rule = route.getAnnotation(Authenticated.class);
        if (rule == null) {
            // Only a route that carries the binding gets here; without it this would be a hole.
            throw new IllegalStateException(route + " reached CallerFilter without @Authenticated");
        }
        return Admission.of(rule);
    }
}
