package dev.latchkey.user;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.database.Rows;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

@ApplicationScoped
public class UserRepository {

    private final Pool pool;

    public UserRepository(Pool pool) {
        this.pool = pool;
    }

    /** A new user with no identity yet, in the transaction {@code tx} has open. */
    public Uni<Void> insert(SqlClient tx, String appId, String type, String userId) {
        return tx.preparedQuery("insert into users (id, app_id, type) values ($1, $2, $3)")
                .execute(Tuple.of(userId, appId, type))
                .replaceWithVoid();
    }

    /** A new user with their first identity, in the transaction {@code tx} has open; the user's id. */
    public Uni<String> create(SqlClient tx, String appId, String type, String userId, String providerType, String providerId) {
        return tx.preparedQuery("with u as (insert into users (id, app_id, type) values ($1, $2, $3) returning id) "
                + "insert into identities (app_id, provider_type, provider_id, user_id) "
                + "select $2::text, $4::text, $5::text, id from u")
                .execute(Tuple.of(userId, appId, type, providerType, providerId))
                .replaceWith(userId);
    }

    /** The credential of this email in the app, or null. */
    public Uni<PasswordCredential> credential(String appId, String email) {
        return pool.preparedQuery("select app_id, email, id, user_id, password_hash, confirmed_at from password_credentials "
                + "where app_id = $1 and email = $2")
                .execute(Tuple.of(appId, email))
                .map(rows -> Rows.first(rows, row -> new PasswordCredential(row.getString(0), row.getString(1),
                        row.getString(2), row.getString(3), row.getString(4), row.getOffsetDateTime(5))));
    }

    public Uni<Boolean> credentialExists(String appId, String email) {
        return pool.preparedQuery("select 1 from password_credentials where app_id = $1 and email = $2")
                .execute(Tuple.of(appId, email))
                .map(rows -> rows.size() > 0);
    }

    /** Stores a stronger hash of the same password, unless the hash changed meanwhile. */
    public Uni<Void> replaceHash(String appId, String email, String oldHash, String newHash) {
        return pool.preparedQuery("update password_credentials set password_hash = $4 "
                + "where app_id = $1 and email = $2 and password_hash = $3")
                .execute(Tuple.of(appId, email, oldHash, newHash))
                .replaceWithVoid();
    }

    /**
     * Locks the credential row for the rest of the transaction and returns its owner ("" while
     * unclaimed; null when it is gone), so two first logins or links of one credential cannot both claim it.
     */
    public Uni<String> lockCredentialOwner(SqlClient tx, String appId, String email) {
        return tx.preparedQuery("select coalesce(user_id::text, '') from password_credentials "
                + "where app_id = $1 and email = $2 for update")
                .execute(Tuple.of(appId, email))
                .map(rows -> Rows.first(rows, row -> row.getString(0)));
    }

    /** Gives an unclaimed credential to a user, with its identity; the user is normal from then on. */
    public Uni<Void> claimCredential(SqlClient tx, String appId, String email, String providerId, String userId) {
        return tx.preparedQuery("with i as (insert into identities (app_id, provider_type, provider_id, user_id) "
                + "values ($1, 'local-userpass', $2, $3)), "
                + "u as (update users set type = 'normal' where id = $3) "
                + "update password_credentials set user_id = $3 "
                + "where app_id = $1 and email = $4 and user_id is null")
                .execute(Tuple.of(appId, providerId, userId, email))
                .replaceWithVoid();
    }

    /**
     * One row per identity, oldest first; the local-userpass row carries the email, a custom-token
     * row the metadata of its last token (JSON). Hot: plain SQL client.
     */
    public Uni<List<IdentityRow>> identities(String userId) {
        return pool.preparedQuery("select i.provider_type, i.provider_id, c.email, i.data::text from identities i "
                + "left join password_credentials c on c.user_id = i.user_id and i.provider_type = 'local-userpass' "
                + "where i.user_id = $1 order by i.created_at, i.provider_type")
                .execute(Tuple.of(userId))
                .map(rows -> {
                    List<IdentityRow> identities = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        identities.add(new IdentityRow(row.getString(0), row.getString(1), row.getString(2), row.getString(3)));
                    }
                    return identities;
                });
    }

    public record IdentityRow(String providerType, String providerId, String email, String data) {
    }

    /**
     * Deletes anonymous users none of whose sessions is live (nothing can ever sign in as them
     * again), created over {@code grace} ago, at most {@code batch}; the number deleted.
     */
    public Uni<Integer> purgeAbandonedAnonymous(java.time.Duration grace, int batch) {
        return pool.preparedQuery("delete from users where id in (select u.id from users u "
                + "where u.type = 'anonymous' and u.created_at < now() - make_interval(secs => $1) "
                + "and not exists (select 1 from sessions s where s.user_id = u.id and s.ended_at is null and s.expires_at > now()) "
                + "limit $2)")
                .execute(Tuple.of((double) grace.toSeconds(), batch))
                .map(rows -> rows.rowCount());
    }

    /** Deletes the user; identities, credentials, sessions and keys go with them (foreign keys cascade). */
    public Uni<Boolean> deleteUser(SqlClient tx, String userId) {
        return tx.preparedQuery("delete from users where id = $1")
                .execute(Tuple.of(userId))
                .map(rows -> rows.rowCount() > 0);
    }
}
