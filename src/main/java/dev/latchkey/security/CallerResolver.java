package dev.latchkey.security;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.error.ApiException;
import dev.latchkey.session.CallerSessions;
import dev.latchkey.session.TokenClaims;
import dev.latchkey.session.TokenService;
import dev.latchkey.session.TokenType;
import io.smallrye.mutiny.Uni;

/**
 * Authorization header to caller: verifies the bearer token, checks its session is live, and
 * admits the caller only if the route admits their kind of session (401, then 403).
 */
@ApplicationScoped
public class CallerResolver {

    private final TokenService tokens;
    private final CallerSessions sessions;

    public CallerResolver(TokenService tokens, CallerSessions sessions) {
        this.tokens = tokens;
        this.sessions = sessions;
    }

    public Uni<Caller> resolve(String authorization, Admission admission) {
        String token = bearer(authorization);
        return verify(token, admission).chain(sessions::resolve).map(caller -> {
            admission.check(caller);
            return caller;
        });
    }

    /** Tries each accepted type; the token's own {@code typ} claim decides which one can succeed. */
    private Uni<TokenClaims> verify(String token, Admission admission) {
        Uni<TokenClaims> attempt = Uni.createFrom().failure(ApiException.invalidSession());
        for (TokenType type : admission.tokens()) {
            attempt = attempt.onFailure(ApiException.class)
                    .recoverWithUni(() -> Uni.createFrom().deferred(() -> tokens.verify(token, type)));
        }
        return attempt;
    }

    private static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }
}
