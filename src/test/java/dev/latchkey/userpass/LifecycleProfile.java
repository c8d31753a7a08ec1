package dev.latchkey.userpass;

import java.util.List;
import java.util.Map;

import dev.latchkey.TestDatabase;
import io.quarkus.test.junit.QuarkusTestProfile;

/** The lifecycle tests' application: a real SMTP server, quick mail retries, no per-address mail limit in the way. */
public class LifecycleProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "latchkey.userpass.mail.attempts", "4",
                "latchkey.userpass.mail.retry-backoff", "1s",
                "latchkey.userpass.mail.poll-every", "1s",
                "latchkey.throttle.emails", "1000000");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(TestDatabase.class), new TestResourceEntry(SmtpServer.class));
    }
}
