package dev.latchkey.session;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.error.ApiException;
import dev.latchkey.security.Caller;
import io.smallrye.mutiny.Uni;

/** Turns verified claims into a caller by reading the session row: revocation wins over any token. */
@ApplicationScoped
public class CallerSessions {

    private final SessionRepository sessions;

    public CallerSessions(SessionRepository sessions) {
        this.sessions = sessions;
    }

    public Uni<Caller> resolve(TokenClaims claims) {
        return sessions.findLive(claims.sessionId(), claims.userId()).map(live -> {
            if (live == null || !live.appId().equals(claims.appId())) {
                throw claims.type() == TokenType.REFRESH ? ApiException.sessionNotFound()
                        : ApiException.invalidSession("session ended");
            }
            return new Caller(live.userId(), live.appId(), live.sessionId(), live.deviceId(), live.providerType(),
                    live.apiKeyId(), live.userType(), claims.type());
        });
    }
}
