package dev.latchkey.userpass;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;
import io.quarkus.mailer.MailTemplate.MailTemplateInstance;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import dev.latchkey.app.App;
import dev.latchkey.app.AppRepository;
import dev.latchkey.app.AppSettings;
import dev.latchkey.userpass.LifecycleRepository.Outgoing;

/**
 * Sends the confirmation and reset mails queued in {@code mail_outbox}. A request only queues
 * (in its own transaction, so a mail is never lost once the request has answered) and kicks this
 * sender; every instance also looks for due mails on a schedule, which is how failed attempts
 * are retried and how mails an instance left behind get sent.
 * <p>
 * The token is made at the moment of sending, so no token is ever stored except as a hash, and a
 * mail delayed by an SMTP outage still carries a link valid for the full lifetime. A failed
 * attempt is retried with doubling backoff, and after the last one the row is kept with its
 * error and an error is logged. All of it is non-blocking: the reactive mailer and SQL client.
 */
@ApplicationScoped
public class LifecycleMail {

    /** Time a claimed mail has before another instance may take it over (an instance that died mid-send). */
    static final Duration LEASE = Duration.ofMinutes(2);
    /** A send that has not finished by then is a failed attempt. */
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);
    private static final int BATCH = 20;
    private static final int IN_PARALLEL = 4;
    private static final Duration LONGEST_BACKOFF = Duration.ofHours(1);

    @CheckedTemplate(basePath = "mail")
    static class Templates {
        /** templates/mail/confirm.txt and .html: both become parts of one mail. */
        static native MailTemplateInstance confirm(String link, String appId, long minutes);

        static native MailTemplateInstance reset(String link, String appId, long minutes);
    }

    private final LifecycleRepository repository;
    private final AppRepository apps;
    private final UserpassConfig config;

    public LifecycleMail(LifecycleRepository repository, AppRepository apps, UserpassConfig config) {
        this.repository = repository;
        this.apps = apps;
        this.config = config;
    }

    /** Sends what is due now without waiting for the schedule; never fails its caller. */
    void kick() {
        sendDue().subscribe().with(done -> {
        }, failure -> Log.warnf("mail outbox: %s (due mails are retried on schedule)", failure.toString()));
    }

    /** On a schedule; a database that does not answer is a warning, and the mails wait for the next round. */
    @Scheduled(identity = "latchkey-mail-outbox", every = "${latchkey.userpass.mail.poll-every}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledSend() {
        return sendDue().onFailure().invoke(failure -> Log.warnf("mail outbox not read: %s", failure.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    Uni<Void> sendDue() {
        return repository.claimDue(BATCH, LEASE).chain(due -> {
            if (due.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            return Multi.createFrom().iterable(due)
                    .onItem().transformToUni(this::deliver).merge(IN_PARALLEL)
                    .collect().asList()
                    .chain(sent -> due.size() == BATCH ? sendDue() : Uni.createFrom().voidItem());
        });
    }

    @Scheduled(identity = "latchkey-userpass-purge", every = "1h", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> purge() {
        return repository.purge(10_000).invoke(count -> {
            if (count > 0) {
                Log.debugf("purged %d old tokens and given-up mails", count);
            }
        }).onFailure().invoke(failure -> Log.warnf("old tokens and mails not purged: %s", failure.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** One attempt at one mail; its outcome is written back, and it never fails the batch. */
    private Uni<Void> deliver(Outgoing mail) {
        LifecycleToken token = LifecycleToken.next();
        return apps.find(mail.appId()).chain(app -> {
            String url = app == null ? null : url(app, mail.purpose());
            if (!Fields.mailable(mail.email())) {
                // Routes queue only such addresses; this guards the mail header against anything else.
                Log.warnf("mail %d dropped: its recipient is not an address a mail header takes as is", mail.id());
                return repository.deleteMail(mail.id());
            }
            if (url == null) {
                Log.warnf("mail %d dropped: app '%s' no longer sends %s mails", mail.id(), mail.appId(), mail.purpose());
                return repository.deleteMail(mail.id());
            }
            return repository.insertTokenIfStillWanted(mail.appId(), mail.email(), mail.purpose(), token,
                    config.tokenLifetime()).chain(wanted -> {
                        if (!wanted) {
                            Log.debugf("mail %d dropped: its %s is no longer needed", mail.id(), mail.purpose());
                            return repository.deleteMail(mail.id());
                        }
                        return template(mail, link(url, token)).send()
                                .ifNoItem().after(SEND_TIMEOUT).fail()
                                .chain(() -> repository.deleteMail(mail.id()))
                                .invoke(() -> Log.debugf("mail %d (%s, app '%s') sent", mail.id(), mail.purpose(), mail.appId()))
                                .onFailure().call(failure -> repository.deleteToken(token.id()));
                    });
        }).onFailure().recoverWithUni(failure -> failed(mail, failure));
    }

    private Uni<Void> failed(Outgoing mail, Throwable failure) {
        String error = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        if (mail.attempts() >= config.mail().attempts()) {
            Log.errorf("mail %d (%s, app '%s') given up after %d attempts: %s; the row stays in mail_outbox",
                    mail.id(), mail.purpose(), mail.appId(), mail.attempts(), error);
            return repository.mailFailed(mail.id(), error, null);
        }
        Duration retryIn = backoff(mail.attempts());
        Log.warnf("mail %d (%s, app '%s') attempt %d failed, next in %s: %s", mail.id(), mail.purpose(), mail.appId(),
                mail.attempts(), retryIn, error);
        return repository.mailFailed(mail.id(), error, retryIn)
                .onFailure().invoke(f -> Log.warnf("mail %d: could not record the failure (%s); retried after the lease",
                        mail.id(), f.toString()))
                .onFailure().recoverWithNull();
    }

    /** The first retry after the configured backoff, each next one after twice as long, at most an hour. */
    Duration backoff(int attemptsSoFar) {
        Duration delay = config.mail().retryBackoff().multipliedBy(1L << Math.min(20, attemptsSoFar - 1));
        return delay.compareTo(LONGEST_BACKOFF) > 0 ? LONGEST_BACKOFF : delay;
    }

    private MailTemplateInstance template(Outgoing mail, String link) {
        long minutes = config.tokenLifetime().toMinutes();
        boolean confirm = LifecycleToken.CONFIRM.equals(mail.purpose());
        MailTemplateInstance instance = confirm ? Templates.confirm(link, mail.appId(), minutes)
                : Templates.reset(link, mail.appId(), minutes);
        return instance.to(mail.email())
                .subject(confirm ? config.mail().confirmSubject() : config.mail().resetSubject());
    }

    private static String url(App app, String purpose) {
        AppSettings.LocalUserpass settings = app.settings().localUserpass();
        return LifecycleToken.CONFIRM.equals(purpose) ? settings.emailConfirmationUrl() : settings.resetPasswordUrl();
    }

    /**
     * The configured URL with {@code token} and {@code tokenId} added to its query: an existing
     * query stays, a fragment stays last.
     */
    static String link(String url, LifecycleToken token) {
        int hash = url.indexOf('#');
        String base = hash < 0 ? url : url.substring(0, hash);
        String fragment = hash < 0 ? "" : url.substring(hash);
        String separator = base.indexOf('?') < 0 ? "?" : base.endsWith("?") || base.endsWith("&") ? "" : "&";
        return base + separator + "token=" + encode(token.value()) + "&tokenId=" + encode(token.id()) + fragment;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
