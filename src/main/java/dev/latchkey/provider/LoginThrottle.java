package dev.latchkey.provider;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.error.ApiException;

/**
 * Counts failed logins per client address (any provider) and per email/password account, each
 * in a fixed window that starts at its first failure. Past the limit, further attempts from
 * that address or for that account get 429 until the window ends. Counts are per instance.
 */
@ApplicationScoped
public class LoginThrottle {

    private static final int MAX_TRACKED = 100_000;

    private record Window(long startMillis, int failures) {
    }

    private final Map<String, Window> addresses = new ConcurrentHashMap<>();
    private final Map<String, Window> accounts = new ConcurrentHashMap<>();
    private final LatchkeyConfig.Throttle config;

    public LoginThrottle(LatchkeyConfig config) {
        this.config = config.throttle();
    }

    /** Refuses the attempt with 429 while its address or account is over the limit. */
    public void check(String address, String account) {
        long now = System.currentTimeMillis();
        long wait = Math.max(
                blockedFor(addresses, address, config.addressFailures(), config.addressWindow().toMillis(), now),
                blockedFor(accounts, account, config.accountFailures(), config.accountWindow().toMillis(), now));
        if (wait > 0) {
            throw ApiException.tooManyRequests((wait + 999) / 1000);
        }
    }

    public void recordFailure(String address, String account) {
        long now = System.currentTimeMillis();
        count(addresses, address, config.addressWindow().toMillis(), now);
        count(accounts, account, config.accountWindow().toMillis(), now);
    }

    private static long blockedFor(Map<String, Window> windows, String key, int limit, long windowMillis, long now) {
        Window window = key == null ? null : windows.get(key);
        if (window == null || window.failures() < limit) {
            return 0;
        }
        return Math.max(0, window.startMillis() + windowMillis - now);
    }

    private static void count(Map<String, Window> windows, String key, long windowMillis, long now) {
        if (key == null) {
            return;
        }
        if (windows.size() >= MAX_TRACKED) {
            windows.values().removeIf(w -> w.startMillis() + windowMillis <= now);
        }
        windows.compute(key, (k, w) -> w == null || w.startMillis() + windowMillis <= now
                ? new Window(now, 1)
                : new Window(w.startMillis(), w.failures() + 1));
    }
}
