package dev.latchkey.apikey;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.latchkey.audit.Actor;
import dev.latchkey.security.Authenticated;
import dev.latchkey.security.CurrentCaller;
import dev.latchkey.session.TokenType;
import dev.latchkey.http.Deadline;
import io.smallrye.mutiny.Uni;

/** The caller's own API keys. Authenticated by the refresh token (realm-web) or the access token. */
@Deadline
@Path("/api/client/v2.0/auth/api_keys")
@Consumes(MediaType.WILDCARD)
public class ApiKeyResource {

    public record NewKey(String name) {
    }

    public record KeyView(@JsonProperty("_id") String id, String name, boolean disabled) {
        static KeyView of(ApiKey key) {
            return new KeyView(key.id, key.name, key.disabled);
        }
    }

    /** The only response that ever carries a key value. */
    public record CreatedKey(@JsonProperty("_id") String id, String key, String name, boolean disabled) {
    }

    private final ApiKeyService keys;
    private final CurrentCaller caller;

    public ApiKeyResource(ApiKeyService keys, CurrentCaller caller) {
        this.keys = keys;
        this.caller = caller;
    }

    @POST
    @APIResponse(responseCode = "201", description = "the key, with its value: the only time it is shown")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Authenticated({ TokenType.REFRESH, TokenType.ACCESS })
    public Uni<RestResponse<CreatedKey>> create(NewKey body) {
        return keys.create(actor(), caller.get().userId(), body == null ? null : body.name())
                .map(created -> RestResponse.status(RestResponse.Status.CREATED,
                        new CreatedKey(created.key().id, created.value(), created.key().name, false)));
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Authenticated({ TokenType.REFRESH, TokenType.ACCESS })
    public Uni<List<KeyView>> list() {
        return keys.list(caller.get().userId()).map(list -> list.stream().map(KeyView::of).toList());
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Authenticated({ TokenType.REFRESH, TokenType.ACCESS })
    public Uni<KeyView> get(String id) {
        return keys.get(caller.get().userId(), id).map(KeyView::of);
    }

    @PUT
    @Path("/{id}/enable")
    @APIResponse(responseCode = "204", description = "enabled (idempotent)")
    @Authenticated({ TokenType.REFRESH, TokenType.ACCESS })
    public Uni<RestResponse<Void>> enable(String id) {
        return keys.enable(actor(), caller.get().userId(), id).map(done -> RestResponse.noContent());
    }

    @PUT
    @Path("/{id}/disable")
    @APIResponse(responseCode = "204", description = "disabled, and every session it opened ended (idempotent)")
    @Authenticated({ TokenType.REFRESH, TokenType.ACCESS })
    public Uni<RestResponse<Void>> disable(String id) {
        return keys.disable(actor(), caller.get().userId(), id).map(done -> RestResponse.noContent());
    }

    @DELETE
    @Path("/{id}")
    @APIResponse(responseCode = "204", description = "deleted, and every session it opened ended")
    @Authenticated({ TokenType.REFRESH, TokenType.ACCESS })
    public Uni<RestResponse<Void>> delete(String id) {
        return keys.delete(actor(), caller.get().userId(), id).map(done -> RestResponse.noContent());
    }

    private Actor actor() {
        return Actor.user(caller.get().appId(), caller.get().userId());
    }
}
