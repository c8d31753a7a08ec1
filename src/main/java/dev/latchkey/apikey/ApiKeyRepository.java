package dev.latchkey.apikey;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.database.Rows;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Keys are always reached through their owner: no method here can touch another user's key, but
 * for the two that find keys by their value (a login, a leak report) and the expiry job.
 */
@ApplicationScoped
public class ApiKeyRepository {

    /** The columns of a key object, in the order {@link #key} reads them. */
    private static final String KEY_COLUMNS = "id, owner_id, name, disabled, created_at, expires_at, last_used_at";

    private final Pool pool;

    public ApiKeyRepository(Pool pool) {
        this.pool = pool;
    }

    /** What an api-key login found: whose key, which key, and whether it was the key's first login (its identity was added). */
    public record KeyLogin(String ownerId, String keyId, boolean identityAdded) {
    }

    /** A rotated key (its new state) and what the rotation did to the old value. */
    public record Rotated(ApiKey key, int previousGeneration, OffsetDateTime previousExpiresAt) {
    }

    /** A key disabled because a value of it was reported leaked; its current and previous value hashes. */
    public record LeakedKey(String id, String ownerId, String appId, byte[] keyHash, byte[] previousKeyHash) {
    }

    /** A key whose expiry passed, marked so its event is written once. */
    public record ExpiredKey(String id, String ownerId, String appId, String name, OffsetDateTime expiresAt) {
    }

    /**
     * Inserts a key if the owner is under the limit, in one statement: the conditional increment
     * locks the owner's row, so parallel creates queue there, and the unique (owner, name)
     * constraint refuses a duplicate name ({@code serverAppId}: an app's server key, whose name is
     * unique among the app's server keys). The stored key, or null when the limit is reached.
     */
    public Uni<ApiKey> insert(SqlClient tx, String id, String ownerId, String name, byte[] keyHash, OffsetDateTime expiresAt,
            int limit, String serverAppId) {
        return tx.preparedQuery("with slot as (update users set api_key_count = api_key_count + 1 "
                + "where id = $1 and api_key_count < $2 returning id) "
                + "insert into api_keys (id, owner_id, name, key_hash, expires_at, server_app_id) "
                + "select $3::text, id, $4::text, $5::bytea, $6::timestamptz, $7::text from slot returning created_at")
                .execute(Tuple.from(new Object[] { ownerId, limit, id, name, Buffer.buffer(keyHash), expiresAt, serverAppId }))
                .map(rows -> Rows.first(rows, row -> {
                    ApiKey key = new ApiKey();
                    key.id = id;
                    key.ownerId = ownerId;
                    key.name = name;
                    key.createdAt = row.getOffsetDateTime(0);
                    key.expiresAt = expiresAt;
                    return key;
                }));
    }

    /** A hot read: straight to the SQL client, one prepared statement. */
    public Uni<List<ApiKey>> listFor(String ownerId) {
        return pool.preparedQuery("select " + KEY_COLUMNS + " from api_keys where owner_id = $1 order by created_seq")
                .execute(Tuple.of(ownerId))
                .map(rows -> {
                    List<ApiKey> keys = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        keys.add(key(row));
                    }
                    return keys;
                });
    }

    public Uni<ApiKey> findFor(String id, String ownerId) {
        return pool.preparedQuery("select " + KEY_COLUMNS + " from api_keys where id = $1 and owner_id = $2")
                .execute(Tuple.of(id, ownerId))
                .map(rows -> Rows.first(rows, ApiKeyRepository::key));
    }

    public Uni<Boolean> setDisabled(SqlClient tx, String id, String ownerId, boolean disabled) {
        return tx.preparedQuery("update api_keys set disabled = $3 where id = $1 and owner_id = $2")
                .execute(Tuple.of(id, ownerId, disabled))
                .map(rows -> rows.rowCount() > 0);
    }

    /** Deletes the key and gives its slot back, in one statement. */
    public Uni<Boolean> deleteFor(SqlClient tx, String id, String ownerId) {
        return tx.preparedQuery("with gone as (delete from api_keys where id = $1 and owner_id = $2 returning owner_id) "
                + "update users set api_key_count = api_key_count - 1 where id in (select owner_id from gone)")
                .execute(Tuple.of(id, ownerId))
                .map(rows -> rows.rowCount() > 0);
    }

    /** One api-key login of a batch: the hash of the value presented, the app, the session to start. */
    public record KeyLoginRequest(byte[] keyHash, String appId, String sessionId, String deviceId, Duration lifetime) {
    }

    /**
     * A batch of api-key logins in one statement (so one implicit transaction and one commit):
     * for each, finds the enabled, unexpired key by the hash of its current value, or of its
     * previous value while that value's grace lasts; records the owner's api-key identity; and
     * starts a session that remembers the key and which of its values logged in. The session ends
     * no later than the key expires, nor (for the previous value) than its grace. The logins that
     * matched, by session id; a login whose key matched nothing is absent.
     * <p>
     * The key rows are share-locked, in the order of their ids (see {@link #writeLastUse}), so a
     * disable, delete, rotation or leak report waits for the batch to commit and then ends or
     * shortens its sessions too, and a login queued behind one of them sees the key as it left it.
     * Times are compared with {@code clock_timestamp()}, not the transaction's start, so a login
     * that waited for a rotation cannot use an old value past its grace.
     */
    public Uni<java.util.Map<String, KeyLogin>> startSessions(List<KeyLoginRequest> logins) {
        Buffer[] hashes = new Buffer[logins.size()];
        String[] apps = new String[logins.size()];
        String[] sessions = new String[logins.size()];
        String[] devices = new String[logins.size()];
        Double[] lifetimes = new Double[logins.size()];
        for (int i = 0; i < hashes.length; i++) {
            KeyLoginRequest login = logins.get(i);
            hashes[i] = Buffer.buffer(login.keyHash());
            apps[i] = login.appId();
            sessions[i] = login.sessionId();
            devices[i] = login.deviceId();
            lifetimes[i] = (double) login.lifetime().toSeconds();
        }
        return pool.preparedQuery(
                "with r as (select * from unnest($1::bytea[], $2::text[], $3::text[], $4::text[], $5::float8[]) "
                        + "  as r(key_hash, app_id, session_id, device_id, lifetime)), "
                        + "k as (select r.session_id, r.device_id, r.app_id, k.id, k.owner_id, "
                        + "    case when k.key_hash = r.key_hash then k.generation else k.generation - 1 end as generation, "
                        + "    least(now() + make_interval(secs => r.lifetime), k.expires_at, "
                        + "          case when k.key_hash = r.key_hash then null else k.previous_expires_at end) as ends "
                        + "  from r join api_keys k on k.key_hash = r.key_hash "
                        + "    or (k.previous_key_hash = r.key_hash and k.previous_expires_at > clock_timestamp()) "
                        + "  join users u on u.id = k.owner_id "
                        + "  where not k.disabled and (k.expires_at is null or k.expires_at > clock_timestamp()) "
                        + "    and u.app_id = r.app_id "
                        + "  order by k.id for share of k), "
                        + "i as (insert into identities (app_id, provider_type, provider_id, user_id) "
                        + "  select distinct app_id, 'api-key', id, owner_id from k order by id on conflict do nothing returning provider_id), "
                        + "s as (insert into sessions (id, user_id, device_id, provider_type, api_key_id, api_key_generation, expires_at) "
                        + "  select session_id, owner_id, device_id, 'api-key', id, generation, ends from k "
                        + "  returning id, user_id, api_key_id) "
                        + "select id, user_id, api_key_id, api_key_id in (select provider_id::char(24) from i) from s")
                .execute(Tuple.of(hashes, apps, sessions, devices, lifetimes))
                .map(rows -> {
                    java.util.Map<String, KeyLogin> started = new java.util.HashMap<>();
                    for (Row row : rows) {
                        started.put(row.getString(0), new KeyLogin(row.getString(1), row.getString(2), row.getBoolean(3)));
                    }
                    return started;
                });
    }

    /**
     * Whether the owner's key exists and has expired, locking its row for the rotation that
     * follows in the same transaction; null when the owner has no such key.
     */
    public Uni<Boolean> lockForRotation(SqlClient tx, String id, String ownerId) {
        return tx.preparedQuery("select expires_at is not null and expires_at <= clock_timestamp() "
                + "from api_keys where id = $1 and owner_id = $2 for update")
                .execute(Tuple.of(id, ownerId))
                .map(rows -> Rows.first(rows, row -> row.getBoolean(0)));
    }

    /**
     * Gives the key a new value. With a grace, the current value becomes the previous one and logs
     * in until the grace ends (never past the key's own expiry); without one, no previous value is
     * kept, and a value from an earlier rotation is forgotten either way.
     */
    public Uni<Rotated> rotate(SqlClient tx, String id, String ownerId, byte[] newHash, int graceSeconds) {
        return tx.preparedQuery("update api_keys set "
                + "previous_key_hash = case when $4::int > 0 then key_hash end, "
                + "previous_expires_at = case when $4::int > 0 "
                + "  then least(clock_timestamp() + $4::int * interval '1 second', expires_at) end, "
                + "key_hash = $3, generation = generation + 1 "
                + "where id = $1 and owner_id = $2 "
                + "returning " + KEY_COLUMNS + ", generation - 1, previous_expires_at")
                .execute(Tuple.of(id, ownerId, Buffer.buffer(newHash), graceSeconds))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Rotated(key(row), row.getInteger(7), row.getOffsetDateTime(8));
                });
    }

    /**
     * Disables every key whose current or previous value has one of these hashes. The update
     * takes each key's row lock, so logins in flight commit first (and their sessions are then
     * ended by the caller's next statement) and later ones see the key disabled.
     */
    public Uni<List<LeakedKey>> disableByValueHashes(SqlClient tx, List<byte[]> hashes) {
        Buffer[] values = hashes.stream().map(Buffer::buffer).toArray(Buffer[]::new);
        return tx.preparedQuery("update api_keys k set disabled = true from users u, "
                + "(select id from api_keys where key_hash = any($1) "
                + " union select id from api_keys where previous_key_hash = any($1)) hit "
                + "where k.id = hit.id and u.id = k.owner_id "
                + "returning k.id, k.owner_id, u.app_id, k.key_hash, k.previous_key_hash")
                .execute(Tuple.of(values))
                .map(rows -> {
                    List<LeakedKey> keys = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        var previous = row.getBuffer(4);
                        keys.add(new LeakedKey(row.getString(0), row.getString(1), row.getString(2),
                                row.getBuffer(3).getBytes(), previous == null ? null : previous.getBytes()));
                    }
                    return keys;
                });
    }

    /**
     * Marks up to {@code batch} keys whose expiry has passed and whose event is not written yet;
     * keys another instance is marking are skipped, so each key is marked once.
     */
    public Uni<List<ExpiredKey>> markExpired(SqlClient tx, int batch) {
        // now(), not clock_timestamp(): a stable bound is an index condition, so a run with
        // nothing due reads no key that expires later.
        return tx.preparedQuery("with due as (select id from api_keys "
                + "  where expires_at <= now() and expired_event_at is null "
                + "  order by expires_at limit $1 for update skip locked) "
                + "update api_keys k set expired_event_at = clock_timestamp() from due, users u "
                + "where k.id = due.id and u.id = k.owner_id "
                + "returning k.id, k.owner_id, u.app_id, k.name, k.expires_at")
                .execute(Tuple.of(batch))
                .map(rows -> {
                    List<ExpiredKey> keys = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        keys.add(new ExpiredKey(row.getString(0), row.getString(1), row.getString(2), row.getString(3),
                                row.getOffsetDateTime(4)));
                    }
                    return keys;
                });
    }

    /**
     * Writes last-use times in one statement; a time older than the stored one (another instance
     * wrote a later use) changes nothing, and neither does an unchanged one. The number of keys written.
     * <p>
     * The rows are locked in the order of their ids, as {@link #startSessions} share-locks them:
     * locked in any other order, a flush and a batch of logins (or two instances' flushes) could
     * each hold a row the other waits for, until PostgreSQL's deadlock check (a second) failed one.
     */
    public Uni<Integer> writeLastUse(String[] ids, OffsetDateTime[] times) {
        return pool.preparedQuery("with due as (select k.id, u.used "
                + "  from unnest($1::text[], $2::timestamptz[]) as u(id, used) join api_keys k on k.id = u.id::char(24) "
                + "  where k.last_used_at is null or k.last_used_at < u.used "
                + "  order by k.id for no key update of k) "
                + "update api_keys k set last_used_at = due.used from due where k.id = due.id")
                .execute(Tuple.of(ids, times))
                .map(rows -> rows.rowCount());
    }

    private static ApiKey key(Row row) {
        ApiKey key = new ApiKey();
        key.id = row.getString(0);
        key.ownerId = row.getString(1);
        key.name = row.getString(2);
        key.disabled = row.getBoolean(3);
        key.createdAt = row.getOffsetDateTime(4);
        key.expiresAt = row.getOffsetDateTime(5);
        key.lastUsedAt = row.getOffsetDateTime(6);
        return key;
    }
}
