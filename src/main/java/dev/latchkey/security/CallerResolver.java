package dev.latchkey.security;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.error.ApiException;
import dev.latchkey.session.CallerSessions;
import dev.latchkey.session.TokenClaims;
import dev.latchkey.session.TokenService;
import dev.latchkey.session.TokenType;
import io.smallrye.mutiny.Uni;

/** Authorization header to caller: verifies the bearer token, then checks its session is live. */
@ApplicationScoped
public class CallerResolver {

    private final TokenService tokens;
    private final CallerSessions sessions;

    public CallerResolver(TokenService tokens, CallerSessions sessions) {
        this.tokens = tokens;
        this.sessions = sessions;
    }

    public Uni<Caller> resolve(String authorization, TokenType... accepted) {
        TokenClaims claims = verify(bearer(authorization), accepted);
        return sessions.resolve(claims);
    }

    /** Tries each accepted type; the token's own {@code typ} claim decides which one can succeed. */
    private TokenClaims verify(String token, TokenType[] accepted) {
        ApiException last = ApiException.invalidSession("missing token");
        for (TokenType type : accepted) {
            try {
                return tokens.verify(token, type);
            } catch (ApiException e) {
                last = e;
            }
        }
        throw last;
    }

    private static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }
}
