package dev.latchkey.user;

import java.util.LinkedHashMap;
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
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.latchkey.app.AppRepository;
import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.security.Authenticated;
import dev.latchkey.security.Caller;
import dev.latchkey.security.CurrentCaller;
import dev.latchkey.security.SessionKind;
import dev.latchkey.session.LiveSessionCache;
import dev.latchkey.session.TokenType;
import dev.latchkey.http.Deadline;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

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

    private static final TypeReference<Map<String, Object>> METADATA = new TypeReference<>() {
    };

    private final UserRepository users;
    private final AppRepository apps;
    private final CurrentCaller caller;
    private final ObjectMapper json;
    private final AuditLog audit;
    private final LiveSessionCache sessions;
    private final ProfileCache profiles;
    private final Pool pool;

    public UserResource(UserRepository users, AppRepository apps, CurrentCaller caller, ObjectMapper json, AuditLog audit,
            LiveSessionCache sessions, ProfileCache profiles, Pool pool) {
        this.pool = pool;
        this.audit = audit;
        this.sessions = sessions;
        this.profiles = profiles;
        this.users = users;
        this.apps = apps;
        this.caller = caller;
        this.json = json;
    }

    /**
     * Every user's profile type is "normal", anonymous ones included, as App Services answered;
     * the user of a server API key is "server".
     */
    @GET
    @Path("/profile")
    @Produces(MediaType.APPLICATION_JSON)
    @Authenticated(value = TokenType.ACCESS, alsoAdmit = { SessionKind.ANONYMOUS, SessionKind.API_KEY })
    public Uni<Profile> profile() {
        Caller c = caller.get();
        return apps.require(c.appId()).chain(app -> identities(c.userId()).map(entry -> new Profile(c.userId(),
                app.domainId(), entry.identities(), entry.data(), User.SERVER.equals(c.userType()) ? User.SERVER : User.NORMAL)));
    }

    /** The user's identities and data from memory when the cache holds them, else from the database (then kept). */
    private Uni<ProfileCache.Entry> identities(String userId) {
        ProfileCache.Entry cached = profiles.get(userId);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        long version = profiles.version(userId);
        return users.identities(userId).map(identities -> {
            ProfileCache.Entry entry = new ProfileCache.Entry(
                    identities.stream().map(i -> new IdentityView(i.providerId(), i.providerType(), i.providerId())).toList(),
                    data(identities));
            profiles.keep(userId, entry, version);
            return entry;
        });
    }

    /**
     * The metadata a custom-token identity's last token carried, then the email of the
     * email/password identity: the address Latchkey itself checked wins over a token's claim.
     */
    private Map<String, Object> data(List<UserRepository.IdentityRow> identities) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (UserRepository.IdentityRow identity : identities) {
            if (identity.data() != null) {
                try {
                    data.putAll(json.readValue(identity.data(), METADATA));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("identity data is not a JSON object", e);
                }
            }
        }
        identities.stream().map(UserRepository.IdentityRow::email).filter(Objects::nonNull).findFirst()
                .ifPresent(email -> data.put("email", email));
        return data;
    }

    /**
     * Deletes the caller with every identity, session and key, in one transaction. An anonymous
     * user may delete themselves; a session that logged in with a key may not delete its owner.
     */
    @DELETE
    @APIResponse(responseCode = "204", description = "the caller, their identities, sessions and keys are gone")
    @Path("/delete")
    @Authenticated(value = TokenType.ACCESS, alsoAdmit = SessionKind.ANONYMOUS)
    public Uni<RestResponse<Void>> deleteSelf() {
        Caller c = caller.get();
        sessions.userChanged(c.userId());
        profiles.userChanged(c.userId());
        return pool.withTransaction(tx -> users.deleteUser(tx, c.userId())
                .call(deleted -> audit.on(tx, Actor.user(c.appId(), c.userId()).event("user.delete").user(c.userId()))))
                .map(deleted -> RestResponse.noContent());
    }
}
