package dev.latchkey.admin;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.databind.JsonNode;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.admin.AdminViews.AppView;
import dev.latchkey.app.App;
import dev.latchkey.app.AppRepository;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.Deadline;
import io.smallrye.mutiny.Uni;

/** Apps: create, list, read, merge-patch (providers and their settings, the key limit), delete. */
@Deadline
@Tag(name = "admin", description = "Operators' API: admin key required (Authorization: Bearer <admin key>)")
@Path("/api/admin/v1/apps")
@Produces(MediaType.APPLICATION_JSON)
@Consumes({ MediaType.APPLICATION_JSON, "application/merge-patch+json" })
public class AdminAppsResource {

    private final AppRepository apps;
    private final AdminApps admin;
    private final AdminCaller operator;
    private final int defaultKeyLimit;

    public AdminAppsResource(AppRepository apps, AdminApps admin, AdminCaller operator, LatchkeyConfig config) {
        this.apps = apps;
        this.admin = admin;
        this.operator = operator;
        this.defaultKeyLimit = config.apiKeys().maxPerUser();
    }

    @GET
    public Uni<List<AppView>> list() {
        return apps.list().map(all -> all.stream().map(this::view).toList());
    }

    @POST
    @APIResponse(responseCode = "201", description = "the app; 409 AppAlreadyExists when the id is taken")
    public Uni<RestResponse<AppView>> create(JsonNode body) {
        return admin.create(body, operator.in(null)).map(app -> RestResponse.status(RestResponse.Status.CREATED, view(app)));
    }

    @GET
    @Path("/{appId}")
    public Uni<AppView> get(String appId) {
        return apps.find(appId).map(app -> {
            if (app == null) {
                throw ApiException.appNotFound(appId);
            }
            return view(app);
        });
    }

    @PATCH
    @Path("/{appId}")
    @APIResponse(responseCode = "200", description = "the app after the merge patch (RFC 7396)")
    public Uni<AppView> patch(String appId, JsonNode body) {
        return admin.patch(appId, body, operator.in(appId)).map(this::view);
    }

    @DELETE
    @Path("/{appId}")
    @APIResponse(responseCode = "204", description = "deleted with its users, their keys and sessions")
    public Uni<RestResponse<Void>> delete(String appId) {
        return admin.delete(appId, operator.in(appId)).map(done -> RestResponse.noContent());
    }

    private AppView view(App app) {
        return AppView.of(app, defaultKeyLimit);
    }
}
