package dev.latchkey.provider;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestQuery;

import dev.latchkey.app.App;
import dev.latchkey.app.AppRepository;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.ClientAddress;
import dev.latchkey.http.Detached;
import dev.latchkey.security.Admission;
import dev.latchkey.security.CallerResolver;
import dev.latchkey.session.LoginResult;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * Login routes of every provider. They need no token and ignore any Authorization header, except
 * a login with {@code ?link=true}, which links to the token's user. (Registration and the rest of
 * an email/password account's life are in {@code userpass}.)
 * Every attempt passes the throttle first (SPEC section 5): a password check is counted before
 * it runs, a cheap login after it fails.
 */
@Path("/api/client/v2.0/app/{appId}/auth/providers")
@Consumes(MediaType.APPLICATION_JSON)
public class LoginResource {

    private final AppRepository apps;
    private final LoginThrottle throttle;
    private final CallerResolver callers;
    private final Map<String, LoginProvider> providers;

    public LoginResource(AppRepository apps, LoginThrottle throttle, CallerResolver callers,
            Instance<LoginProvider> providers) {
        this.apps = apps;
        this.throttle = throttle;
        this.callers = callers;
        this.providers = providers.stream().collect(Collectors.toUnmodifiableMap(LoginProvider::type, Function.identity()));
    }

    @POST
    @Path("/{provider}/login")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<LoginResult> logIn(String appId, String provider, @RestQuery boolean link,
            @RestHeader("Authorization") String authorization, LoginRequest request, HttpServerRequest http) {
        LoginRequest body = requireObject(request);
        ClientAddress client = ClientAddress.of(http);
        boolean password = LocalUserpassProvider.TYPE.equals(provider);
        String email = password ? LocalUserpassProvider.normalize(body.username()) : null;
        if (password && (email == null || body.password() == null)) {
            throw ApiException.badRequest("'username' and 'password' are required strings");
        }
        throttle.refuseKnownBlocked(client, appId, email);
        return Detached.of(enabledApp(appId, provider).chain(app -> {
            LoginProvider chosen = providers.get(provider);
            if (password) {
                return throttle.reservePasswordCheck(client, app.id(), email)
                        .chain(() -> attempt(app, chosen, link, authorization, body))
                        .call(done -> throttle.passwordSucceeded(client, app.id(), email))
                        .onFailure(failure -> !isLoginFailure(failure))
                        .call(failure -> throttle.passwordSucceeded(client, app.id(), email));
            }
            Uni<Void> reserved = AnonUserProvider.TYPE.equals(provider) && !link
                    ? throttle.reserveAnonymousLogin(client)
                    : Uni.createFrom().voidItem();
            return reserved.chain(() -> attempt(app, chosen, link, authorization, body))
                    .onFailure(LoginResource::isLoginFailure)
                    .call(failure -> throttle.recordFailure(client));
        }));
    }

    private Uni<LoginResult> attempt(App app, LoginProvider provider, boolean link, String authorization, LoginRequest body) {
        if (!link) {
            return provider.logIn(app, body, body.deviceIdOrNew());
        }
        return callers.resolve(authorization, Admission.LINK).chain(caller -> {
            if (!caller.appId().equals(app.id())) {
                throw ApiException.invalidSession("token is for another app");
            }
            return provider.link(app, caller, body);
        });
    }

    /** A 401 is a failed login: wrong credentials or token. Everything else (400, 409, 503) is not. */
    private static boolean isLoginFailure(Throwable failure) {
        return failure instanceof ApiException e && e.status() == 401;
    }

    /** Every provider answers a body that is not a JSON object ({@code null}, empty, an array) alike. */
    private static LoginRequest requireObject(LoginRequest request) {
        if (request == null) {
            throw ApiException.badRequest("request body must be a JSON object");
        }
        return request;
    }

    private Uni<App> enabledApp(String appId, String provider) {
        return apps.require(appId).map(app -> {
            if (!providers.containsKey(provider) || !app.enables(provider)) {
                throw ApiException.providerNotFound(provider);
            }
            return app;
        });
    }
}
