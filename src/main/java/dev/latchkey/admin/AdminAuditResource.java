package dev.latchkey.admin;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestQuery;

import dev.latchkey.ObjectIds;
import dev.latchkey.admin.AdminViews.EventPage;
import dev.latchkey.admin.AdminViews.LoginStats;
import dev.latchkey.app.AppRepository;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.Deadline;
import io.smallrye.mutiny.Uni;

/**
 * The audit trail, newest first: an app's events here, every app's and the deployment's own at
 * {@code /api/admin/v1/audit} ({@link Everything}). Two classes, because a request for
 * {@code /apps/{appId}/audit} is matched to the most specific class path first.
 */
@Deadline
@Tag(name = "admin")
@Path("/api/admin/v1/apps/{appId}/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AdminAuditResource {

    /** Every app's events and the deployment's own (admin keys). */
    @Deadline
    @Tag(name = "admin")
    @Path("/api/admin/v1/audit")
    @Produces(MediaType.APPLICATION_JSON)
    public static class Everything {

        private final AdminAuditResource trail;

        public Everything(AdminAuditResource trail) {
            this.trail = trail;
        }

        @GET
        public Uni<EventPage> events(@RestQuery String type, @RestQuery("user_id") String userId, @RestQuery String after,
                @RestQuery Integer limit) {
            return trail.page(null, type, userId, after, limit);
        }
    }

    static final int DEFAULT_HOURS = 24;
    /** A week: the chart's longest span, which bounds the scan. */
    static final int MAX_HOURS = 168;

    private final AppRepository apps;
    private final AdminQueries queries;

    public AdminAuditResource(AppRepository apps, AdminQueries queries) {
        this.apps = apps;
        this.queries = queries;
    }

    @GET
    public Uni<EventPage> appEvents(String appId, @RestQuery String type, @RestQuery("user_id") String userId,
            @RestQuery String after, @RestQuery Integer limit) {
        return apps.require(appId).chain(app -> page(appId, type, userId, after, limit));
    }

    /** Logins per hour, success and failure, for the last {@code hours} (1-168, default 24) hours. */
    @GET
    @Path("/stats")
    public Uni<LoginStats> stats(String appId, @RestQuery String hours) {
        int span = hours(hours);
        return apps.require(appId).chain(app -> queries.loginsPerHour(appId, span)).map(counts -> new LoginStats(span, counts));
    }

    static int hours(String requested) {
        if (requested == null) {
            return DEFAULT_HOURS;
        }
        try {
            int hours = Integer.parseInt(requested);
            if (hours >= 1 && hours <= MAX_HOURS) {
                return hours;
            }
        } catch (NumberFormatException e) {
            // answered below like any other value out of range
        }
        throw ApiException.invalidParameter("'hours' must be between 1 and " + MAX_HOURS);
    }

    Uni<EventPage> page(String appId, String type, String userId, String after, Integer limit) {
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
