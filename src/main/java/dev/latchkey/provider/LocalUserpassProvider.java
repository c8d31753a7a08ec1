package dev.latchkey.provider;

import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.ObjectIds;
import dev.latchkey.app.App;
import dev.latchkey.error.ApiException;
import dev.latchkey.error.UniqueViolation;
import dev.latchkey.security.Caller;
import dev.latchkey.session.LoginResult;
import dev.latchkey.session.SessionStarter;
import dev.latchkey.user.PasswordCredential;
import dev.latchkey.user.User;
import dev.latchkey.user.UserRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * Email/password logins. Registering (see {@code userpass}) stores the credential only; the first
 * login creates the user (as App Services did), or a signed-in user links the credential to
 * themselves. A credential still pending confirmation cannot do either.
 */
@ApplicationScoped
public class LocalUserpassProvider implements LoginProvider {

    public static final String TYPE = "local-userpass";

    private final UserRepository users;
    private final PasswordHasher passwords;
    private final SessionStarter sessions;
    private final Pool pool;

    public LocalUserpassProvider(UserRepository users, PasswordHasher passwords, SessionStarter sessions, Pool pool) {
        this.users = users;
        this.passwords = passwords;
        this.sessions = sessions;
        this.pool = pool;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Uni<LoginResult> logIn(App app, LoginRequest request, String deviceId) {
        return verified(app, request).chain(credential -> {
            if (credential.confirmedAt() == null) {
                // Told only to someone who knows the password (SPEC section 7).
                throw new ApiException(401, "AuthError", "unauthorized");
            }
            return pool.withTransaction(tx -> lockOwner(tx, app, credential)
                    .chain(owner -> owner.isEmpty() ? firstLogin(tx, app, credential) : Uni.createFrom().item(owner))
                    .chain(userId -> sessions.start(tx, userId, app.id(), deviceId, TYPE)));
        });
    }

    /**
     * Joins the credential to the caller; refused when it already belongs to someone else, when
     * the caller already has an email/password identity (one per user), or while it is pending.
     */
    @Override
    public Uni<LoginResult> link(App app, Caller caller, LoginRequest request) {
        return verified(app, request).chain(credential -> {
            if (credential.confirmedAt() == null) {
                // Not 401 "unauthorized": on this access-token route realm-web would refresh and retry forever.
                throw ApiException.forbidden("the email is not confirmed yet");
            }
            return pool.withTransaction(tx -> lockOwner(tx, app, credential)
                    .chain(owner -> {
                        if (owner.isEmpty()) {
                            return users.claimCredential(tx, app.id(), credential.email(), credential.providerId(), caller.userId());
                        }
                        if (!owner.equals(caller.userId())) {
                            throw identityAlreadyExists();
                        }
                        return Uni.createFrom().voidItem();
                    }));
        })
                .onFailure(f -> UniqueViolation.on(f, "password_credentials_user_id_key") || UniqueViolation.on(f, "identities_pkey"))
                .transform(f -> identityAlreadyExists())
                .map(linked -> sessions.issue(caller.userId(), app.id(), caller.sessionId(), caller.deviceId()));
    }

    /** The credential's owner ("" while unclaimed), its row locked; 401 when it was deleted since the password was checked. */
    private Uni<String> lockOwner(SqlClient tx, App app, PasswordCredential credential) {
        return users.lockCredentialOwner(tx, app.id(), credential.email()).map(owner -> {
            if (owner == null) {
                throw invalidPassword();
            }
            return owner;
        });
    }

    private Uni<String> firstLogin(SqlClient tx, App app, PasswordCredential credential) {
        String userId = ObjectIds.next();
        return users.insert(tx, app.id(), User.NORMAL, userId)
                .chain(() -> users.claimCredential(tx, app.id(), credential.email(), credential.providerId(), userId))
                .replaceWith(userId);
    }

    /**
     * The credential whose password matches, or 401; an unknown email costs as long as a wrong
     * password. A match against a hash cheaper than the configured rounds stores a stronger one.
     */
    private Uni<PasswordCredential> verified(App app, LoginRequest request) {
        String email = normalize(request.username());
        if (email == null || request.password() == null) {
            throw ApiException.badRequest("'username' and 'password' are required strings");
        }
        return users.credential(app.id(), email)
                .chain(credential -> passwords.verify(request.password(), credential == null ? null : credential.passwordHash())
                        .chain(verdict -> {
                            if (!verdict.matches()) {
                                throw invalidPassword();
                            }
                            if (verdict.rehash() == null) {
                                return Uni.createFrom().item(credential);
                            }
                            return users.replaceHash(app.id(), email, credential.passwordHash(), verdict.rehash())
                                    .replaceWith(credential);
                        }));
    }

    private static ApiException invalidPassword() {
        return new ApiException(401, "InvalidPassword", "invalid username/password");
    }

    private static ApiException identityAlreadyExists() {
        return new ApiException(409, "IdentityAlreadyExists", "identity already exists");
    }

    /** How every route spells an email: trimmed, lower case. */
    public static String normalize(String email) {
        return email == null ? null : email.trim().toLowerCase(Locale.ROOT);
    }
}
