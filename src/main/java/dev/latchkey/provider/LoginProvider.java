package dev.latchkey.provider;

import dev.latchkey.app.App;
import dev.latchkey.error.ApiException;
import dev.latchkey.security.Caller;
import dev.latchkey.session.LoginResult;
import io.smallrye.mutiny.Uni;

/**
 * One way to log in; {@link LoginResource} picks it by the provider name in the path. A login that
 * changes an existing user's identities drops that user's cached profile
 * ({@link dev.latchkey.user.ProfileCache#userChanged}) before it answers.
 */
public interface LoginProvider {

    String type();

    Uni<LoginResult> logIn(App app, LoginRequest request, String deviceId);

    /** Adds this provider's identity to the signed-in caller ({@code ?link=true}); only some providers can. */
    default Uni<LoginResult> link(App app, Caller caller, LoginRequest request) {
        throw ApiException.badRequest("'" + type() + "' credentials cannot be linked to a user");
    }
}
