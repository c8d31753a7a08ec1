package dev.latchkey.userpass;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.latchkey.ObjectIds;
import dev.latchkey.app.App;
import dev.latchkey.app.AppRepository;
import dev.latchkey.app.AppSettings;
import dev.latchkey.audit.AuditEvent;
import dev.latchkey.audit.AuditLog;
import dev.latchkey.error.ApiException;
import dev.latchkey.error.UniqueViolation;
import dev.latchkey.http.ClientAddress;
import dev.latchkey.provider.LoginThrottle;
import dev.latchkey.provider.PasswordHasher;
import dev.latchkey.session.SessionRepository;
import dev.latchkey.user.UserRepository;
import dev.latchkey.userpass.LifecycleRepository.TokenState;
import dev.latchkey.userpass.Webhook.Verdict;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * The rules of an email/password account's life (SPEC section 7): registration, confirmation by
 * link or webhook, and password reset by link or webhook, each as the app's settings say.
 * <p>
 * Whatever sends a mail or calls a webhook first takes a place in the per-address and
 * per-recipient limits. Tokens are used once (one conditional UPDATE), and every change commits
 * with its audit event. A password is hashed only once a token or a webhook's {@code success}
 * allows it, and a reset ends every session of the user.
 */
@ApplicationScoped
public class UserpassLifecycle {

    private enum Confirmation {
        AUTOMATIC, MAIL, WEBHOOK, UNCONFIGURED
    }

    private static final JsonNode NO_ARGUMENTS = JsonNodeFactory.instance.arrayNode();

    private final AppRepository apps;
    private final LifecycleRepository repository;
    private final LifecycleMail mail;
    private final Webhook webhook;
    private final PasswordHasher passwords;
    private final LoginThrottle throttle;
    private final SessionRepository sessions;
    private final AuditLog audit;
    private final UserRepository users;
    private final UserpassConfig config;

    public UserpassLifecycle(AppRepository apps, LifecycleRepository repository, LifecycleMail mail, Webhook webhook,
            PasswordHasher passwords, LoginThrottle throttle, SessionRepository sessions, AuditLog audit,
            UserRepository users, UserpassConfig config) {
        this.apps = apps;
        this.repository = repository;
        this.mail = mail;
        this.webhook = webhook;
        this.passwords = passwords;
        this.throttle = throttle;
        this.sessions = sessions;
        this.audit = audit;
        this.users = users;
        this.config = config;
    }

    /** The app, when it exists (404) and has email/password enabled (400). */
    public Uni<App> enabledApp(String appId) {
        return apps.require(appId).map(app -> {
            if (!app.enables(AppSettings.LOCAL_USERPASS)) {
                throw ApiException.providerNotFound(AppSettings.LOCAL_USERPASS);
            }
            return app;
        });
    }

    /**
     * Stores the credential: confirmed at once, or pending with a confirmation mail queued in the
     * same transaction, or pending while the confirmation webhook decides. A taken email is refused
     * before the slow hash; the (app, email) key refuses a second registration that raced past it.
     * A webhook's {@code fail} removes the credential again, so the address may register later.
     */
    public Uni<Void> register(App app, String email, String password, ClientAddress client) {
        Confirmation confirmation = confirmation(app);
        if (confirmation == Confirmation.MAIL && !Fields.mailable(email)) {
            throw ApiException.badRequest("email is invalid");
        }
        Uni<Void> reserved = throttle.reserveRegistration(client);
        if (confirmation == Confirmation.MAIL || confirmation == Confirmation.WEBHOOK) {
            reserved = reserved.chain(() -> throttle.reserveEmail(client, app.id(), email));
        }
        LifecycleToken token = confirmation == Confirmation.WEBHOOK ? LifecycleToken.next() : null;
        return reserved.chain(() -> users.credentialExists(app.id(), email))
                .chain(exists -> {
                    if (exists) {
                        throw accountNameInUse();
                    }
                    return passwords.hash(password);
                })
                .chain(hash -> repository.pool().withTransaction(tx -> repository
                        .insertCredential(tx, app.id(), email, ObjectIds.next(), hash, confirmation == Confirmation.AUTOMATIC)
                        .call(() -> audit.on(tx, AuditEvent.of("register", app.id()).by("client")
                                .detail(java.util.Map.of("email", email, "confirmation", confirmation.name().toLowerCase(java.util.Locale.ROOT)))))
                        .chain(() -> switch (confirmation) {
                            case MAIL -> repository.enqueueMail(tx, app.id(), email, LifecycleToken.CONFIRM).replaceWithVoid();
                            case WEBHOOK -> repository.insertToken(tx, app.id(), email, LifecycleToken.CONFIRM, token,
                                    config.tokenLifetime());
                            default -> Uni.createFrom().voidItem();
                        })))
                .onFailure(f -> UniqueViolation.on(f, "password_credentials_pkey")).transform(f -> accountNameInUse())
                .chain(() -> switch (confirmation) {
                    case MAIL -> {
                        mail.kick();
                        yield Uni.createFrom().voidItem();
                    }
                    case WEBHOOK -> confirmByWebhook(app, email, token, true);
                    case UNCONFIGURED -> {
                        Log.warnf("app '%s' has auto_confirm false but no usable confirmation URL or webhook: "
                                + "new users stay pending", app.id());
                        yield Uni.createFrom().voidItem();
                    }
                    default -> Uni.createFrom().voidItem();
                });
    }

    /** {@code /confirm}: the link's token confirms its credential. */
    public Uni<Void> confirm(App app, String token, String tokenId, ClientAddress client) {
        throttle.refuseKnownBlocked(client, app.id(), null);
        return repository.pool().withTransaction(tx -> repository
                .consumeToken(tx, app.id(), LifecycleToken.CONFIRM, tokenId, token)
                .call(email -> email == null ? Uni.createFrom().voidItem() : confirmed(tx, app, email, "link")))
                .chain(email -> email != null ? Uni.createFrom().voidItem()
                        : repository.tokenState(app.id(), LifecycleToken.CONFIRM, tokenId, token)
                                .chain(state -> refused(state, client)));
    }

    /** {@code /confirm/send}: a new confirmation mail for a pending credential. */
    public Uni<Void> sendConfirmation(App app, String email, ClientAddress client) {
        return sendLink(app, email, LifecycleToken.CONFIRM, app.settings().localUserpass().emailConfirmationUrl(),
                "confirmation by email", client);
    }

    /** {@code /confirm/call}: runs the confirmation webhook again for a pending credential. */
    public Uni<Void> callConfirmation(App app, String email, ClientAddress client) {
        return throttle.reserveEmail(client, app.id(), email)
                .chain(() -> pendingCredential(app, email))
                .chain(credential -> {
                    if (!hasConfirmationWebhook(app)) {
                        throw notConfigured("confirmation by webhook");
                    }
                    LifecycleToken token = LifecycleToken.next();
                    return repository.insertToken(repository.pool(), app.id(), email, LifecycleToken.CONFIRM, token,
                            config.tokenLifetime())
                            .chain(() -> confirmByWebhook(app, email, token, false));
                });
    }

    /** {@code /reset/send}: mails a reset link. */
    public Uni<Void> sendReset(App app, String email, ClientAddress client) {
        return sendLink(app, email, LifecycleToken.RESET, app.settings().localUserpass().resetPasswordUrl(),
                "password reset by email", client);
    }

    /**
     * {@code /reset}: the link's token sets a new password. The token is checked before the slow
     * hash (a wrong token costs one indexed read), and used in the transaction that sets the password.
     */
    public Uni<Void> reset(App app, String token, String tokenId, String password, ClientAddress client) {
        throttle.refuseKnownBlocked(client, app.id(), null);
        return repository.tokenState(app.id(), LifecycleToken.RESET, tokenId, token).chain(state -> {
            if (state != TokenState.USABLE) {
                return refused(state, client);
            }
            return passwords.hash(password).chain(hash -> repository.pool().withTransaction(tx -> repository
                    .consumeToken(tx, app.id(), LifecycleToken.RESET, tokenId, token)
                    .chain(email -> {
                        if (email == null) {
                            throw tokenInvalid();
                        }
                        return passwordReset(tx, app, email, hash, "link");
                    })));
        });
    }

    /**
     * {@code /reset/call}: asks the reset webhook. {@code success} sets the password at once;
     * {@code pending} leaves a token with the receiver for a later {@code /reset}; {@code fail} is 400.
     * Nothing is hashed before the webhook has said {@code success}.
     */
    public Uni<Void> callReset(App app, String email, String password, JsonNode arguments, ClientAddress client) {
        AppSettings.LocalUserpass settings = app.settings().localUserpass();
        return throttle.reserveEmail(client, app.id(), email)
                .chain(() -> existingCredential(app, email))
                .chain(credential -> {
                    if (settings.resetWebhookUrl() == null || settings.webhookSecret() == null) {
                        throw notConfigured("password reset by webhook");
                    }
                    LifecycleToken token = LifecycleToken.next();
                    return repository.insertToken(repository.pool(), app.id(), email, LifecycleToken.RESET, token,
                            config.tokenLifetime())
                            .chain(() -> webhook.call(settings.resetWebhookUrl(), settings.webhookSecret(),
                                    new Webhook.Call(LifecycleToken.RESET, app.id(), email, token.value(), token.id(),
                                            arguments == null ? NO_ARGUMENTS : arguments)))
                            .chain(verdict -> switch (verdict) {
                                case SUCCESS -> passwords.hash(password).chain(hash -> repository.pool().withTransaction(tx -> repository
                                        .consumeToken(tx, app.id(), LifecycleToken.RESET, token.id(), token.value())
                                        .chain(ignored -> passwordReset(tx, app, email, hash, "webhook"))));
                                case PENDING -> Uni.createFrom().voidItem();
                                case FAIL -> repository.deleteToken(token.id()).invoke(() -> {
                                    throw new ApiException(400, "BadRequest", "failed to reset password for user \"" + email + "\"");
                                });
                            });
                });
    }

    /**
     * Queues a link mail for an existing credential (a confirmation only while it is pending), in
     * one statement, and kicks the sender. Without the app's URL for it, 400 once the email is known.
     */
    private Uni<Void> sendLink(App app, String email, String purpose, String url, String mode, ClientAddress client) {
        boolean confirming = LifecycleToken.CONFIRM.equals(purpose);
        return throttle.reserveEmail(client, app.id(), email).chain(() -> {
            if (url == null) {
                return (confirming ? pendingCredential(app, email) : existingCredential(app, email))
                        .invoke(credential -> {
                            throw notConfigured(mode);
                        })
                        .replaceWithVoid();
            }
            return repository.enqueueMail(repository.pool(), app.id(), email, purpose).map(confirmed -> {
                if (confirmed == null) {
                    throw userNotFound();
                }
                if (confirming && confirmed) {
                    throw alreadyConfirmed();
                }
                mail.kick();
                return null;
            });
        });
    }

    /**
     * Calls the confirmation webhook with a stored token. {@code success} confirms at once (the
     * receiver may also have used the token itself meanwhile); {@code pending} leaves the credential
     * pending and the token with the receiver; {@code fail} is 400, and at registration the credential goes.
     */
    private Uni<Void> confirmByWebhook(App app, String email, LifecycleToken token, boolean registering) {
        AppSettings.LocalUserpass settings = app.settings().localUserpass();
        return webhook.call(settings.confirmationWebhookUrl(), settings.webhookSecret(),
                new Webhook.Call(LifecycleToken.CONFIRM, app.id(), email, token.value(), token.id(), NO_ARGUMENTS))
                .chain(verdict -> switch (verdict) {
                    case SUCCESS -> repository.pool().withTransaction(tx -> repository
                            .consumeToken(tx, app.id(), LifecycleToken.CONFIRM, token.id(), token.value())
                            .chain(ignored -> confirmed(tx, app, email, "webhook")));
                    case PENDING -> Uni.createFrom().voidItem();
                    case FAIL -> (registering ? repository.deletePendingCredential(app.id(), email)
                            : repository.deleteToken(token.id())).invoke(() -> {
                                throw new ApiException(400, "BadRequest", "failed to confirm user \"" + email + "\"");
                            });
                });
    }

    /** Confirms the credential and audits it, unless it already was confirmed. */
    private Uni<Void> confirmed(SqlClient tx, App app, String email, String via) {
        return repository.confirm(tx, app.id(), email).chain(userId -> userId == null ? Uni.createFrom().voidItem()
                : audit.on(tx, AuditEvent.of("email.confirm", app.id()).user(userId.isEmpty() ? null : userId)
                        .detail(Map.of("provider", AppSettings.LOCAL_USERPASS, "email", email, "via", via))));
    }

    /** Stores the new hash, ends every session of the credential's user (key sessions too), and audits both. */
    private Uni<Void> passwordReset(SqlClient tx, App app, String email, String hash, String via) {
        return repository.setPasswordHash(tx, app.id(), email, hash).chain(userId -> {
            if (userId == null) {
                throw userNotFound();
            }
            String user = userId.isEmpty() ? null : userId;
            Uni<Integer> ended = user == null ? Uni.createFrom().item(0) : sessions.endAllForUser(tx, user);
            return ended.chain(count -> audit.on(tx, AuditEvent.of("password.reset", app.id()).user(user)
                    .detail(Map.of("provider", AppSettings.LOCAL_USERPASS, "email", email, "via", via, "sessions_ended", count)))
                    .chain(() -> count == 0 ? Uni.createFrom().voidItem()
                            : audit.on(tx, AuditEvent.of("session.end", app.id()).user(user)
                                    .detail(Map.of("reason", "password.reset", "count", count)))));
        });
    }

    /** A refused token counts as a failed login from the client's address: 400 (or 429 once the address is over its limit). */
    private Uni<Void> refused(TokenState state, ClientAddress client) {
        ApiException refusal = state == TokenState.UNKNOWN ? ApiException.badRequest(Fields.INVALID_TOKEN) : tokenInvalid();
        return throttle.recordFailure(client).invoke(() -> {
            throw refusal;
        });
    }

    private Uni<LifecycleRepository.Credential> existingCredential(App app, String email) {
        return repository.credential(app.id(), email).map(credential -> {
            if (credential == null) {
                throw userNotFound();
            }
            return credential;
        });
    }

    private Uni<LifecycleRepository.Credential> pendingCredential(App app, String email) {
        return existingCredential(app, email).map(credential -> {
            if (credential.confirmed()) {
                throw alreadyConfirmed();
            }
            return credential;
        });
    }

    private static Confirmation confirmation(App app) {
        AppSettings.LocalUserpass settings = app.settings().localUserpass();
        if (settings.confirmsAutomatically()) {
            return Confirmation.AUTOMATIC;
        }
        if (settings.emailConfirmationUrl() != null) {
            return Confirmation.MAIL;
        }
        return hasConfirmationWebhook(app) ? Confirmation.WEBHOOK : Confirmation.UNCONFIGURED;
    }

    private static boolean hasConfirmationWebhook(App app) {
        AppSettings.LocalUserpass settings = app.settings().localUserpass();
        return settings.confirmationWebhookUrl() != null && settings.webhookSecret() != null;
    }

    private static ApiException accountNameInUse() {
        return new ApiException(409, "AccountNameInUse", "name already in use");
    }

    private static ApiException userNotFound() {
        return new ApiException(404, "UserNotFound", "user not found");
    }

    private static ApiException alreadyConfirmed() {
        return new ApiException(400, "UserAlreadyConfirmed", "already confirmed");
    }

    private static ApiException tokenInvalid() {
        return new ApiException(400, "UserpassTokenInvalid", "userpass token is expired or invalid");
    }

    private static ApiException notConfigured(String what) {
        return ApiException.badRequest(what + " is not configured for this app");
    }
}
