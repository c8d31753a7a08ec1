package dev.latchkey.provider;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** Failed logins are throttled per account and per client address; nobody else is slowed. */
@QuarkusTest
@TestProfile(LoginThrottleTest.LowAddressLimit.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoginThrottleTest {

    public static class LowAddressLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("latchkey.throttle.address-failures", "25");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestDatabase.class));
        }
    }

    @Test
    @Order(1)
    void tenFailedPasswordsLockTheAccountButNotOthers() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, TestUsers.PASSWORD);
        for (int i = 0; i < 10; i++) {
            passwordLogin(email, "wrong password").then().statusCode(401).body("error_code", equalTo("InvalidPassword"));
        }
        passwordLogin(email, TestUsers.PASSWORD).then().statusCode(429)
                .header("Content-Type", "application/json")
                .header("Retry-After", notNullValue())
                .body("error_code", equalTo("TooManyRequests"));

        String other = TestUsers.newEmail();
        TestUsers.register(other, TestUsers.PASSWORD);
        passwordLogin(other, TestUsers.PASSWORD).then().statusCode(200);
    }

    @Test
    @Order(2)
    void manyFailuresFromOneAddressBlockThatAddress() {
        TestUsers.Tokens before = TestUsers.anonymous();
        // The first test's 10 failures count too; fill up to the limit of 25 with bad keys.
        int status = 401;
        for (int i = 0; i < 25 && status == 401; i++) {
            status = given().contentType(ContentType.JSON).body(Map.of("key", "lk_not-a-real-key"))
                    .post(TestUsers.PROVIDERS + "/api-key/login").statusCode();
        }
        given().contentType(ContentType.JSON).body("{}").post(TestUsers.PROVIDERS + "/anon-user/login")
                .then().statusCode(429).header("Retry-After", notNullValue())
                .body("error_code", equalTo("TooManyRequests"));
        // Sessions already open keep working: only login attempts are throttled.
        given().header("Authorization", before.bearerAccess()).get(TestUsers.API + "/auth/profile").then().statusCode(200);
    }

    private static io.restassured.response.Response passwordLogin(String email, String password) {
        return given().contentType(ContentType.JSON).body(Map.of("username", email, "password", password))
                .post(TestUsers.PROVIDERS + "/local-userpass/login");
    }
}
