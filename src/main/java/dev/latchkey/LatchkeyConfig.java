package dev.latchkey;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Every {@code latchkey.*} setting; defaults live here and in application.properties. */
@ConfigMapping(prefix = "latchkey")
public interface LatchkeyConfig {

    Bootstrap bootstrap();

    /** An operator's key for the admin API (at least 32 characters); more are made through the API. */
    Optional<String> adminKey();

    /** Base URL clients reach; when empty, derived from each request. */
    Optional<String> publicUrl();

    Token token();

    /**
     * Seals the signing keys kept in the database (AES-256-GCM): 32 random bytes, base64. Without
     * it they are stored plain, and a copy of the database can forge tokens.
     */
    Optional<String> keyEncryptionKey();

    /** Earlier key-encryption keys, still read while rows are sealed again with the current one. */
    Optional<java.util.List<String>> keyEncryptionKeyPrevious();

    ApiKeys apiKeys();

    Password password();

    Cors cors();

    Database database();

    /** Every route answers within this; past it, 503 (a database that stopped answering). See http/Deadline. */
    @WithDefault("10s")
    Duration requestDeadline();

    Retention retention();

    Cache cache();

    /** What each instance keeps in memory, kept true by the database's notices (package notify). */
    interface Cache {
        /** Live sessions remembered, at most. */
        @WithDefault("50000")
        int sessions();

        /** The longest a remembered session is trusted without asking the database again. */
        @WithDefault("30s")
        Duration sessionTtl();

        /** Whether to listen for the database's notices at all; without them nothing cached is trusted. */
        @WithDefault("true")
        boolean listen();
    }

    /** What the scheduled purge deletes, and when (retention/Retention). */
    interface Retention {
        /** How often the purge runs. */
        @WithDefault("5m")
        Duration every();

        /** Rows per statement. */
        @WithDefault("500")
        int batch();

        /** How long an ended or expired session is kept (an operator can still see it). */
        @WithDefault("7d")
        Duration sessions();

        /** How old an anonymous user without a live session must be before it goes. */
        @WithDefault("1h")
        Duration anonymousUsers();

        /** How long audit events are kept. */
        @WithDefault("90d")
        Duration auditEvents();
    }

    /** Bounds on waiting for the database (SPEC section 5). */
    interface Database {
        /** How long a request waits for a pooled connection (or a new connection) before 503. */
        @WithDefault("3s")
        Duration acquireTimeout();

        /** Requests that may wait for a connection at once; past that, 503 at once. */
        @WithDefault("256")
        int waitQueue();

    }

    Throttle throttle();

    CustomToken customToken();

    /** The app created at first start, so a new deployment works with no admin step. */
    interface Bootstrap {
        /** Its id. */
        @WithDefault("latchkey-app")
        String app();

        /** A JSON merge patch over "every provider enabled", in the admin API's app-object shape; used when the app is created. */
        Optional<String> settings();
    }

    /**
     * Limits per client address (IPv6 per /64), account and email, shared by every instance through
     * the database (SPEC section 5). Failed logins slow only those who fail; registrations,
     * anonymous logins and sent mails are limited whether or not they fail.
     */
    interface Throttle {
        @WithDefault("100")
        int addressFailures();

        @WithDefault("5m")
        Duration addressWindow();

        @WithDefault("10")
        int accountFailures();

        @WithDefault("15m")
        Duration accountWindow();

        @WithDefault("100")
        int registrations();

        @WithDefault("1h")
        Duration registrationsWindow();

        @WithDefault("100")
        int anonymousLogins();

        @WithDefault("1h")
        Duration anonymousLoginsWindow();

        /** Confirmation and reset mails (and webhook calls) asked for from one client address. */
        @WithDefault("100")
        int emails();

        @WithDefault("1h")
        Duration emailsWindow();

        /** How long a refused (429) request waits for its answer: slows a client that retries at once. */
        @WithDefault("25ms")
        Duration refusalPause();

        /** The same, per recipient: one mailbox cannot be flooded from many addresses. */
        @WithDefault("10")
        int emailsPerRecipient();
    }

    /** Fetching the signing keys of an app's own identity provider ({@code jwks_uri}, SPEC section 8). */
    interface CustomToken {
        /** How long fetched keys are used before the provider is asked again (its keys may have rotated). */
        @WithDefault("10m")
        Duration jwksRefresh();

        /** The least time between two fetches for one app: unknown {@code kid}s cannot make Latchkey hammer the provider. */
        @WithDefault("5s")
        Duration jwksMinInterval();

        /** A fetch that has not finished by then has failed. */
        @WithDefault("5s")
        Duration jwksTimeout();
    }

    interface Token {
        @WithDefault("30m")
        Duration accessLifetime();

        @WithDefault("60d")
        Duration refreshLifetime();

        /** A private P-256 JWK (JSON with "d") for access tokens; generated and stored when absent. */
        Optional<String> signingKey();

        /** Verified tokens remembered (by hash) so their signature is checked once; each until it expires. */
        @WithDefault("20000")
        int verifiedCacheSize();

        /** Secret (at least 32 bytes) for refresh tokens; generated and stored when absent. */
        Optional<String> refreshSecret();
    }

    interface ApiKeys {
        @WithDefault("20")
        int maxPerUser();

        /** The latest {@code expires_at} a key may be given, counted from its creation. */
        @WithDefault("3650d")
        Duration maxLifetime();

        /**
         * How often the last use of each key is written (apikey/LastUse): one batched statement per
         * instance, so each key is written at most once per interval and shown at most this stale.
         */
        @WithDefault("60s")
        Duration lastUsedFlush();

        /** How often expired keys get their {@code api_key.expire} audit event (apikey/KeyExpiry). */
        @WithDefault("1m")
        Duration expiryEvery();

        /** Keys per statement of the expiry job. */
        @WithDefault("100")
        int expiryBatch();
    }

    SecretScanning secretScanning();

    /** Leak reports from GitHub's secret scanning partner program (leak/). */
    interface SecretScanning {
        /** Where GitHub publishes the keys that sign its reports ({@code {public_keys: [...]}}). */
        @WithDefault("https://api.github.com/meta/public_keys/secret_scanning")
        String githubKeysUrl();

        /** A file with that document, read once at start-up; when set, the URL is never asked. */
        Optional<String> githubKeysFile();

        /** A GitHub token sent with the fetch (GitHub limits unauthenticated requests to 60 an hour). */
        Optional<String> githubKeysToken();

        /** The least time between two fetches: reports naming unknown key identifiers cannot make Latchkey hammer GitHub. */
        @WithDefault("30s")
        Duration githubKeysMinInterval();

        /** A fetch that has not finished by then has failed. */
        @WithDefault("5s")
        Duration githubKeysTimeout();

        /** Tokens one report may hold. */
        @WithDefault("1000")
        int maxTokens();

        /** Reports with a missing or bad signature from one client address before 429. */
        @WithDefault("20")
        int addressFailures();

        @WithDefault("5m")
        Duration addressFailuresWindow();
    }

    /** Browsers on other origins call the client API with bearer tokens (no cookies). */
    interface Cors {
        /** Allowed origins (URLs, or /regex/); every origin when unset. Applied through quarkus.http.cors.origins. */
        Optional<java.util.List<String>> origins();
    }

    interface Password {
        /** PBKDF2-HMAC-SHA256 rounds for new hashes; an older, cheaper hash is replaced at its next login. */
        @WithDefault("600000")
        int iterations();

        /** Hashes computed at once; half the cores (at least one) when unset. */
        Optional<Integer> concurrency();

        /** Hashes that may wait for a worker; past that, 503 at once. */
        @WithDefault("8")
        int queue();
    }
}
