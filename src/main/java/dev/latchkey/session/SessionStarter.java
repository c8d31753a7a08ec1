package dev.latchkey.session;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.ObjectIds;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/** Starts a session for a user who has just proved who they are, and issues its tokens. */
@ApplicationScoped
public class SessionStarter {

    private final SessionRepository sessions;
    private final TokenService tokens;
    private final LatchkeyConfig config;

    public SessionStarter(SessionRepository sessions, TokenService tokens, LatchkeyConfig config) {
        this.sessions = sessions;
        this.tokens = tokens;
        this.config = config;
    }

    /** Runs in the transaction {@code tx} has open. */
    public Uni<LoginResult> start(SqlClient tx, String userId, String appId, String deviceId, String providerType) {
        String sessionId = ObjectIds.next();
        return sessions.start(tx, sessionId, userId, deviceId, providerType, config.token().refreshLifetime())
                .map(started -> issue(userId, appId, sessionId, deviceId));
    }

    /** Tokens for a session row that already exists (the api-key login writes its own). */
    public LoginResult issue(String userId, String appId, String sessionId, String deviceId) {
        return new LoginResult(tokens.accessToken(userId, appId, sessionId, deviceId),
                tokens.refreshToken(userId, appId, sessionId, deviceId), userId, deviceId);
    }
}
