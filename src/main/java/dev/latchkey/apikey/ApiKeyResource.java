package dev.latchkey.apikey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
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
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.latchkey.audit.Actor;
import dev.latchkey.error.ApiException;
import dev.latchkey.security.Authenticated;
import dev.latchkey.security.CurrentCaller;
import dev.latchkey.session.TokenType;
import dev.latchkey.http.Deadline;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * The caller's own API keys. Authenticated by the refresh token (realm-web) or the access token.
 * Key objects carry App Services' fields ({@code _id, name, disabled}) and Latchkey's
 * ({@code created_at, expires_at, last_used_at}: RFC 3339 in UTC, null for never), which the
 * Realm SDKs ignore.
 */
@Deadline
@Path("/api/client/v2.0/auth/api_keys")
@Consumes(MediaType.WILDCARD)
public class ApiKeyResource {

    public record NewKey(String name, @JsonProperty("expires_at") String expiresAt) {
    }

    /**
     * {@code grace_seconds} is read as JSON so that {@code 1.5}, {@code "5"} or {@code true} are refused, not coerced.
     * Read with the ObjectMapper from the raw body, so registered for a native build by hand.
     */
    @RegisterForReflection
    public record Rotation(@JsonProperty("grace_seconds") JsonNode graceSeconds) {
    }

    @JsonPropertyOrder({ "_id", "name", "disabled", "created_at", "expires_at", "last_used_at" })
    public record KeyView(@JsonProperty("_id") String id, String name, boolean disabled,
            @JsonProperty("created_at") String createdAt, @JsonProperty("expires_at") String expiresAt,
            @JsonProperty("last_used_at") String lastUsedAt) {
        static KeyView of(ApiKey key) {
            return new KeyView(key.id, key.name, key.disabled, rfc3339(key.createdAt), rfc3339(key.expiresAt),
                    rfc3339(key.lastUsedAt));
        }
    }

    /** The only responses that ever carry a key value: creation and rotation. */
    @JsonPropertyOrder({ "_id", "key", "name", "disabled", "created_at", "expires_at", "last_used_at" })
    public record CreatedKey(@JsonProperty("_id") String id, String key, String name, boolean disabled,
            @JsonProperty("created_at") String createdAt, @JsonProperty("expires_at") String expiresAt,
            @JsonProperty("last_used_at") String lastUsedAt) {
        static CreatedKey of(ApiKeyService.Created created) {
            ApiKey key = created.key();
            return new CreatedKey(key.id, created.value(), key.name, key.disabled, rfc3339(key.createdAt),
                    rfc3339(key.expiresAt), rfc3339(key.lastUsedAt));
        }
    }

    private final ApiKeyService keys;
    private final CurrentCaller caller;
    private final ObjectMapper json;
    private final KeyListCache lists;

    public ApiKeyResource(ApiKeyService keys, CurrentCaller caller, ObjectMapper json, KeyListCache lists) {
        this.lists = lists;
        this.keys = keys;
        this.caller = caller;
        this.json = json;
    }

    @POST
    @APIResponse(responseCode = "201", description = "the key, with its value: the only time it is shown")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Authenticated({ TokenType.REFRESH, TokenType.ACCESS })
    public Uni<RestResponse<CreatedKey>> create(NewKey body) {
        return changing(keys.create(actor(), caller.get().userId(), body == null ? null : body.name(),
                body == null ? null : body.expiresAt()))
                .map(created -> RestResponse.status(RestResponse.Status.CREATED, CreatedKey.of(created)));
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
        return changing(keys.enable(actor(), caller.get().userId(), id)).map(done -> RestResponse.noContent());
    }

    @PUT
    @Path("/{id}/disable")
    @APIResponse(responseCode = "204", description = "disabled, and every session it opened ended (idempotent)")
    @Authenticated({ TokenType.REFRESH, TokenType.ACCESS })
    public Uni<RestResponse<Void>> disable(String id) {
        return changing(keys.disable(actor(), caller.get().userId(), id)).map(done -> RestResponse.noContent());
    }

    @DELETE
    @Path("/{id}")
    @APIResponse(responseCode = "204", description = "deleted, and every session it opened ended")
    @Authenticated({ TokenType.REFRESH, TokenType.ACCESS })
    public Uni<RestResponse<Void>> delete(String id) {
        return changing(keys.delete(actor(), caller.get().userId(), id)).map(done -> RestResponse.noContent());
    }

    /**
     * A change to the caller's keys, committed when the Uni ends: the cached list is dropped
     * before the answer, so the next list shows it (other instances learn it from the database's
     * notice).
     */
    private <T> Uni<T> changing(Uni<T> change) {
        String ownerId = caller.get().userId();
        return change.onTermination().invoke(() -> lists.ownerChanged(ownerId));
    }

    private Actor actor() {
        return Actor.user(caller.get().appId(), caller.get().userId());
    }

    @POST
    @Path("/{id}/rotate")
    @APIResponse(responseCode = "201", description = "the same key with a new value, shown only now; the old value "
            + "logs in until grace_seconds (0 to 86400, default 0) have passed, and the sessions it opened end then")
    @Produces(MediaType.APPLICATION_JSON)
    @Authenticated({ TokenType.REFRESH, TokenType.ACCESS })
    public Uni<RestResponse<CreatedKey>> rotate(String id, byte[] body) throws IOException {
        return changing(keys.rotate(caller.get(), id, graceSeconds(body)))
                .map(rotated -> RestResponse.status(RestResponse.Status.CREATED, CreatedKey.of(rotated)));
    }

    /**
     * The body is optional, so it is read here rather than by the framework: no body (with any
     * Content-Type, or none) means no grace; a body must be a JSON object.
     */
    private int graceSeconds(byte[] body) throws IOException {
        Rotation rotation = body == null || body.length == 0 ? null : json.readValue(body, Rotation.class);
        JsonNode grace = rotation == null ? null : rotation.graceSeconds();
        if (grace == null || grace.isNull()) {
            return 0;
        }
        if (!grace.isIntegralNumber()) {
            throw ApiException.badRequest("'grace_seconds' has the wrong type");
        }
        if (!grace.canConvertToInt() || grace.intValue() < 0 || grace.intValue() > ApiKeyService.MAX_GRACE_SECONDS) {
            throw ApiException.invalidParameter("'grace_seconds' must be a whole number from 0 to " + ApiKeyService.MAX_GRACE_SECONDS);
        }
        return grace.intValue();
    }

    /**
     * RFC 3339 in UTC, to the millisecond; null stays null. The same text as
     * {@code DateTimeFormatter.ISO_INSTANT} on the instant cut to milliseconds (no fraction when it
     * is zero), written digit by digit for years 0 to 9999: the formatter was 6 % of listing keys.
     */
    static String rfc3339(OffsetDateTime time) {
        if (time == null) {
            return null;
        }
        Instant instant = time.toInstant().truncatedTo(ChronoUnit.MILLIS);
        LocalDateTime utc = LocalDateTime.ofEpochSecond(instant.getEpochSecond(), instant.getNano(), ZoneOffset.UTC);
        if (utc.getYear() < 0 || utc.getYear() > 9999) {
            return DateTimeFormatter.ISO_INSTANT.format(instant);
        }
        int millis = instant.getNano() / 1_000_000;
        byte[] text = new byte[millis == 0 ? 20 : 24];
        digits(text, 0, utc.getYear(), 4);
        text[4] = '-';
        digits(text, 5, utc.getMonthValue(), 2);
        text[7] = '-';
        digits(text, 8, utc.getDayOfMonth(), 2);
        text[10] = 'T';
        digits(text, 11, utc.getHour(), 2);
        text[13] = ':';
        digits(text, 14, utc.getMinute(), 2);
        text[16] = ':';
        digits(text, 17, utc.getSecond(), 2);
        if (millis != 0) {
            text[19] = '.';
            digits(text, 20, millis, 3);
        }
        text[text.length - 1] = 'Z';
        return new String(text, StandardCharsets.US_ASCII);
    }

    private static void digits(byte[] text, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            text[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }
}
