package dev.latchkey.admin;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestQuery;

import dev.latchkey.ObjectIds;
import dev.latchkey.admin.AdminViews.EventPage;
import dev.latchkey.app.AppRepository;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.Deadline;
import io.smallrye.mutiny.Uni;

/** The audit trail, newest first: an app's events, or the whole deployment's. */
@Deadline
@Tag(name = "admin")
@Path("/api/admin/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AdminAuditResource {

    private final AppRepository apps;
    private final AdminQueries queries;

    public AdminAuditResource(AppRepository apps, AdminQueries queries) {
        this.apps = apps;
        this.queries = queries;
    }

    @GET
    @Path("/apps/{appId}/audit")
    public Uni<EventPage> appEvents(String appId, @RestQuery String type, @RestQuery("user_id") String userId,
            @RestQuery String after, @RestQuery Integer limit) {
        return apps.require(appId).chain(app -> page(appId, type, userId, after, limit));
    }

    /** Every app's events and the deployment's own (admin keys). */
    @GET
    @Path("/audit")
    public Uni<EventPage> allEvents(@RestQuery String type, @RestQuery("user_id") String userId, @RestQuery String after,
            @RestQuery Integer limit) {
        return page(null, type, userId, after, limit);
    }

    private Uni<EventPage> page(String appId, String type, String userId, String after, Integer limit) {
        int size = AdminViews.limit(limit);
        if (type != null && !type.matches("[a-z_]+(\\.[a-z_]+)*")) {
            throw ApiException.invalidParameter("'type' is an event type such as login or api_key.create");
        }
        if (userId != null && !ObjectIds.isValid(userId)) {
            throw ApiException.invalidParameter("'user_id' must be a user id");
        }
        Long before;
        try {
            before = after == null ? null : Long.valueOf(after);
        } catch (NumberFormatException e) {
            throw ApiException.invalidParameter("'after' must be the 'next' of a previous page");
        }
        return queries.events(appId, type, userId, before, size).map(found -> {
            boolean more = found.size() > size;
            var page = more ? found.subList(0, size) : found;
            return new EventPage(page.stream().map(AdminViews.Sequenced::event).toList(),
                    more ? Long.toString(page.get(page.size() - 1).seq()) : null);
        });
    }
}
