package dev.latchkey.admin;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.latchkey.error.ApiException;
import dev.latchkey.http.ClientAddress;
import dev.latchkey.provider.LoginThrottle;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * Every route under {@code /api/admin/} needs an admin key, decided here by path so that no
 * admin route can forget it; nothing else admits to them (a user's token is no admin key).
 * A wrong key counts as a failed login of the client address, so guessing is throttled too.
 */
public class AdminFilter {

    static final String PATH = "/api/admin/";

    private final AdminKeys keys;
    private final AdminCaller caller;
    private final LoginThrottle throttle;

    public AdminFilter(AdminKeys keys, AdminCaller caller, LoginThrottle throttle) {
        this.keys = keys;
        this.caller = caller;
        this.throttle = throttle;
    }

    @ServerRequestFilter
    public Uni<Response> authenticate(ContainerRequestContext request, HttpServerRequest http) {
        if (!http.path().startsWith(PATH)) {
            return Uni.createFrom().nullItem();
        }
        ClientAddress client = ClientAddress.of(http);
        throttle.refuseKnownBlocked(client, null, null);
        return keys.resolve(bearer(request.getHeaderString(HttpHeaders.AUTHORIZATION))).chain(id -> {
            if (id == null) {
                return throttle.recordFailure(client)
                        .chain(counted -> Uni.createFrom().failure(new ApiException(401, "AuthError", "invalid admin key")));
            }
            caller.set(id);
            return Uni.createFrom().nullItem();
        });
    }

    private static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }
}
