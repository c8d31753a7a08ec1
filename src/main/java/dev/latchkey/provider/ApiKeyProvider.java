package dev.latchkey.provider;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.ObjectIds;
import dev.latchkey.apikey.KeyCodec;
import dev.latchkey.apikey.KeyLogins;
import dev.latchkey.apikey.LastUse;
import dev.latchkey.app.App;
import dev.latchkey.error.ApiException;
import dev.latchkey.session.LoginResult;
import dev.latchkey.session.SessionStarter;
import dev.latchkey.user.ProfileCache;
import io.smallrye.mutiny.Uni;

/**
 * Logs in as the key's owner. A malformed key or bad checksum is refused without touching the
 * database; a disabled, expired or unknown key (or an old value past its grace) is refused alike.
 */
@ApplicationScoped
public class ApiKeyProvider implements LoginProvider {

    public static final String TYPE = "api-key";

    private final KeyLogins logins;
    private final SessionStarter sessions;
    private final LastUse lastUse;
    private final LatchkeyConfig config;
    private final ProfileCache profiles;

    public ApiKeyProvider(KeyLogins logins, SessionStarter sessions, LastUse lastUse, LatchkeyConfig config,
            ProfileCache profiles) {
        this.profiles = profiles;
        this.logins = logins;
        this.sessions = sessions;
        this.lastUse = lastUse;
        this.config = config;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Uni<LoginResult> logIn(App app, LoginRequest request, String deviceId) {
        if (request.key() == null) {
            throw ApiException.badRequest("'key' is a required string");
        }
        if (!KeyCodec.isWellFormed(request.key())) {
            throw unauthorized();
        }
        String sessionId = ObjectIds.next();
        return logins.start(KeyCodec.hash(request.key()), app.id(), sessionId, deviceId, config.token().refreshLifetime())
                .map(login -> {
                    if (login == null) {
                        throw unauthorized();
                    }
                    // Noted in memory and written in batches: the login pays no extra write.
                    lastUse.record(login.keyId());
                    if (login.identityAdded()) {
                        // The key's first login gave its owner an identity; later ones change nothing.
                        profiles.userChanged(login.ownerId());
                    }
                    return sessions.issue(login.ownerId(), app.id(), sessionId, deviceId);
                });
    }

    private static ApiException unauthorized() {
        return new ApiException(401, "AuthError", "unauthorized");
    }
}
