package dev.latchkey.admin;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.ObjectIds;
import dev.latchkey.apikey.ApiKeyService;
import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.error.ApiException;
import dev.latchkey.session.LiveSessionCache;
import dev.latchkey.user.ProfileCache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Operators' changes to users, scoped to the app in the path: each change and its audit event
 * commit together. Disabling ends the user's sessions at once; the database then refuses every
 * new session of theirs (V6's trigger) and the session check every old one.
 */
@ApplicationScoped
public class AdminUsers {

    private final Pool pool;
    private final AdminQueries queries;
    private final ApiKeyService keys;
    private final AuditLog audit;
    private final LiveSessionCache cache;
    private final ProfileCache profiles;

    public AdminUsers(Pool pool, AdminQueries queries, ApiKeyService keys, AuditLog audit, LiveSessionCache cache,
            ProfileCache profiles) {
        this.cache = cache;
        this.profiles = profiles;
        this.pool = pool;
        this.queries = queries;
        this.keys = keys;
        this.audit = audit;
    }

    public Uni<Void> setDisabled(String appId, String userId, boolean disabled, Actor actor) {
        requireUserId(userId);
        cache.userChanged(userId);
        return pool.withTransaction(conn -> conn
                .preparedQuery("update users set disabled = $3 where id = $1 and app_id = $2")
                .execute(Tuple.of(userId, appId, disabled))
                .map(RowSet::rowCount)
                .call(found -> found == 0 ? Uni.createFrom().voidItem()
                        : (disabled ? queries.endSessions(conn, userId, null) : Uni.createFrom().item(0))
                                .chain(ended -> audit.on(conn, actor.event(disabled ? "user.disable" : "user.enable")
                                        .user(userId).detail(Map.of("sessions_ended", ended))))))
                .map(AdminUsers::found);
    }

    public Uni<Void> delete(String appId, String userId, Actor actor) {
        requireUserId(userId);
        cache.userChanged(userId);
        profiles.userChanged(userId);
        return pool.withTransaction(conn -> conn
                .preparedQuery("delete from users where id = $1 and app_id = $2").execute(Tuple.of(userId, appId))
                .map(RowSet::rowCount)
                .call(found -> found == 0 ? Uni.createFrom().voidItem()
                        : audit.on(conn, actor.event("user.delete").user(userId))))
                .map(AdminUsers::found);
    }

    /** Ends every live session of the user, or only {@code sessionId} (404 SessionNotFound when that one is not live). */
    public Uni<Void> endSessions(String appId, String userId, String sessionId, Actor actor) {
        requireUserId(userId);
        cache.userChanged(userId);
        return queries.user(appId, userId).map(AdminUsers::found).chain(() -> pool.withTransaction(conn -> queries
                .endSessions(conn, userId, sessionId)
                .call(ended -> ended == 0 ? Uni.createFrom().voidItem()
                        : audit.on(conn, actor.event("session.end").user(userId).session(sessionId)
                                .detail(Map.of("reason", "admin", "sessions_ended", ended))))))
                .map(ended -> {
                    if (sessionId != null && ended == 0) {
                        throw new ApiException(404, "SessionNotFound", "session not found");
                    }
                    return null;
                });
    }

    /** Deletes one of the user's keys, ending its sessions. */
    public Uni<Void> deleteKey(String appId, String userId, String keyId, Actor actor) {
        requireUserId(userId);
        return queries.user(appId, userId).map(AdminUsers::found).chain(() -> keys.delete(actor, userId, keyId));
    }

    /** Disables (ending its sessions) or enables one of the user's keys; idempotent like the owner's own routes. */
    public Uni<Void> setKeyDisabled(String appId, String userId, String keyId, boolean disabled, Actor actor) {
        requireUserId(userId);
        return queries.user(appId, userId).map(AdminUsers::found)
                .chain(() -> disabled ? keys.disable(actor, userId, keyId) : keys.enable(actor, userId, keyId));
    }

    private static Void found(Object found) {
        if (found == null || Integer.valueOf(0).equals(found)) {
            throw userNotFound();
        }
        return null;
    }

    private static void requireUserId(String userId) {
        if (!ObjectIds.isValid(userId)) {
            throw userNotFound();
        }
    }

    static ApiException userNotFound() {
        return new ApiException(404, "UserNotFound", "user not found");
    }
}
