package dev.latchkey.admin;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;

import dev.latchkey.ObjectIds;
import dev.latchkey.admin.AdminViews.UserDetail;
import dev.latchkey.admin.AdminViews.UserPage;
import dev.latchkey.app.AppRepository;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.Deadline;
import io.smallrye.mutiny.Uni;

/** An app's users: find, read, disable or enable, delete, end sessions, delete a key. */
@Deadline
@Tag(name = "admin")
@Path("/api/admin/v1/apps/{appId}/users")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class AdminUsersResource {

    private final AppRepository apps;
    private final AdminQueries queries;
    private final AdminUsers users;
    private final AdminCaller operator;

    public AdminUsersResource(AppRepository apps, AdminQueries queries, AdminUsers users, AdminCaller operator) {
        this.apps = apps;
        this.queries = queries;
        this.users = users;
        this.operator = operator;
    }

    /** Pages in id order; {@code email} finds users whose email starts with it; {@code next} is the cursor for {@code after}. */
    @GET
    public Uni<UserPage> list(String appId, @RestQuery String email, @RestQuery Integer limit, @RestQuery String after) {
        int size = AdminViews.limit(limit);
        if (after != null && !ObjectIds.isValid(after)) {
            throw ApiException.invalidParameter("'after' must be a user id");
        }
        if (email != null && (email.isEmpty() || email.length() > 254)) {
            throw ApiException.invalidParameter("'email' must be 1-254 characters");
        }
        return apps.require(appId).chain(app -> queries.users(appId, email, after, size)).map(found -> {
            boolean more = found.size() > size;
            var page = more ? found.subList(0, size) : found;
            return new UserPage(page, more ? page.get(page.size() - 1).id() : null);
        });
    }

    /** The user with identities, live sessions and key metadata (never a key value). */
    @GET
    @Path("/{userId}")
    public Uni<UserDetail> get(String appId, String userId) {
        if (!ObjectIds.isValid(userId)) {
            throw AdminUsers.userNotFound();
        }
        return queries.user(appId, userId).chain(user -> {
            if (user == null) {
                throw AdminUsers.userNotFound();
            }
            return Uni.combine().all().unis(queries.identities(userId), queries.liveSessions(userId), queries.keys(userId))
                    .with((identities, sessions, keys) -> new UserDetail(user.id(), user.type(), user.disabled(),
                            user.createdAt(), user.email(), identities, sessions, keys));
        });
    }

    @DELETE
    @Path("/{userId}")
    @APIResponse(responseCode = "204", description = "deleted with identities, keys and sessions")
    public Uni<RestResponse<Void>> delete(String appId, String userId) {
        return users.delete(appId, userId, operator.in(appId)).map(done -> RestResponse.noContent());
    }

    @PUT
    @Path("/{userId}/disable")
    @APIResponse(responseCode = "204", description = "disabled: sessions ended, every login refused (401 AuthError)")
    public Uni<RestResponse<Void>> disable(String appId, String userId) {
        return users.setDisabled(appId, userId, true, operator.in(appId)).map(done -> RestResponse.noContent());
    }

    @PUT
    @Path("/{userId}/enable")
    @APIResponse(responseCode = "204", description = "enabled")
    public Uni<RestResponse<Void>> enable(String appId, String userId) {
        return users.setDisabled(appId, userId, false, operator.in(appId)).map(done -> RestResponse.noContent());
    }

    @DELETE
    @Path("/{userId}/sessions")
    @APIResponse(responseCode = "204", description = "every live session of the user ended")
    public Uni<RestResponse<Void>> endSessions(String appId, String userId) {
        return users.endSessions(appId, userId, null, operator.in(appId)).map(done -> RestResponse.noContent());
    }

    @DELETE
    @Path("/{userId}/sessions/{sessionId}")
    @APIResponse(responseCode = "204", description = "that session ended")
    public Uni<RestResponse<Void>> endSession(String appId, String userId, String sessionId) {
        if (!ObjectIds.isValid(sessionId)) {
            throw new ApiException(404, "SessionNotFound", "session not found");
        }
        return users.endSessions(appId, userId, sessionId, operator.in(appId)).map(done -> RestResponse.noContent());
    }

    @DELETE
    @Path("/{userId}/api_keys/{keyId}")
    @APIResponse(responseCode = "204", description = "the key is deleted and its sessions ended")
    public Uni<RestResponse<Void>> deleteKey(String appId, String userId, String keyId) {
        return users.deleteKey(appId, userId, keyId, operator.in(appId)).map(done -> RestResponse.noContent());
    }

    @PUT
    @Path("/{userId}/api_keys/{keyId}/disable")
    @APIResponse(responseCode = "204", description = "the key is disabled and its sessions ended (idempotent)")
    public Uni<RestResponse<Void>> disableKey(String appId, String userId, String keyId) {
        return users.setKeyDisabled(appId, userId, keyId, true, operator.in(appId)).map(done -> RestResponse.noContent());
    }

    @PUT
    @Path("/{userId}/api_keys/{keyId}/enable")
    @APIResponse(responseCode = "204", description = "the key is enabled (idempotent)")
    public Uni<RestResponse<Void>> enableKey(String appId, String userId, String keyId) {
        return users.setKeyDisabled(appId, userId, keyId, false, operator.in(appId)).map(done -> RestResponse.noContent());
    }
}
