package dev.latchkey.apikey;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;

/** Keys are always reached through their owner: no method here can touch another user's key. */
@ApplicationScoped
public class ApiKeyRepository implements PanacheRepositoryBase<ApiKey, String> {

    private final Pool pool;

    public ApiKeyRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Inserts a key if the owner is under the limit, in one statement: the conditional increment
     * locks the owner's row, so parallel creates queue there, and the unique (owner, name)
     * constraint refuses a duplicate name. Returns 0 when the limit is reached.
     */
    public Uni<Integer> insert(String id, String ownerId, String name, byte[] keyHash, int limit, String serverAppId) {
        return getSession().flatMap(session -> session.createNativeQuery(
                "with slot as (update users set api_key_count = api_key_count + 1 "
                        + "where id = :owner and api_key_count < :limit returning id) "
                        + "insert into api_keys (id, owner_id, name, key_hash, server_app_id) "
                        + "select :id, id, :name, :hash, cast(:serverApp as text) from slot")
                .setParameter("owner", ownerId)
                .setParameter("limit", limit)
                .setParameter("id", id)
                .setParameter("name", name)
                .setParameter("hash", keyHash)
                .setParameter("serverApp", serverAppId)
                .executeUpdate());
    }

    /** A hot read: straight to the SQL client, one prepared statement. */
    public Uni<List<ApiKey>> listFor(String ownerId) {
        return pool.preparedQuery("select id, name, disabled from api_keys where owner_id = $1 order by created_seq")
                .execute(Tuple.of(ownerId))
                .map(rows -> {
                    List<ApiKey> keys = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        ApiKey key = new ApiKey();
                        key.id = row.getString(0);
                        key.ownerId = ownerId;
                        key.name = row.getString(1);
                        key.disabled = row.getBoolean(2);
                        keys.add(key);
                    }
                    return keys;
                });
    }

    public Uni<ApiKey> findFor(String id, String ownerId) {
        return find("id = ?1 and ownerId = ?2", id, ownerId).firstResult();
    }

    public Uni<Boolean> setDisabled(String id, String ownerId, boolean disabled) {
        return update("disabled = ?1 where id = ?2 and ownerId = ?3", disabled, id, ownerId).map(count -> count > 0);
    }

    /** Deletes the key and gives its slot back, in one statement. */
    public Uni<Boolean> deleteFor(String id, String ownerId) {
        return getSession().flatMap(session -> session.createNativeQuery(
                "with gone as (delete from api_keys where id = :id and owner_id = :owner returning owner_id) "
                        + "update users set api_key_count = api_key_count - 1 where id in (select owner_id from gone)")
                .setParameter("id", id)
                .setParameter("owner", ownerId)
                .executeUpdate())
                .map(count -> count > 0);
    }

    /**
     * The api-key login in one round trip and one statement (so one implicit transaction): finds
     * the enabled key by hash, records the owner's api-key identity, and starts a session
     * remembering the key. Returns the owner id, or null. The key row is share-locked, so a
     * disable or delete waits for this login to commit and then ends its session too, and a
     * login queued behind a disable sees the key disabled.
     */
    public Uni<String> startSession(byte[] keyHash, String appId, String sessionId, String deviceId, Duration lifetime) {
        return pool.preparedQuery(
                "with k as (select k.id, k.owner_id from api_keys k join users u on u.id = k.owner_id "
                        + "  where k.key_hash = $1 and not k.disabled and u.app_id = $2 for share of k), "
                        + "i as (insert into identities (app_id, provider_type, provider_id, user_id) "
                        + "  select $2, 'api-key', id, owner_id from k on conflict do nothing), "
                        + "s as (insert into sessions (id, user_id, device_id, provider_type, api_key_id, expires_at) "
                        + "  select $3, owner_id, $4, 'api-key', id, now() + make_interval(secs => $5) from k "
                        + "  returning user_id) "
                        + "select user_id from s")
                .execute(Tuple.of(Buffer.buffer(keyHash), appId, sessionId, deviceId, (double) lifetime.toSeconds()))
                .map(rows -> {
                    RowIterator<Row> it = rows.iterator();
                    return it.hasNext() ? it.next().getString(0) : null;
                });
    }
}
