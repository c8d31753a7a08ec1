package dev.latchkey.security;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import dev.latchkey.error.ApiException;
import dev.latchkey.session.CallerSessions;
import dev.latchkey.session.TokenClaims;
import dev.latchkey.session.TokenService;
import dev.latchkey.session.TokenType;
import io.smallrye.mutiny.Uni;

/**
 * The one place that authenticates: for every {@link Authenticated} route it verifies the bearer
 * token, checks that its session is live, and enforces who may manage keys.
 */
public class CallerFilter {

    /** Each route's rule, read by reflection once. */
    private final Map<SimpleResourceInfo, Optional<Authenticated>> rules = new ConcurrentHashMap<>();
    private final TokenService tokens;
    private final CallerSessions sessions;
    private final CurrentCaller current;

    public CallerFilter(TokenService tokens, CallerSessions sessions, CurrentCaller current) {
        this.tokens = tokens;
        this.sessions = sessions;
        this.current = current;
    }

    @ServerRequestFilter
    public Uni<Response> authenticate(ContainerRequestContext request, SimpleResourceInfo resource) {
        Authenticated rule = rules.computeIfAbsent(resource, CallerFilter::rule).orElse(null);
        if (rule == null) {
            return Uni.createFrom().nullItem();
        }
        TokenClaims claims = verify(bearer(request), rule.value());
        return sessions.resolve(claims).map(caller -> {
            if (rule.keyManagement() && caller.anonymous()) {
                throw ApiException.forbidden("anonymous users cannot manage API keys");
            }
            if (rule.keyManagement() && caller.loggedInWithApiKey()) {
                throw ApiException.forbidden("sessions that logged in with an API key cannot manage API keys");
            }
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

    /** Verifies with the token type its own claim names, so an unexpected type is refused, not misread. */
    private TokenClaims verify(String token, TokenType[] accepted) {
        ApiException last = null;
        for (TokenType type : accepted) {
            try {
                return tokens.verify(token, type);
            } catch (ApiException e) {
                last = e;
            }
        }
        throw last != null ? last : ApiException.invalidSession("no token accepted: " + Arrays.toString(accepted));
    }

    private static String bearer(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }
}
