package dev.latchkey.user;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

@ApplicationScoped
public class UserRepository implements PanacheRepositoryBase<User, String> {

    private final Pool pool;

    public UserRepository(Pool pool) {
        this.pool = pool;
    }

    /** A new user with no identity yet, in the caller's transaction. */
    public Uni<Integer> insert(String appId, String type, String userId) {
        return getSession().flatMap(session -> session
                .createNativeQuery("insert into users (id, app_id, type) values (:user, :app, :type)")
                .setParameter("user", userId)
                .setParameter("app", appId)
                .setParameter("type", type)
                .executeUpdate());
    }

    /** A new user with their first identity, in the caller's transaction. */
    public Uni<User> create(String appId, String type, String userId, String providerType, String providerId) {
        return getSession().flatMap(session -> session
                .createNativeQuery("with u as (insert into users (id, app_id, type) values (:user, :app, :type) returning id) "
                        + "insert into identities (app_id, provider_type, provider_id, user_id) "
                        + "select :app, :providerType, :providerId, id from u")
                .setParameter("user", userId)
                .setParameter("app", appId)
                .setParameter("type", type)
                .setParameter("providerType", providerType)
                .setParameter("providerId", providerId)
                .executeUpdate())
                .map(ignored -> {
                    User user = new User();
                    user.id = userId;
                    user.appId = appId;
                    user.type = type;
                    return user;
                });
    }

    public Uni<PasswordCredential> credential(String appId, String email) {
        return getSession().flatMap(session -> session
                .createQuery("from PasswordCredential where appId = :app and email = :email", PasswordCredential.class)
                .setParameter("app", appId)
                .setParameter("email", email)
                .getSingleResultOrNull());
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
     * unclaimed), so two first logins or links of one credential cannot both claim it.
     */
    public Uni<String> lockCredentialOwner(String appId, String email) {
        return getSession().flatMap(session -> session
                .createNativeQuery("select coalesce(cast(user_id as text), '') from password_credentials "
                        + "where app_id = :app and email = :email for update", String.class)
                .setParameter("app", appId)
                .setParameter("email", email)
                .getSingleResult());
    }

    /** Gives an unclaimed credential to a user, with its identity; the user is normal from then on. */
    public Uni<Void> claimCredential(String appId, String email, String providerId, String userId) {
        return getSession().flatMap(session -> session
                .createNativeQuery("with i as (insert into identities (app_id, provider_type, provider_id, user_id) "
                        + "values (:app, 'local-userpass', :providerId, :user)), "
                        + "u as (update users set type = 'normal' where id = :user) "
                        + "update password_credentials set user_id = :user "
                        + "where app_id = :app and email = :email and user_id is null")
                .setParameter("app", appId)
                .setParameter("providerId", providerId)
                .setParameter("user", userId)
                .setParameter("email", email)
                .executeUpdate())
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
    public Uni<Boolean> deleteUser(String userId) {
        return delete("id", userId).map(count -> count > 0);
    }
}
