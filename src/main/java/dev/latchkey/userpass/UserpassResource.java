package dev.latchkey.userpass;

import java.util.function.Function;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.databind.JsonNode;

import dev.latchkey.app.App;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.ClientAddress;
import dev.latchkey.http.Deadline;
import dev.latchkey.http.Detached;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * Email/password accounts' life before and between logins: registration, confirmation and
 * password reset, with the bodies realm-web 2.0.1 and realm-core send. No token needed; any
 * Authorization header is ignored (realm-web sends the current user's). Fields are checked here,
 * before anything is read or stored; the rules are {@link UserpassLifecycle}'s.
 */
@Deadline
@Path("/api/client/v2.0/app/{appId}/auth/providers/local-userpass")
@Consumes(MediaType.APPLICATION_JSON)
public class UserpassResource {

    public record Registration(String email, String password) {
    }

    public record EmailRequest(String email) {
    }

    public record TokenRequest(String token, String tokenId) {
    }

    public record ResetRequest(String token, String tokenId, String password) {
    }

    /** realm-web's {@code callResetPasswordFunction(details, ...args)}: {@code arguments} is the array of extra arguments. */
    public record ResetCallRequest(String email, String password, JsonNode arguments) {
    }

    private final UserpassLifecycle lifecycle;

    public UserpassResource(UserpassLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @POST
    @Path("/register")
    @APIResponse(responseCode = "201", description = "registered: confirmed at once, or pending confirmation by mail or webhook; "
            + "the user is created at the first login")
    public Uni<RestResponse<Void>> register(String appId, Registration body, HttpServerRequest http) {
        Registration registration = required(body);
        String email = Fields.email(registration.email());
        Fields.password(registration.password());
        return Detached.of(lifecycle.enabledApp(appId)
                .chain(app -> lifecycle.register(app, email, registration.password(), ClientAddress.of(http))))
                .map(done -> RestResponse.status(RestResponse.Status.CREATED));
    }

    @POST
    @Path("/confirm")
    @APIResponse(responseCode = "204", description = "confirmed: the user can log in")
    public Uni<RestResponse<Void>> confirm(String appId, TokenRequest body, HttpServerRequest http) {
        TokenRequest request = required(body);
        Fields.token(request.token(), request.tokenId());
        return noContent(appId, app -> lifecycle.confirm(app, request.token(), request.tokenId(), ClientAddress.of(http)));
    }

    @POST
    @Path("/confirm/send")
    @APIResponse(responseCode = "204", description = "a new confirmation mail is on its way")
    public Uni<RestResponse<Void>> sendConfirmation(String appId, EmailRequest body, HttpServerRequest http) {
        String email = Fields.mailableEmail(required(body).email());
        return noContent(appId, app -> lifecycle.sendConfirmation(app, email, ClientAddress.of(http)));
    }

    @POST
    @Path("/confirm/call")
    @APIResponse(responseCode = "204", description = "the confirmation webhook answered success (confirmed) or pending")
    public Uni<RestResponse<Void>> callConfirmation(String appId, EmailRequest body, HttpServerRequest http) {
        String email = Fields.email(required(body).email());
        return noContent(appId, app -> lifecycle.callConfirmation(app, email, ClientAddress.of(http)));
    }

    @POST
    @Path("/reset/send")
    @APIResponse(responseCode = "204", description = "a password-reset mail is on its way")
    public Uni<RestResponse<Void>> sendReset(String appId, EmailRequest body, HttpServerRequest http) {
        String email = Fields.mailableEmail(required(body).email());
        return noContent(appId, app -> lifecycle.sendReset(app, email, ClientAddress.of(http)));
    }

    @POST
    @Path("/reset")
    @APIResponse(responseCode = "204", description = "the password is changed and every session of the user has ended")
    public Uni<RestResponse<Void>> reset(String appId, ResetRequest body, HttpServerRequest http) {
        ResetRequest request = required(body);
        Fields.password(request.password());
        Fields.token(request.token(), request.tokenId());
        return noContent(appId,
                app -> lifecycle.reset(app, request.token(), request.tokenId(), request.password(), ClientAddress.of(http)));
    }

    @POST
    @Path("/reset/call")
    @APIResponse(responseCode = "204", description = "the reset webhook answered success (password changed, sessions ended) or pending")
    public Uni<RestResponse<Void>> callReset(String appId, ResetCallRequest body, HttpServerRequest http) {
        ResetCallRequest request = required(body);
        String email = Fields.email(request.email());
        Fields.password(request.password());
        if (request.arguments() != null && !request.arguments().isNull() && !request.arguments().isArray()) {
            throw ApiException.badRequest("'arguments' must be an array");
        }
        JsonNode arguments = request.arguments() == null || request.arguments().isNull() ? null : request.arguments();
        return noContent(appId, app -> lifecycle.callReset(app, email, request.password(), arguments, ClientAddress.of(http)));
    }

    /** Runs the work on the app, to its end even if the client goes away, and answers 204. */
    private Uni<RestResponse<Void>> noContent(String appId, Function<App, Uni<Void>> work) {
        return Detached.of(lifecycle.enabledApp(appId).chain(app -> work.apply(app))).map(done -> RestResponse.noContent());
    }

    private static <T> T required(T body) {
        if (body == null) {
            throw ApiException.badRequest("request body must be a JSON object");
        }
        return body;
    }
}
