package dev.latchkey.provider;

import dev.latchkey.app.App;
import dev.latchkey.session.LoginResult;
import io.smallrye.mutiny.Uni;

/** One way to log in; {@link LoginResource} picks it by the provider name in the path. */
public interface LoginProvider {

    String type();

    Uni<LoginResult> logIn(App app, LoginRequest request, String deviceId);
}
