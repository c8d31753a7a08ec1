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
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.ClientAddress;
import dev.latchkey.http.Detached;
import dev.latchkey.security.Admission;
import dev.latchkey.security.CallerResolver;
import dev.latchkey.session.LoginResult;
import dev.latchkey.user.ProfileCache;
import dev.latchkey.http.Deadline;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * Login routes of every provider. They need no token and ignore any Authorization header, except
 * a login with {@code ?link=true}, which links to the token's user. (Registration and the rest of
 * an email/password account's life are in {@code userpass}.)
 * Every attempt passes the throttle first (SPEC section 5): a password check is counted before
 * it runs, a cheap login after it fails.
 */
@Deadline
@Path("/api/client/v2.0/app/{appId}/auth/providers")
@Consumes(MediaType.APPLICATION_JSON)
public class LoginResource {

    /** Providers a metric may name; any other path segment counts as "other", so no input grows the metric's labels. */
    static final java.util.Set<String> KNOWN_PROVIDERS = java.util.Set.of(
            "local-userpass", "anon-user", "api-key", "custom-token");

    private final AppRepository apps;
    private final LoginThrottle throttle;
    private final CallerResolver callers;
    private final Map<String, LoginProvider> providers;
    private final AuditLog audit;
    private final LoginMetrics metrics;
    private final ProfileCache profiles;

    public LoginResource(AppRepository apps, LoginThrottle throttle, CallerResolver callers,
            Instance<LoginProvider> providers, AuditLog audit, LoginMetrics metrics, ProfileCache profiles) {
        this.profiles = profiles;
        this.audit = audit;
        this.metrics = metrics;
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
        String deviceId = body.deviceIdOrNew();
        ClientAddress client = ClientAddress.of(http);
        boolean password = LocalUserpassProvider.TYPE.equals(provider);
        String email = password ? LocalUserpassProvider.normalize(body.username()) : null;
        if (password && (email == null || body.password() == null)) {
            throw ApiException.badRequest("'username' and 'password' are required strings");
        }
        throttle.refuseKnownBlocked(client, appId, email);
        return observed(appId, provider, link, Detached.of(enabledApp(appId, provider).chain(app -> {
            LoginProvider chosen = providers.get(provider);
            if (password) {
                // The place taken is given back when the check did not fail (a success, a 503);
                // a refused reservation keeps its count: refused attempts count too.
                return throttle.reservePasswordCheck(client, app.id(), email)
                        .chain(() -> attempt(app, chosen, link, authorization, body, deviceId)
                                .call(done -> throttle.passwordSucceeded(client, app.id(), email))
                                .onFailure(failure -> !isLoginFailure(failure))
                                .call(failure -> throttle.passwordSucceeded(client, app.id(), email)));
            }
            Uni<Void> reserved = AnonUserProvider.TYPE.equals(provider) && !link
                    ? throttle.reserveAnonymousLogin(client)
                    : Uni.createFrom().voidItem();
            // A failure is counted after the fact; a 429 from counting it replaces the 401.
            return reserved.chain(() -> attempt(app, chosen, link, authorization, body, deviceId))
                    .onFailure(LoginResource::isLoginFailure)
                    .recoverWithUni(failure -> throttle.recordFailure(client)
                            .chain(counted -> Uni.createFrom().<LoginResult>failure(failure)));
        })));
    }

    /**
     * A link changes the caller's identities, committed by the time it answers: the cached profile
     * is dropped before the answer, so the next profile shows it (other instances learn it from the
     * database's notice). A plain login drops it only where it changed something, which its
     * provider knows: a custom token's new metadata, a key's first login; a first email/password or
     * anonymous login makes a new user, who has nothing cached.
     */
    private Uni<LoginResult> attempt(App app, LoginProvider provider, boolean link, String authorization, LoginRequest body,
            String deviceId) {
        if (!link) {
            return provider.logIn(app, body, deviceId);
        }
        return callers.resolve(authorization, Admission.LINK).chain(caller -> {
            if (!caller.appId().equals(app.id())) {
                throw ApiException.invalidSession("token is for another app");
            }
            return provider.link(app, caller, body).onTermination().invoke(() -> profiles.userChanged(caller.userId()));
        });
    }

    /**
     * Counts the login's outcome by provider, and writes its audit event once it has committed
     * (a refused or throttled attempt leaves no event: a flood must not become one).
     */
    private Uni<LoginResult> observed(String appId, String provider, boolean link, Uni<LoginResult> login) {
        Map<String, Object> detail = Map.of("provider", provider, "link", link);
        return login.invoke(result -> {
            metrics.login(provider, "success");
            audit.after(AuditEvent.of("login", appId).user(result.userId()).byUser(result.userId()).detail(detail));
        }).onFailure().invoke(failure -> {
            int status = failure instanceof ApiException e ? e.status() : 500;
            metrics.login(provider, LoginMetrics.outcome(status));
            if (status == 401) {
                audit.after(AuditEvent.of("login", appId).by("client").outcome(AuditEvent.FAILURE).detail(detail));
            }
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
