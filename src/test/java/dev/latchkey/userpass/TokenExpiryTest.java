package dev.latchkey.userpass;

import static dev.latchkey.userpass.Lifecycle.MAIL_APP;
import static dev.latchkey.userpass.Lifecycle.PASSWORD;
import static dev.latchkey.userpass.Lifecycle.error;
import static dev.latchkey.userpass.Lifecycle.post;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Tokens expire after {@code latchkey.userpass.token-lifetime}: 2 s in this application, 30 minutes by default. */
@QuarkusTest
@TestProfile(TokenExpiryTest.ShortTokens.class)
class TokenExpiryTest {

    public static class ShortTokens extends LifecycleProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("latchkey.userpass.token-lifetime", "2s");
            return config;
        }
    }

    @BeforeAll
    static void apps() {
        Lifecycle.createApps();
    }

    @Test
    void aLinkOpenedAfterTheLifetimeIsExpired() {
        String email = Lifecycle.email("late");
        Lifecycle.register(MAIL_APP, email);
        Inbox.Mail mail = Inbox.await(email);
        Inbox.pause(2_500);

        error(post(MAIL_APP, "confirm", mail.tokenBody()), 400, "UserpassTokenInvalid", "userpass token is expired or invalid");
        error(Lifecycle.logIn(MAIL_APP, email, PASSWORD), 401, "AuthError", "unauthorized");

        Lifecycle.post(MAIL_APP, "confirm/send", Map.of("email", email)).then().statusCode(204);
        Inbox.Mail again = Inbox.await(email, 2, 15);
        Lifecycle.noContent(post(MAIL_APP, "confirm", again.tokenBody()));
        Lifecycle.loggedIn(MAIL_APP, email, PASSWORD);
    }
}
