package dev.latchkey.provider;

import java.util.Locale;
import java.util.regex.Pattern;

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
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * Email/password accounts. Registering stores the credential only; the first login creates the
 * user (as App Services did), or a signed-in user links the credential to themselves.
 */
@ApplicationScoped
public class LocalUserpassProvider implements LoginProvider {

    public static final String TYPE = "local-userpass";
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s.]{1,63}");

    private final UserRepository users;
    private final PasswordHasher passwords;
    private final SessionStarter sessions;

    public LocalUserpassProvider(UserRepository users, PasswordHasher passwords, SessionStarter sessions) {
        this.users = users;
        this.passwords = passwords;
        this.sessions = sessions;
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** Hashes on a worker first; the unique (app, email) key refuses a second registration. */
    public Uni<Void> register(App app, String rawEmail, String password) {
        String email = normalize(rawEmail);
        if (email == null || email.length() > 254 || !EMAIL.matcher(email).matches()) {
            throw ApiException.badRequest("email is invalid");
        }
        checkPasswordLength(password);
        return passwords.hash(password).chain(hash -> Panache.withTransaction(() -> {
            PasswordCredential credential = new PasswordCredential();
            credential.appId = app.id;
            credential.email = email;
            credential.providerId = ObjectIds.next();
            credential.passwordHash = hash;
            return Panache.getSession().chain(s -> s.persist(credential).call(s::flush));
        })).onFailure(f -> UniqueViolation.on(f, "password_credentials_pkey"))
                .transform(f -> new ApiException(409, "AccountNameInUse", "name already in use"))
                .replaceWithVoid();
    }

    @Override
    public Uni<LoginResult> logIn(App app, LoginRequest request, String deviceId) {
        return verified(app, request).chain(credential -> Panache.withTransaction(() -> users
                .lockCredentialOwner(app.id, credential.email)
                .chain(owner -> owner.isEmpty() ? firstLogin(app, credential) : Uni.createFrom().item(owner))
                .chain(userId -> sessions.start(userId, app.id, deviceId, TYPE))));
    }

    /** Joins the credential to the caller; refused when it already belongs to someone else. */
    @Override
    public Uni<LoginResult> link(App app, Caller caller, LoginRequest request) {
        return verified(app, request).chain(credential -> Panache.withTransaction(() -> users
                .lockCredentialOwner(app.id, credential.email)
                .chain(owner -> {
                    if (owner.isEmpty()) {
                        return users.claimCredential(app.id, credential.email, credential.providerId, caller.userId());
                    }
                    if (!owner.equals(caller.userId())) {
                        throw new ApiException(409, "IdentityAlreadyExists", "this identity belongs to another user");
                    }
                    return Uni.createFrom().voidItem();
                })))
                .map(linked -> sessions.issue(caller.userId(), app.id, caller.sessionId(), caller.deviceId()));
    }

    private Uni<String> firstLogin(App app, PasswordCredential credential) {
        String userId = ObjectIds.next();
        return users.insert(app.id, User.NORMAL, userId)
                .chain(() -> users.claimCredential(app.id, credential.email, credential.providerId, userId))
                .replaceWith(userId);
    }

    /** The credential whose password matches, or 401; an unknown email costs as long as a wrong password. */
    private Uni<PasswordCredential> verified(App app, LoginRequest request) {
        String email = normalize(request.username());
        if (email == null || request.password() == null) {
            throw ApiException.badRequest("'username' and 'password' are required strings");
        }
        return Panache.withSession(() -> users.credential(app.id, email))
                .chain(credential -> passwords.verify(request.password(), credential == null ? null : credential.passwordHash)
                        .map(matches -> {
                            if (!matches) {
                                throw new ApiException(401, "InvalidPassword", "invalid username/password");
                            }
                            return credential;
                        }));
    }

    static void checkPasswordLength(String password) {
        int length = password == null ? 0 : password.codePointCount(0, password.length());
        if (length < 6 || length > 128) {
            throw ApiException.badRequest("password must be between 6 and 128 characters");
        }
    }

    static String normalize(String email) {
        return email == null ? null : email.trim().toLowerCase(Locale.ROOT);
    }
}
