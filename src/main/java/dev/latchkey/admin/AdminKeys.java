package dev.latchkey.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.ObjectIds;
import dev.latchkey.apikey.KeyCodec;
import dev.latchkey.audit.Actor;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.database.Rows;
import dev.latchkey.error.ApiException;
import dev.latchkey.error.UniqueViolation;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Operators' keys: {@code LATCHKEY_ADMIN_KEY} from configuration (id {@code config}), and keys
 * made through the admin API, in the user-key format with their own prefix {@code lka_} and
 * stored only as SHA-256. Each admin request looks its key up, so a deleted key stops working at
 * once on every instance.
 */
@ApplicationScoped
public class AdminKeys {

    static final String PREFIX = "lka_";
    static final String CONFIG_ID = "config";

    public record AdminKey(String id, String name, OffsetDateTime createdAt) {
    }

    public record Created(AdminKey key, String value) {
    }

    private final Pool pool;
    private final AuditLog audit;
    private final byte[] configuredHash;

    public AdminKeys(Pool pool, AuditLog audit, LatchkeyConfig config) {
        this.pool = pool;
        this.audit = audit;
        String configured = config.adminKey().filter(k -> !k.isBlank()).orElse(null);
        if (configured != null && configured.length() < 32) {
            throw new IllegalStateException("LATCHKEY_ADMIN_KEY must be at least 32 characters");
        }
        this.configuredHash = configured == null ? null : sha256(configured);
    }

    /** The id of the admin key the bearer token is, or null. */
    public Uni<String> resolve(String token) {
        if (token == null || token.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        byte[] hash = sha256(token);
        if (configuredHash != null && MessageDigest.isEqual(configuredHash, hash)) {
            return Uni.createFrom().item(CONFIG_ID);
        }
        if (!KeyCodec.isWellFormed(PREFIX, token)) {
            return Uni.createFrom().nullItem();
        }
        return pool.preparedQuery("select id from admin_keys where key_hash = $1").execute(Tuple.of(Buffer.buffer(hash)))
                .map(rows -> Rows.first(rows, row -> row.getString(0)));
    }

    /** A new admin key and its audit event, in one transaction. */
    public Uni<Created> create(String name, Actor actor) {
        AdminViews.requireName(name);
        String id = ObjectIds.next();
        String value = KeyCodec.newKey(PREFIX);
        return pool.withTransaction(conn -> conn
                .preparedQuery("insert into admin_keys (id, name, key_hash) values ($1, $2, $3) returning created_at")
                .execute(Tuple.of(id, name, Buffer.buffer(sha256(value))))
                .call(() -> audit.on(conn, actor.event("admin.admin_key.create").detail(Map.of("admin_key_id", id, "name", name)))))
                .map(rows -> new Created(new AdminKey(id, name, rows.iterator().next().getOffsetDateTime(0)), value))
                .onFailure(f -> UniqueViolation.on(f, "admin_keys_name_key"))
                .transform(f -> new ApiException(409, "AdminKeyAlreadyExists", "admin key with name already exists"));
    }

    public Uni<List<AdminKey>> list() {
        return pool.query("select id, name, created_at from admin_keys order by created_at, id").execute().map(rows -> {
            List<AdminKey> keys = new ArrayList<>();
            for (Row row : rows) {
                keys.add(new AdminKey(row.getString(0), row.getString(1), row.getOffsetDateTime(2)));
            }
            return keys;
        });
    }

    /** False when no such key. */
    public Uni<Boolean> delete(String id, Actor actor) {
        return pool.withTransaction(conn -> conn.preparedQuery("delete from admin_keys where id = $1").execute(Tuple.of(id))
                .map(rows -> rows.rowCount() > 0)
                .call(deleted -> deleted ? audit.on(conn, actor.event("admin.admin_key.delete").detail(Map.of("admin_key_id", id)))
                        : Uni.createFrom().voidItem()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
