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

    /** The normalized email of a registration whose fields are acceptable, or 400. */
    static String validRegistration(String rawEmail, String password) {
        String email = normalize(rawEmail);
        if (email == null || email.length() > 254 || !EMAIL.matcher(email).matches() || email.codePoints().anyMatch(
                cp -> Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT)) {
            throw ApiException.badRequest("email is invalid");
        }
        checkPasswordLength(password);
        return email;
    }

    /**
     * Stores the credential. A taken email is refused before the slow hash; the unique (app, email)
     * key refuses a second registration that raced past that check.
     */
    public Uni<Void> register(App app, String email, String password) {
        return users.credentialExists(app.id(), email).chain(exists -> {
            if (exists) {
                throw accountNameInUse();
            }
            return passwords.hash(password);
        }).chain(hash -> Panache.withTransaction(() -> {
            PasswordCredential credential = new PasswordCredential();
            credential.appId = app.id();
            credential.email = email;
            credential.providerId = ObjectIds.next();
            credential.passwordHash = hash;
            return Panache.getSession().chain(s -> s.persist(credential).call(s::flush));
        })).onFailure(f -> UniqueViolation.on(f, "password_credentials_pkey"))
                .transform(f -> accountNameInUse())
                .replaceWithVoid();
    }

    @Override
    public Uni<LoginResult> logIn(App app, LoginRequest request, String deviceId) {
        return verified(app, request).chain(credential -> Panache.withTransaction(() -> users
                .lockCredentialOwner(app.id(), credential.email)
                .chain(owner -> owner.isEmpty() ? firstLogin(app, credential) : Uni.createFrom().item(owner))
                .chain(userId -> sessions.start(userId, app.id(), deviceId, TYPE))));
    }

    /**
     * Joins the credential to the caller; refused when it already belongs to someone else, or when
     * the caller already has an email/password identity (one per user).
     */
    @Override
    public Uni<LoginResult> link(App app, Caller caller, LoginRequest request) {
        return verified(app, request).chain(credential -> Panache.withTransaction(() -> users
                .lockCredentialOwner(app.id(), credential.email)
                .chain(owner -> {
                    if (owner.isEmpty()) {
                        return users.claimCredential(app.id(), credential.email, credential.providerId, caller.userId());
                    }
                    if (!owner.equals(caller.userId())) {
                        throw identityAlreadyExists();
                    }
                    return Uni.createFrom().voidItem();
                })))
                .onFailure(f -> UniqueViolation.on(f, "password_credentials_user_id_key") || UniqueViolation.on(f, "identities_pkey"))
                .transform(f -> identityAlreadyExists())
                .map(linked -> sessions.issue(caller.userId(), app.id(), caller.sessionId(), caller.deviceId()));
    }

    private Uni<String> firstLogin(App app, PasswordCredential credential) {
        String userId = ObjectIds.next();
        return users.insert(app.id(), User.NORMAL, userId)
                .chain(() -> users.claimCredential(app.id(), credential.email, credential.providerId, userId))
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
        return Panache.withSession(() -> users.credential(app.id(), email))
                .chain(credential -> passwords.verify(request.password(), credential == null ? null : credential.passwordHash)
                        .chain(verdict -> {
                            if (!verdict.matches()) {
                                throw new ApiException(401, "InvalidPassword", "invalid username/password");
                            }
                            if (verdict.rehash() == null) {
                                return Uni.createFrom().item(credential);
                            }
                            return users.replaceHash(app.id(), email, credential.passwordHash, verdict.rehash())
                                    .replaceWith(credential);
                        }));
    }

    private static ApiException accountNameInUse() {
        return new ApiException(409, "AccountNameInUse", "name already in use");
    }

    private static ApiException identityAlreadyExists() {
        return new ApiException(409, "IdentityAlreadyExists", "identity already exists");
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
