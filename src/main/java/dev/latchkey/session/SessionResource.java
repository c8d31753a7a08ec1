package dev.latchkey.session;

import java.util.Map;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.security.Authenticated;
import dev.latchkey.security.Caller;
import dev.latchkey.security.CurrentCaller;
import dev.latchkey.security.SessionKind;
import dev.latchkey.http.Deadline;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

@Deadline
@Path("/api/client/v2.0/auth/session")
public class SessionResource {

    public record AccessToken(@JsonProperty("access_token") String accessToken) {
    }

    private final TokenService tokens;
    private final SessionRepository sessions;
    private final CurrentCaller caller;
    private final AuditLog audit;
    private final Pool pool;

    public SessionResource(TokenService tokens, SessionRepository sessions, CurrentCaller caller, AuditLog audit, Pool pool) {
        this.pool = pool;
        this.tokens = tokens;
        this.sessions = sessions;
        this.caller = caller;
        this.audit = audit;
    }

    /** A new access token for the refresh token's live session; the refresh token itself is never rotated. */
    @POST
    @APIResponse(responseCode = "201", description = "a new access token for the same session")
    @Produces(MediaType.APPLICATION_JSON)
    @Authenticated(value = TokenType.REFRESH, alsoAdmit = { SessionKind.ANONYMOUS, SessionKind.API_KEY })
    public Uni<RestResponse<AccessToken>> refresh() {
        Caller c = caller.get();
        return Uni.createFrom().item(RestResponse.status(RestResponse.Status.CREATED,
                new AccessToken(tokens.accessToken(c.userId(), c.appId(), c.sessionId(), c.deviceId()))));
    }

    /** Logs out: ends the session, after which its refresh and access tokens are refused. */
    @DELETE
    @APIResponse(responseCode = "204", description = "logged out")
    @Authenticated(value = TokenType.REFRESH, alsoAdmit = { SessionKind.ANONYMOUS, SessionKind.API_KEY })
    public Uni<RestResponse<Void>> logOut() {
        Caller c = caller.get();
        return pool.withTransaction(tx -> sessions.end(tx, c.sessionId(), c.userId())
                .call(ended -> audit.on(tx, Actor.user(c.appId(), c.userId()).event("session.end")
                        .user(c.userId()).session(c.sessionId()).apiKey(c.apiKeyId()).detail(Map.of("reason", "logout")))))
                .map(ended -> RestResponse.noContent());
    }
}
