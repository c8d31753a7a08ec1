package dev.latchkey.provider;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.ClientAddress;
import dev.latchkey.throttle.Throttle;
import dev.latchkey.throttle.Throttle.Limit;
import dev.latchkey.throttle.Throttle.Slot;
import io.smallrye.mutiny.Uni;

/**
 * Which attempts count against which limits (SPEC section 5), on the shared {@link Throttle}.
 * Failed logins count per client address (any provider) and per email/password account; a
 * password check is reserved before it runs and given back when it succeeds. Registrations,
 * anonymous logins and mails count per address (mails also per recipient) whether or not they fail.
 */
@ApplicationScoped
public class LoginThrottle {

    private final Throttle throttle;
    private final Limit addressFailures;
    private final Limit accountFailures;
    private final Limit registrations;
    private final Limit anonymousLogins;
    private final Limit emails;
    private final Limit emailsPerRecipient;

    public LoginThrottle(Throttle throttle, LatchkeyConfig config) {
        LatchkeyConfig.Throttle c = config.throttle();
        this.throttle = throttle;
        this.addressFailures = throttle.track(new Limit("login-failures/address", c.addressFailures(), c.addressWindow()));
        this.accountFailures = throttle.track(new Limit("login-failures/account", c.accountFailures(), c.accountWindow()));
        this.registrations = throttle.track(new Limit("registrations/address", c.registrations(), c.registrationsWindow()));
        this.anonymousLogins = throttle.track(new Limit("anonymous-logins/address", c.anonymousLogins(), c.anonymousLoginsWindow()));
        this.emails = throttle.track(new Limit("emails/address", c.emails(), c.emailsWindow()));
        this.emailsPerRecipient = throttle.track(new Limit("emails/recipient", c.emailsPerRecipient(), c.emailsWindow()));
    }

    /** 429 at once, without a database round trip, when the address or account is known to be blocked. */
    public void refuseKnownBlocked(ClientAddress client, String appId, String email) {
        Slot[] slots = email == null ? new Slot[] { failures(client) } : new Slot[] { failures(client), account(appId, email) };
        long wait = throttle.knownBlockedSeconds(slots);
        if (wait > 0) {
            throttle.refused(slots);
            throw ApiException.tooManyRequests(wait);
        }
    }

    /** Counts a password check as failed before it runs; {@link #passwordSucceeded} gives it back. */
    public Uni<Void> reservePasswordCheck(ClientAddress client, String appId, String email) {
        return throttle.reserve(failures(client), account(appId, email));
    }

    public Uni<Void> passwordSucceeded(ClientAddress client, String appId, String email) {
        return throttle.release(failures(client), account(appId, email));
    }

    /** Counts a cheap login that failed; 429 instead of its answer when the address was already blocked. */
    public Uni<Void> recordFailure(ClientAddress client) {
        return throttle.record(failures(client)).map(wait -> {
            if (wait > 0) {
                throttle.refused(failures(client));
                throw ApiException.tooManyRequests(wait);
            }
            return null;
        });
    }

    public Uni<Void> reserveRegistration(ClientAddress client) {
        return throttle.reserve(new Slot(registrations, client.limitKey()));
    }

    public Uni<Void> reserveAnonymousLogin(ClientAddress client) {
        return throttle.reserve(new Slot(anonymousLogins, client.limitKey()));
    }

    /** A confirmation or reset mail (or webhook call) to {@code email}, asked for by {@code client}. */
    public Uni<Void> reserveEmail(ClientAddress client, String appId, String email) {
        return throttle.reserve(new Slot(emails, client.limitKey()), new Slot(emailsPerRecipient, appId + "\n" + email));
    }

    private Slot failures(ClientAddress client) {
        return new Slot(addressFailures, client.limitKey());
    }

    private Slot account(String appId, String email) {
        return new Slot(accountFailures, appId + "\n" + email);
    }
}
