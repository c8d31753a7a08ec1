package dev.latchkey.apikey;

import java.util.List;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.ObjectIds;
import dev.latchkey.error.ApiException;
import dev.latchkey.error.UniqueViolation;
import dev.latchkey.session.SessionRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/** The rules of a user's API keys. Every method takes the owner, and an id that is not theirs is simply not found. */
@ApplicationScoped
public class ApiKeyService {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final ApiKeyRepository keys;
    private final SessionRepository sessions;
    private final LatchkeyConfig config;

    public ApiKeyService(ApiKeyRepository keys, SessionRepository sessions, LatchkeyConfig config) {
        this.keys = keys;
        this.sessions = sessions;
        this.config = config;
    }

    public record Created(ApiKey key, String value) {
    }

    public Uni<Created> create(String ownerId, String name) {
        if (name == null) {
            throw ApiException.invalidParameter("'name' is a required string");
        }
        if (!NAME.matcher(name).matches()) {
            throw ApiException.invalidParameter("can only contain ASCII letters, numbers, underscores, and hyphens");
        }
        ApiKey key = new ApiKey();
        key.id = ObjectIds.next();
        key.ownerId = ownerId;
        key.name = name;
        String value = KeyCodec.newKey();
        byte[] hash = KeyCodec.hash(value);
        return Panache.withTransaction(() -> keys.insert(key.id, ownerId, name, hash, config.apiKeys().maxPerUser()))
                .onFailure(f -> UniqueViolation.on(f, "api_keys_owner_name_key"))
                .transform(f -> new ApiException(409, "APIKeyAlreadyExists", "API key with name already exists"))
                .map(inserted -> {
                    if (inserted == 0) {
                        throw new ApiException(409, "APIKeyLimitReached", "maximum number of API keys reached");
                    }
                    return new Created(key, value);
                });
    }

    public Uni<List<ApiKey>> list(String ownerId) {
        return keys.listFor(ownerId);
    }

    @WithSession
    public Uni<ApiKey> get(String ownerId, String id) {
        requireShape(id);
        return keys.findFor(id, ownerId).map(key -> {
            if (key == null) {
                throw notFound();
            }
            return key;
        });
    }

    @WithTransaction
    public Uni<Void> enable(String ownerId, String id) {
        requireShape(id);
        return keys.setDisabled(id, ownerId, false).map(ApiKeyService::found);
    }

    /** Disabling ends every session the key started, in the same transaction. */
    @WithTransaction
    public Uni<Void> disable(String ownerId, String id) {
        requireShape(id);
        return keys.setDisabled(id, ownerId, true).map(ApiKeyService::found)
                .call(() -> sessions.endAllForKey(id, ownerId));
    }

    /** Deleting ends every session the key started, in the same transaction. */
    @WithTransaction
    public Uni<Void> delete(String ownerId, String id) {
        requireShape(id);
        // Disabling first takes the key's row lock, so no login can start a session between
        // ending the sessions and deleting the key.
        return keys.setDisabled(id, ownerId, true).map(ApiKeyService::found)
                .call(() -> sessions.endAllForKey(id, ownerId))
                .chain(() -> keys.deleteFor(id, ownerId))
                .map(ApiKeyService::found);
    }

    private static Void found(boolean found) {
        if (!found) {
            throw notFound();
        }
        return null;
    }

    private static void requireShape(String id) {
        if (!ObjectIds.isValid(id)) {
            throw notFound();
        }
    }

    private static ApiException notFound() {
        return new ApiException(404, "APIKeyNotFound", "API key not found");
    }
}
