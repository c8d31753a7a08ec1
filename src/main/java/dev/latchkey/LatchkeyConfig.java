package dev.latchkey;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Every {@code latchkey.*} setting; defaults live here and in application.properties. */
@ConfigMapping(prefix = "latchkey")
public interface LatchkeyConfig {

    /** App id created at start-up if missing, with every provider enabled. */
    @WithDefault("latchkey-app")
    String bootstrapApp();

    /** Base URL clients reach; when empty, derived from each request. */
    Optional<String> publicUrl();

    Token token();

    ApiKeys apiKeys();

    Password password();

    Cors cors();

    Throttle throttle();

    /** Failed logins only: a client address that has not failed is never slowed. */
    interface Throttle {
        @WithDefault("100")
        int addressFailures();

        @WithDefault("5m")
        Duration addressWindow();

        @WithDefault("10")
        int accountFailures();

        @WithDefault("15m")
        Duration accountWindow();
    }

    interface Token {
        @WithDefault("30m")
        Duration accessLifetime();

        @WithDefault("60d")
        Duration refreshLifetime();

        /** A private P-256 JWK (JSON with "d") for access tokens; generated and stored when absent. */
        Optional<String> signingKey();

        /** Secret (at least 32 bytes) for refresh tokens; generated and stored when absent. */
        Optional<String> refreshSecret();
    }

    interface ApiKeys {
        @WithDefault("20")
        int maxPerUser();
    }

    /** Browsers on other origins call the client API with bearer tokens (no cookies). */
    interface Cors {
        /** Allowed origins (URLs, or /regex/); every origin when unset. Applied through quarkus.http.cors.origins. */
        Optional<java.util.List<String>> origins();
    }

    interface Password {
        /** PBKDF2-HMAC-SHA256 rounds for new hashes; stored hashes keep their own count. */
        @WithDefault("600000")
        int iterations();
    }
}
