package dev.latchkey.apikey;

import java.util.List;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.ObjectIds;
import dev.latchkey.app.AppRepository;
import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditLog;
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
    private final AppRepository apps;
    private final AuditLog audit;
    private final LatchkeyConfig config;

    public ApiKeyService(ApiKeyRepository keys, SessionRepository sessions, AppRepository apps, AuditLog audit,
            LatchkeyConfig config) {
        this.keys = keys;
        this.sessions = sessions;
        this.apps = apps;
        this.audit = audit;
        this.config = config;
    }

    public record Created(ApiKey key, String value) {
    }

    /** A new key for the owner, within the app's per-user limit. */
    public Uni<Created> create(Actor actor, String ownerId, String name) {
        return apps.require(actor.appId()).chain(app -> create(actor, ownerId, name, null,
                app.apiKeysMaxPerUser(config.apiKeys().maxPerUser())));
    }

    /**
     * A new key; {@code serverAppId} is set for an app's server key, whose name is unique among the
     * app's server keys. The key and its audit event commit together.
     */
    public Uni<Created> create(Actor actor, String ownerId, String name, String serverAppId, int limit) {
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
        return Panache.withTransaction(() -> keys.insert(key.id, ownerId, name, hash, limit, serverAppId)
                .call(inserted -> inserted == 0 ? Uni.createFrom().voidItem()
                        : audit.inTransaction(actor.event("api_key.create").user(ownerId).apiKey(key.id)
                                .detail(java.util.Map.of("name", name)))))
                .onFailure(f -> UniqueViolation.on(f, "api_keys_owner_name_key") || UniqueViolation.on(f, "api_keys_server_name_idx"))
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
    public Uni<Void> enable(Actor actor, String ownerId, String id) {
        requireShape(id);
        return keys.setDisabled(id, ownerId, false).map(ApiKeyService::found)
                .call(() -> audit.inTransaction(actor.event("api_key.enable").user(ownerId).apiKey(id)));
    }

    /** Disabling ends every session the key started, in the same transaction. */
    @WithTransaction
    public Uni<Void> disable(Actor actor, String ownerId, String id) {
        requireShape(id);
        return keys.setDisabled(id, ownerId, true).map(ApiKeyService::found)
                .call(() -> sessions.endAllForKey(id, ownerId))
                .call(() -> audit.inTransaction(actor.event("api_key.disable").user(ownerId).apiKey(id)));
    }

    /** Deleting ends every session the key started, in the same transaction. */
    @WithTransaction
    public Uni<Void> delete(Actor actor, String ownerId, String id) {
        requireShape(id);
        // Disabling first takes the key's row lock, so no login can start a session between
        // ending the sessions and deleting the key.
        return keys.setDisabled(id, ownerId, true).map(ApiKeyService::found)
                .call(() -> sessions.endAllForKey(id, ownerId))
                .chain(() -> keys.deleteFor(id, ownerId))
                .map(ApiKeyService::found)
                .call(() -> audit.inTransaction(actor.event("api_key.delete").user(ownerId).apiKey(id)));
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
