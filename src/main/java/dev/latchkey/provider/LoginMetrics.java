package dev.latchkey.provider;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Login and registration counters for {@code /q/metrics}: {@code latchkey_logins_total} by
 * provider and outcome (success, failure, throttled, refused, unavailable, error), and the
 * password pool's queue as {@code latchkey_password_queue}.
 */
@ApplicationScoped
public class LoginMetrics {

    private final MeterRegistry registry;

    public LoginMetrics(MeterRegistry registry, PasswordHasher passwords) {
        this.registry = registry;
        Gauge.builder("latchkey.password.queue", passwords, PasswordHasher::queued)
                .description("password hashes waiting for a worker").register(registry);
    }

    void login(String provider, String outcome) {
        Counter.builder("latchkey.logins").description("login attempts by provider and outcome")
                .tag("provider", LoginResource.KNOWN_PROVIDERS.contains(provider) ? provider : "other")
                .tag("outcome", outcome).register(registry).increment();
    }

    static String outcome(int status) {
        return switch (status) {
            case 401 -> "failure";
            case 429 -> "throttled";
            case 503 -> "unavailable";
            default -> status >= 500 ? "error" : "refused";
        };
    }
}
