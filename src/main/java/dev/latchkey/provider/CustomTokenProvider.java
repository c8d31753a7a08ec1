package dev.latchkey.provider;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.ObjectIds;
import dev.latchkey.app.App;
import dev.latchkey.app.AppSettings;
import dev.latchkey.customtoken.CustomTokenIdentities;
import dev.latchkey.customtoken.CustomTokenVerifier;
import dev.latchkey.error.ApiException;
import dev.latchkey.error.UniqueViolation;
import dev.latchkey.security.Caller;
import dev.latchkey.session.LoginResult;
import dev.latchkey.session.SessionStarter;
import dev.latchkey.user.ProfileCache;
import io.smallrye.mutiny.Uni;

/**
 * Logs in with a JWT from the app's own identity provider (realm-web's {@code Credentials.jwt}):
 * the user is the one whose custom-token identity is the token's {@code sub}, created at the first
 * login; the token's metadata fields become the profile's data at every login.
 */
@ApplicationScoped
public class CustomTokenProvider implements LoginProvider {

    public static final String TYPE = AppSettings.CUSTOM_TOKEN;

    private final CustomTokenVerifier verifier;
    private final CustomTokenIdentities identities;
    private final SessionStarter sessions;
    private final LatchkeyConfig config;
    private final ProfileCache profiles;

    public CustomTokenProvider(CustomTokenVerifier verifier, CustomTokenIdentities identities, SessionStarter sessions,
            LatchkeyConfig config, ProfileCache profiles) {
        this.profiles = profiles;
        this.verifier = verifier;
        this.identities = identities;
        this.sessions = sessions;
        this.config = config;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Uni<LoginResult> logIn(App app, LoginRequest request, String deviceId) {
        String sessionId = ObjectIds.next();
        return verifier.verify(app, token(request))
                .chain(token -> identities.logIn(app.id(), token, ObjectIds.next(), sessionId, deviceId,
                        config.token().refreshLifetime()))
                // Every login stores the token's metadata: the profile shows the new data at once.
                .invoke(profiles::userChanged)
                .map(userId -> sessions.issue(userId, app.id(), sessionId, deviceId));
    }

    /**
     * Adds the token's identity to the caller. A user has at most one custom-token identity, and an
     * identity belongs to one user: either taken is 409, decided by the database's keys, not by a
     * read before the write.
     */
    @Override
    public Uni<LoginResult> link(App app, Caller caller, LoginRequest request) {
        return verifier.verify(app, token(request))
                .chain(token -> identities.link(app.id(), caller.userId(), token))
                .onFailure(f -> UniqueViolation.on(f, "identities_pkey")
                        || UniqueViolation.on(f, "identities_custom_token_user_idx"))
                .transform(f -> new ApiException(409, "IdentityAlreadyExists", "identity already exists"))
                .map(linked -> {
                    if (!linked) {
                        throw ApiException.invalidSession("user gone");
                    }
                    return sessions.issue(caller.userId(), app.id(), caller.sessionId(), caller.deviceId());
                });
    }

    private static String token(LoginRequest request) {
        if (request.token() == null) {
            throw ApiException.badRequest("'token' is a required string");
        }
        return request.token();
    }
}
