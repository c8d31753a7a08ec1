package dev.latchkey.session;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.error.ApiException;
import dev.latchkey.security.Caller;
import io.smallrye.mutiny.Uni;

/** Turns verified claims into a caller by reading the session row: revocation wins over any token. */
@ApplicationScoped
public class CallerSessions {

    private final SessionRepository sessions;
    private final LiveSessionCache cache;

    public CallerSessions(SessionRepository sessions, LiveSessionCache cache) {
        this.sessions = sessions;
        this.cache = cache;
    }

    public Uni<Caller> resolve(TokenClaims claims) {
        return live(claims).map(live -> {
            if (live == null || !live.appId().equals(claims.appId())) {
                throw claims.type() == TokenType.REFRESH ? ApiException.sessionNotFound()
                        : ApiException.invalidSession("session ended");
            }
            return new Caller(live.userId(), live.appId(), live.sessionId(), live.deviceId(), live.providerType(),
                    live.apiKeyId(), live.userType(), claims.type());
        });
    }

    /** From the cache while it is trusted, else (and then remembered) from the database. */
    private Uni<LiveSession> live(TokenClaims claims) {
        LiveSession cached = cache.get(claims.sessionId());
        if (cached != null) {
            return Uni.createFrom().item(cached.userId().equals(claims.userId()) ? cached : null);
        }
        long epoch = cache.epoch();
        return sessions.findLiveUntil(claims.sessionId(), claims.userId()).map(found -> {
            if (found == null) {
                return null;
            }
            cache.put(found.session(), found.expiresAt(), epoch);
            return found.session();
        });
    }
}
