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
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestResponse;

import dev.latchkey.app.App;
import dev.latchkey.app.AppRepository;
import dev.latchkey.error.ApiException;
import dev.latchkey.session.LoginResult;
import dev.latchkey.security.CallerResolver;
import dev.latchkey.session.TokenType;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * Provider routes. They need no token and ignore any Authorization header (realm-web sends one
 * with register), except a login with {@code ?link=true}, which links to the token's user.
 */
@Path("/api/client/v2.0/app/{appId}/auth/providers")
@Consumes(MediaType.APPLICATION_JSON)
public class LoginResource {

    public record Registration(String email, String password) {
    }

    private final AppRepository apps;
    private final LocalUserpassProvider userpass;
    private final LoginThrottle throttle;
    private final CallerResolver callers;
    private final Map<String, LoginProvider> providers;

    public LoginResource(AppRepository apps, LocalUserpassProvider userpass, LoginThrottle throttle,
            CallerResolver callers, Instance<LoginProvider> providers) {
        this.apps = apps;
        this.userpass = userpass;
        this.throttle = throttle;
        this.callers = callers;
        this.providers = providers.stream().collect(Collectors.toUnmodifiableMap(LoginProvider::type, Function.identity()));
    }

    @POST
    @Path("/{provider}/login")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<LoginResult> logIn(String appId, String provider, @RestQuery boolean link,
            @RestHeader("Authorization") String authorization, LoginRequest request, HttpServerRequest http) {
        LoginRequest body = request != null ? request : new LoginRequest(null, null, null, null);
        String address = http.remoteAddress() == null ? null : http.remoteAddress().hostAddress();
        String account = LocalUserpassProvider.TYPE.equals(provider) && body.username() != null
                ? appId + "/" + LocalUserpassProvider.normalize(body.username())
                : null;
        throttle.check(address, account);
        return detached(enabledApp(appId, provider)
                .chain(app -> link ? linkToCaller(app, providers.get(provider), authorization, body)
                        : providers.get(provider).logIn(app, body, body.deviceIdOrNew())))
                .onFailure(ApiException.class).invoke(failure -> {
                    if (((ApiException) failure).status() == 401) {
                        throttle.recordFailure(address, account);
                    }
                });
    }

    @POST
    @Path("/local-userpass/register")
    @APIResponse(responseCode = "201", description = "registered; the user is created at the first login")
    public Uni<RestResponse<Void>> register(String appId, Registration registration) {
        Registration body = registration != null ? registration : new Registration(null, null);
        return detached(enabledApp(appId, LocalUserpassProvider.TYPE)
                .chain(app -> userpass.register(app, body.email(), body.password())))
                .map(done -> RestResponse.status(RestResponse.Status.CREATED));
    }

    /** {@code ?link=true}: the credentials join the user of the access token instead of logging in. */
    private Uni<LoginResult> linkToCaller(App app, LoginProvider provider, String authorization, LoginRequest body) {
        return callers.resolve(authorization, TokenType.ACCESS).chain(caller -> {
            if (!caller.appId().equals(app.id)) {
                throw ApiException.invalidSession("token is for another app");
            }
            return provider.link(app, caller, body);
        });
    }

    /**
     * Lets a login or registration run to its end when the client goes away mid-way: its slow
     * password hash makes that likely, and cancelling while the transaction is open would close
     * the database session under Hibernate's feet. The result is then simply dropped.
     */
    private static <T> Uni<T> detached(Uni<T> work) {
        return Uni.createFrom().emitter(emitter -> work.subscribe().with(emitter::complete, emitter::fail));
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
