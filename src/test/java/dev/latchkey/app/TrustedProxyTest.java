package dev.latchkey.app;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * Behind a trusted proxy (quarkus.http.proxy.*), {@code location} and the client address of the
 * throttle follow X-Forwarded-*; the README's "behind a proxy" settings, exactly.
 */
@QuarkusTest
@TestProfile(TrustedProxyTest.BehindProxy.class)
class TrustedProxyTest {

    public static class BehindProxy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.http.proxy.proxy-address-forwarding", "true",
                    "quarkus.http.proxy.allow-x-forwarded", "true",
                    "quarkus.http.proxy.enable-forwarded-host", "true",
                    "quarkus.http.proxy.trusted-proxies", "127.0.0.1",
                    "latchkey.throttle.address-failures", "3");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestDatabase.class));
        }
    }

    @Test
    void locationNamesTheHostTheProxyWasReachedAt() {
        given().header("X-Forwarded-Host", "auth.example.com").header("X-Forwarded-Proto", "https")
                .get(TestUsers.API + "/app/" + TestUsers.APP + "/location")
                .then().statusCode(200)
                .body("hostname", equalTo("https://auth.example.com"))
                .body("ws_hostname", equalTo("wss://auth.example.com"));
    }

    @Test
    void theThrottleCountsTheForwardedClientNotTheProxy() {
        for (int i = 0; i < 3; i++) {
            badKeyFrom("203.0.113.7").then().statusCode(401);
        }
        badKeyFrom("203.0.113.7").then().statusCode(429).body("error_code", equalTo("TooManyRequests"));
        badKeyFrom("203.0.113.8").then().statusCode(401);

        // IPv6 clients count per /64.
        for (int i = 0; i < 3; i++) {
            badKeyFrom("2001:db8:5:6::" + (i + 1)).then().statusCode(401);
        }
        badKeyFrom("2001:db8:5:6:ffff::9").then().statusCode(429);
        badKeyFrom("2001:db8:5:7::1").then().statusCode(401);
    }

    private static io.restassured.response.Response badKeyFrom(String client) {
        return given().header("X-Forwarded-For", client).contentType(ContentType.JSON).body(Map.of("key", "lk_nope"))
                .post(TestUsers.PROVIDERS + "/api-key/login");
    }
}
