package dev.latchkey.provider;

import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.ObjectIds;
import dev.latchkey.app.App;
import dev.latchkey.error.ApiException;
import dev.latchkey.error.UniqueViolation;
import dev.latchkey.session.LoginResult;
import dev.latchkey.session.SessionStarter;
import dev.latchkey.user.PasswordCredential;
import dev.latchkey.user.User;
import dev.latchkey.user.UserRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/** Email/password accounts: register, then log in with {@code username} = the email. */
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

    /** Hashes on a worker first, then writes user, identity and credential in one transaction. */
    public Uni<Void> register(App app, String rawEmail, String password) {
        String email = normalize(rawEmail);
        if (email == null || email.length() > 254 || !EMAIL.matcher(email).matches()) {
            throw ApiException.badRequest("email is invalid");
        }
        checkPasswordLength(password);
        return passwords.hash(password).chain(hash -> Panache.withTransaction(() -> {
            String userId = ObjectIds.next();
            return users.create(app.id, User.NORMAL, userId, TYPE, ObjectIds.next()).chain(user -> {
                PasswordCredential credential = new PasswordCredential();
                credential.appId = app.id;
                credential.email = email;
                credential.userId = userId;
                credential.passwordHash = hash;
                return Panache.getSession().chain(s -> s.persist(credential).call(s::flush));
            });
        })).onFailure(f -> UniqueViolation.on(f, "password_credentials_pkey"))
                .transform(f -> new ApiException(409, "AccountNameInUse", "name already in use"))
                .replaceWithVoid();
    }

    @Override
    public Uni<LoginResult> logIn(App app, LoginRequest request, String deviceId) {
        String email = normalize(request.username());
        if (email == null || request.password() == null) {
            throw ApiException.badRequest("'username' and 'password' are required strings");
        }
        return Panache.withSession(() -> credential(app.id, email))
                .chain(credential -> passwords.verify(request.password(), credential == null ? null : credential.passwordHash)
                        .chain(matches -> {
                            if (!matches) {
                                throw new ApiException(401, "InvalidPassword", "invalid username/password");
                            }
                            return Panache.withTransaction(() -> sessions.start(credential.userId, app.id, deviceId, TYPE));
                        }));
    }

    private Uni<PasswordCredential> credential(String appId, String email) {
        return Panache.getSession().chain(s -> s
                .createQuery("from PasswordCredential where appId = :app and email = :email", PasswordCredential.class)
                .setParameter("app", appId)
                .setParameter("email", email)
                .getSingleResultOrNull());
    }

    static void checkPasswordLength(String password) {
        int length = password == null ? 0 : password.codePointCount(0, password.length());
        if (length < 6 || length > 128) {
            throw ApiException.badRequest("password must be between 6 and 128 characters");
        }
    }

    static String normalize(String email) {
        return email == null ? null : email.trim().toLowerCase(java.util.Locale.ROOT);
    }
}
