package dev.latchkey.user;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;

@ApplicationScoped
public class UserRepository implements PanacheRepositoryBase<User, String> {

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

    public Uni<List<Identity>> identities(String userId) {
        return getSession().flatMap(session -> session
                .createQuery("from Identity where userId = :user order by createdAt, key.providerType", Identity.class)
                .setParameter("user", userId)
                .getResultList());
    }

    public Uni<String> email(String userId) {
        return getSession().flatMap(session -> session
                .createQuery("select email from PasswordCredential where userId = :user", String.class)
                .setParameter("user", userId)
                .getSingleResultOrNull());
    }

    /** Deletes the user; identities, credentials, sessions and keys go with them (foreign keys cascade). */
    public Uni<Boolean> deleteUser(String userId) {
        return delete("id", userId).map(count -> count > 0);
    }
}
