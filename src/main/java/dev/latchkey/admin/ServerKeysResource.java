package dev.latchkey.admin;

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
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import dev.latchkey.admin.AdminViews.CreatedKey;
import dev.latchkey.admin.AdminViews.KeyView;
import dev.latchkey.admin.AdminViews.NewName;
import dev.latchkey.app.AppRepository;
import dev.latchkey.http.Deadline;
import io.smallrye.mutiny.Uni;

/** An app's server API keys: logging in with one (the api-key provider) gives a user of type "server". */
@Deadline
@Tag(name = "admin")
@Path("/api/admin/v1/apps/{appId}/api_keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class ServerKeysResource {

    private final AppRepository apps;
    private final AdminQueries queries;
    private final ServerKeys keys;
    private final AdminCaller operator;

    public ServerKeysResource(AppRepository apps, AdminQueries queries, ServerKeys keys, AdminCaller operator) {
        this.apps = apps;
        this.queries = queries;
        this.keys = keys;
        this.operator = operator;
    }

    @GET
    public Uni<List<KeyView>> list(String appId) {
        return apps.require(appId).chain(app -> queries.serverKeys(appId));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "201", description = "the key with its value: the only time it is shown")
    public Uni<RestResponse<CreatedKey>> create(String appId, NewName body) {
        return keys.create(appId, body == null ? null : body.name(), operator.in(appId))
                .chain(created -> queries.serverKey(appId, created.key().id).map(found -> {
                    KeyView view = found.getKey();
                    return RestResponse.status(RestResponse.Status.CREATED,
                            new CreatedKey(view.id(), created.value(), view.name(), view.disabled(), view.createdAt(),
                                    view.expiresAt(), view.lastUsedAt()));
                }));
    }

    @GET
    @Path("/{id}")
    public Uni<KeyView> get(String appId, String id) {
        return keys.owner(appId, id).chain(owner -> queries.serverKey(appId, id)).map(found -> found.getKey());
    }

    @PUT
    @Path("/{id}/enable")
    @APIResponse(responseCode = "204", description = "enabled (idempotent)")
    public Uni<RestResponse<Void>> enable(String appId, String id) {
        return keys.setDisabled(appId, id, false, operator.in(appId)).map(done -> RestResponse.noContent());
    }

    @PUT
    @Path("/{id}/disable")
    @APIResponse(responseCode = "204", description = "disabled, and its sessions ended (idempotent)")
    public Uni<RestResponse<Void>> disable(String appId, String id) {
        return keys.setDisabled(appId, id, true, operator.in(appId)).map(done -> RestResponse.noContent());
    }

    @DELETE
    @Path("/{id}")
    @APIResponse(responseCode = "204", description = "deleted with its server user and sessions")
    public Uni<RestResponse<Void>> delete(String appId, String id) {
        return keys.delete(appId, id, operator.in(appId)).map(done -> RestResponse.noContent());
    }
}
