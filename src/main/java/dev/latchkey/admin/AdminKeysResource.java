package dev.latchkey.admin;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.latchkey.ObjectIds;
import dev.latchkey.admin.AdminViews.NewName;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.Deadline;
import io.smallrye.mutiny.Uni;

/** Operators' own keys ({@code lka_...}), shown once at creation and stored hashed. */
@Deadline
@Tag(name = "admin")
@Path("/api/admin/v1/admin_keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class AdminKeysResource {

    public record AdminKeyView(@JsonProperty("_id") String id, String name,
            @JsonProperty("created_at") java.time.OffsetDateTime createdAt, String key) {
    }

    private final AdminKeys keys;
    private final AdminCaller operator;

    public AdminKeysResource(AdminKeys keys, AdminCaller operator) {
        this.keys = keys;
        this.operator = operator;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @APIResponse(responseCode = "201", description = "the admin key with its value: the only time it is shown")
    public Uni<RestResponse<AdminKeyView>> create(NewName body) {
        return keys.create(body == null ? null : body.name(), operator.in(null))
                .map(created -> RestResponse.status(RestResponse.Status.CREATED, new AdminKeyView(created.key().id(),
                        created.key().name(), created.key().createdAt(), created.value())));
    }

    @GET
    public Uni<List<AdminKeyView>> list() {
        return keys.list().map(all -> all.stream().map(k -> new AdminKeyView(k.id(), k.name(), k.createdAt(), null)).toList());
    }

    @DELETE
    @Path("/{id}")
    @APIResponse(responseCode = "204", description = "deleted: it stops working at once")
    public Uni<RestResponse<Void>> delete(String id) {
        if (!ObjectIds.isValid(id)) {
            throw notFound();
        }
        return keys.delete(id, operator.in(null)).map(deleted -> {
                    if (!deleted) {
                        throw notFound();
                    }
                    return RestResponse.<Void>noContent();
                });
    }

    private static ApiException notFound() {
        return new ApiException(404, "AdminKeyNotFound", "admin key not found");
    }
}
