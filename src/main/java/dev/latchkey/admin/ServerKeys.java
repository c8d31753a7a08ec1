package dev.latchkey.admin;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.ObjectIds;
import dev.latchkey.apikey.ApiKeyService;
import dev.latchkey.app.AppRepository;
import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.error.ApiException;
import dev.latchkey.session.LiveSessionCache;
import dev.latchkey.user.User;
import dev.latchkey.user.UserRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * App Services' server API keys: app-level keys made by operators. Each has a user of its own, of
 * type {@code server}, that a login with the key (the same {@code api-key} provider) acts as; the
 * key is that user's only key. Format, hashing and revocation are the user keys' own.
 */
@ApplicationScoped
public class ServerKeys {

    private final AppRepository apps;
    private final UserRepository users;
    private final ApiKeyService keys;
    private final AdminQueries queries;
    private final AuditLog audit;
    private final Pool pool;
    private final LiveSessionCache cache;

    public ServerKeys(AppRepository apps, UserRepository users, ApiKeyService keys, AdminQueries queries, AuditLog audit,
            Pool pool, LiveSessionCache cache) {
        this.cache = cache;
        this.apps = apps;
        this.users = users;
        this.keys = keys;
        this.queries = queries;
        this.audit = audit;
        this.pool = pool;
    }

    /** The key, its server user and their audit event in one transaction. */
    public Uni<ApiKeyService.Created> create(String appId, String name, Actor actor) {
        AdminViews.requireName(name);
        String userId = ObjectIds.next();
        return apps.require(appId).chain(app -> pool.withTransaction(tx -> users.insert(tx, appId, User.SERVER, userId)
                .chain(() -> keys.create(tx, actor, userId, name, appId, 1))));
    }

    /** The server user the key logs in as, or 404 APIKeyNotFound. */
    public Uni<String> owner(String appId, String keyId) {
        if (!ObjectIds.isValid(keyId)) {
            throw notFound();
        }
        return queries.serverKey(appId, keyId).map(found -> {
            if (found == null) {
                throw notFound();
            }
            return found.getValue();
        });
    }

    public Uni<Void> setDisabled(String appId, String keyId, boolean disabled, Actor actor) {
        return owner(appId, keyId).chain(owner -> disabled ? keys.disable(actor, owner, keyId) : keys.enable(actor, owner, keyId));
    }

    /** Deletes the key with its server user (and so every session it opened). */
    public Uni<Void> delete(String appId, String keyId, Actor actor) {
        return owner(appId, keyId).invoke(cache::userChanged).chain(owner -> pool.withTransaction(conn -> conn
                .preparedQuery("delete from users where id = $1 and app_id = $2 and type = 'server'").execute(Tuple.of(owner, appId))
                .call(() -> audit.on(conn, actor.event("api_key.delete").user(owner).apiKey(keyId)
                        .detail(Map.of("server", true))))))
                .replaceWithVoid();
    }

    static ApiException notFound() {
        return new ApiException(404, "APIKeyNotFound", "API key not found");
    }
}
