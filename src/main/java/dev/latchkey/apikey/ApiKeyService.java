package dev.latchkey.apikey;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.ObjectIds;
import dev.latchkey.app.AppRepository;
import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.error.ApiException;
import dev.latchkey.error.UniqueViolation;
import dev.latchkey.security.Caller;
import dev.latchkey.session.SessionRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;

/** The rules of a user's API keys. Every method takes the owner, and an id that is not theirs is simply not found. */
@ApplicationScoped
public class ApiKeyService {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** RFC 3339's date-time: seconds required, fraction optional, Z or a numeric offset. */
    private static final Pattern RFC_3339 = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");
    /** The longest grace a rotation may give the old value (SPEC section 10). */
    public static final int MAX_GRACE_SECONDS = 86_400;

    private final ApiKeyRepository keys;
    private final SessionRepository sessions;
    private final AppRepository apps;
    private final AuditLog audit;
    private final Pool pool;
    private final LatchkeyConfig config;
    private final KeyListCache lists;

    public ApiKeyService(ApiKeyRepository keys, SessionRepository sessions, AppRepository apps, AuditLog audit, Pool pool,
            LatchkeyConfig config, KeyListCache lists) {
        this.lists = lists;
        this.keys = keys;
        this.sessions = sessions;
        this.apps = apps;
        this.audit = audit;
        this.pool = pool;
        this.config = config;
    }

    /** A key with its value, which is shown only in this answer. */
    public record Created(ApiKey key, String value) {
    }

    /** A new key for the owner, within the app's per-user limit; {@code expiresAt} (RFC 3339) is optional. */
    public Uni<Created> create(Actor actor, String ownerId, String name, String expiresAt) {
        requireName(name);
        OffsetDateTime expiry = expiry(expiresAt);
        return apps.require(actor.appId()).chain(app -> create(actor, ownerId, name, expiry, null,
                app.apiKeysMaxPerUser(config.apiKeys().maxPerUser())));
    }

    /**
     * An app's server key (no expiry), in the transaction {@code tx} has open (its server user is
     * inserted in the same one); its name is unique among the app's server keys.
     */
    public Uni<Created> create(SqlClient tx, Actor actor, String ownerId, String name, String serverAppId, int limit) {
        return create(tx, actor, ownerId, name, null, serverAppId, limit);
    }

    private Uni<Created> create(Actor actor, String ownerId, String name, OffsetDateTime expiry, String serverAppId, int limit) {
        return pool.withTransaction(tx -> create(tx, actor, ownerId, name, expiry, serverAppId, limit));
    }

    /** A new key; {@code serverAppId} is set for an app's server key. The key and its audit event commit together. */
    private Uni<Created> create(SqlClient tx, Actor actor, String ownerId, String name, OffsetDateTime expiry, String serverAppId,
            int limit) {
        requireName(name);
        String value = KeyCodec.newKey();
        String id = ObjectIds.next();
        return keys.insert(tx, id, ownerId, name, KeyCodec.hash(value), expiry, limit, serverAppId)
                .call(key -> key == null ? Uni.createFrom().voidItem()
                        : audit.on(tx, actor.event("api_key.create").user(ownerId).apiKey(id).detail(Map.of("name", name))))
                .onFailure(f -> UniqueViolation.on(f, "api_keys_owner_name_key") || UniqueViolation.on(f, "api_keys_server_name_idx"))
                .transform(f -> new ApiException(409, "APIKeyAlreadyExists", "API key with name already exists"))
                .map(key -> {
                    if (key == null) {
                        throw new ApiException(409, "APIKeyLimitReached", "maximum number of API keys reached");
                    }
                    return new Created(key, value);
                });
    }

    /** From memory when this instance has the owner's list and nothing has changed it since. */
    public Uni<List<ApiKey>> list(String ownerId) {
        List<ApiKey> cached = lists.get(ownerId);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        long version = lists.version(ownerId);
        return keys.listFor(ownerId).invoke(read -> lists.keep(ownerId, read, version));
    }

    public Uni<ApiKey> get(String ownerId, String id) {
        requireShape(id);
        return keys.findFor(id, ownerId).map(key -> {
            if (key == null) {
                throw notFound();
            }
            return key;
        });
    }

    public Uni<Void> enable(Actor actor, String ownerId, String id) {
        requireShape(id);
        return pool.withTransaction(tx -> keys.setDisabled(tx, id, ownerId, false).map(ApiKeyService::found)
                .call(() -> audit.on(tx, actor.event("api_key.enable").user(ownerId).apiKey(id))));
    }

    /** Disabling ends every session the key started, in the same transaction. */
    public Uni<Void> disable(Actor actor, String ownerId, String id) {
        requireShape(id);
        return pool.withTransaction(tx -> keys.setDisabled(tx, id, ownerId, true).map(ApiKeyService::found)
                .call(() -> sessions.endAllForKey(tx, id, ownerId))
                .call(() -> audit.on(tx, actor.event("api_key.disable").user(ownerId).apiKey(id))));
    }

    /** Deleting ends every session the key started, in the same transaction. */
    public Uni<Void> delete(Actor actor, String ownerId, String id) {
        requireShape(id);
        // Disabling first takes the key's row lock, so no login can start a session between
        // ending the sessions and deleting the key.
        return pool.withTransaction(tx -> keys.setDisabled(tx, id, ownerId, true).map(ApiKeyService::found)
                .call(() -> sessions.endAllForKey(tx, id, ownerId))
                .chain(() -> keys.deleteFor(tx, id, ownerId))
                .map(ApiKeyService::found)
                .call(() -> audit.on(tx, actor.event("api_key.delete").user(ownerId).apiKey(id))));
    }

    /**
     * Gives the caller's key a new value, keeping its id, name, state and expiry (and the owner's
     * key count). The old value logs in for {@code graceSeconds} more, never past the key's expiry;
     * sessions it opened end when its grace ends (at once for no grace). One transaction: the
     * key's row lock makes logins in flight commit first, so their sessions are shortened too,
     * and logins queued behind it see the new state.
     */
    public Uni<Created> rotate(Caller caller, String id, int graceSeconds) {
        requireShape(id);
        if (graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
            throw ApiException.invalidParameter("'grace_seconds' must be a whole number from 0 to " + MAX_GRACE_SECONDS);
        }
        String ownerId = caller.userId();
        String value = KeyCodec.newKey();
        return pool.withTransaction(tx -> keys.lockForRotation(tx, id, ownerId)
                .chain(expired -> {
                    if (expired == null) {
                        throw notFound();
                    }
                    if (expired) {
                        throw new ApiException(409, "APIKeyExpired", "API key has expired; create a new one");
                    }
                    return keys.rotate(tx, id, ownerId, KeyCodec.hash(value), graceSeconds);
                })
                .call(rotated -> sessions.endForRotation(tx, id, ownerId, rotated.previousGeneration(),
                        rotated.previousExpiresAt()))
                .call(rotated -> audit.on(tx, Actor.user(caller.appId(), ownerId).event("api_key.rotate")
                        .user(ownerId).apiKey(id).session(caller.sessionId())
                        .detail(Map.of("grace_seconds", graceSeconds)))))
                .map(rotated -> new Created(rotated.key(), value));
    }

    /** An optional RFC 3339 expiry: in the future, and no further than the configured lifetime. */
    private OffsetDateTime expiry(String text) {
        if (text == null) {
            return null;
        }
        OffsetDateTime at;
        try {
            if (!RFC_3339.matcher(text).matches()) {
                throw new DateTimeParseException("not RFC 3339", text, 0);
            }
            at = OffsetDateTime.parse(text.toUpperCase(Locale.ROOT)).withOffsetSameInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw ApiException.invalidParameter("'expires_at' must be an RFC 3339 date-time, such as 2030-01-31T12:00:00Z");
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        if (!at.isAfter(now)) {
            throw ApiException.invalidParameter("'expires_at' must be in the future");
        }
        Duration longest = config.apiKeys().maxLifetime();
        if (at.isAfter(now.plus(longest))) {
            throw ApiException.invalidParameter("'expires_at' must be at most " + longest.toDays() + " days ahead");
        }
        return at;
    }

    private static void requireName(String name) {
        if (name == null) {
            throw ApiException.invalidParameter("'name' is a required string");
        }
        if (!NAME.matcher(name).matches()) {
            throw ApiException.invalidParameter("can only contain ASCII letters, numbers, underscores, and hyphens");
        }
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
