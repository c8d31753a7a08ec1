package dev.latchkey.user;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestResponse;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.latchkey.app.AppRepository;
import dev.latchkey.security.Authenticated;
import dev.latchkey.security.Caller;
import dev.latchkey.security.CurrentCaller;
import dev.latchkey.security.SessionKind;
import dev.latchkey.session.TokenType;
import dev.latchkey.http.Deadline;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

@Deadline
@Path("/api/client/v2.0/auth")
@Consumes(MediaType.WILDCARD)
public class UserResource {

    public record IdentityView(String id, @JsonProperty("provider_type") String providerType,
            @JsonProperty("provider_id") String providerId) {
    }

    public record Profile(@JsonProperty("user_id") String userId, @JsonProperty("domain_id") String domainId,
            List<IdentityView> identities, Map<String, Object> data, String type) {
    }

    private final UserRepository users;
    private final AppRepository apps;
    private final CurrentCaller caller;

    public UserResource(UserRepository users, AppRepository apps, CurrentCaller caller) {
        this.users = users;
        this.apps = apps;
        this.caller = caller;
    }

    /** Every user's profile type is "normal", anonymous ones included, as App Services answered. */
    @GET
    @Path("/profile")
    @Produces(MediaType.APPLICATION_JSON)
    @Authenticated(value = TokenType.ACCESS, alsoAdmit = { SessionKind.ANONYMOUS, SessionKind.API_KEY })
    public Uni<Profile> profile() {
        Caller c = caller.get();
        return apps.require(c.appId()).chain(app -> users.identities(c.userId()).map(identities -> {
            Map<String, Object> data = identities.stream().map(UserRepository.IdentityRow::email)
                    .filter(Objects::nonNull).findFirst().<Map<String, Object>>map(email -> Map.of("email", email))
                    .orElse(Map.of());
            return new Profile(c.userId(), app.domainId(),
                    identities.stream().map(i -> new IdentityView(i.providerId(), i.providerType(), i.providerId())).toList(),
                    data, User.NORMAL);
        }));
    }

    /**
     * Deletes the caller with every identity, session and key, in one transaction. An anonymous
     * user may delete themselves; a session that logged in with a key may not delete its owner.
     */
    @DELETE
    @APIResponse(responseCode = "204", description = "the caller, their identities, sessions and keys are gone")
    @Path("/delete")
    @WithTransaction
    @Authenticated(value = TokenType.ACCESS, alsoAdmit = SessionKind.ANONYMOUS)
    public Uni<RestResponse<Void>> deleteSelf() {
        return users.deleteUser(caller.get().userId()).map(deleted -> RestResponse.noContent());
    }
}
