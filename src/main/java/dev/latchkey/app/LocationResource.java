package dev.latchkey.app;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.http.Deadline;
import io.smallrye.mutiny.Uni;

@Deadline
@Path("/api/client/v2.0/app/{appId}/location")
@Produces(MediaType.APPLICATION_JSON)
public class LocationResource {

    public record Location(
            @JsonProperty("deployment_model") String deploymentModel,
            String location,
            String hostname,
            @JsonProperty("ws_hostname") String wsHostname) {
    }

    private final AppRepository apps;
    private final LatchkeyConfig config;

    public LocationResource(AppRepository apps, LatchkeyConfig config) {
        this.apps = apps;
        this.config = config;
    }

    /** realm-web asks this first and sends every later request to {@code hostname}. */
    @GET
    public Uni<Location> location(String appId, UriInfo uri) {
        String hostname = stripTrailingSlash(config.publicUrl().orElseGet(() -> uri.getBaseUri().toString()));
        return apps.require(appId).map(app -> new Location("GLOBAL", "US-VA", hostname, hostname.replaceFirst("^http", "ws")));
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
