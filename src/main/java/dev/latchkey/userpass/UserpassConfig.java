package dev.latchkey.userpass;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code latchkey.userpass.*}: confirmation and reset tokens, webhooks and the mails that carry links. */
@ConfigMapping(prefix = "latchkey.userpass")
public interface UserpassConfig {

    /** How long a confirmation or reset token can be used. */
    @WithDefault("30m")
    Duration tokenLifetime();

    /** A webhook that has not answered in full by then counts as {@code fail}. */
    @WithDefault("5s")
    Duration webhookTimeout();

    Mail mail();

    interface Mail {
        /** Sending attempts before a mail is given up (and logged as an error). */
        @WithDefault("6")
        int attempts();

        /** Wait after the first failed attempt; it doubles after each further one. */
        @WithDefault("30s")
        Duration retryBackoff();

        /** How often each instance looks for due mails (retries, and any a crashed instance left); default in application.properties, where the scheduler reads it. */
        Duration pollEvery();

        @WithDefault("Confirm your email address")
        String confirmSubject();

        @WithDefault("Reset your password")
        String resetSubject();
    }
}
