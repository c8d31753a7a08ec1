package dev.latchkey.provider;

import static dev.latchkey.TestUsers.API;
import static dev.latchkey.TestUsers.PASSWORD;
import static dev.latchkey.TestUsers.PROVIDERS;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.sql.Connection;
import java.sql.Statement;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.latchkey.ObjectIds;
import dev.latchkey.RealmCoreClient;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;

@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class LoginResourceTest {

    static final String REGISTER = PROVIDERS + "/local-userpass/register";
    static final String LOGIN = PROVIDERS + "/local-userpass/login";
    static final String PASSWORD_LENGTH = "password must be between 6 and 128 characters";

    @TestHTTPResource("/")
    URI base;

    @Test
    void registerAnswers201WithoutBodyOrContentType() {
        Response response = given().contentType(ContentType.JSON)
                .body(Map.of("email", TestUsers.newEmail(), "password", PASSWORD))
                .post(REGISTER);

        assertEquals(201, response.statusCode(), response.asString());
        assertNull(response.getHeader("Content-Type"));
        assertEquals("", response.asString());
    }

    @Test
    void registeredUserCanLogIn() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, PASSWORD);

        given().contentType(ContentType.JSON).body(Map.of("username", email, "password", PASSWORD))
                .post(LOGIN)
                .then().statusCode(200)
                .header("Content-Type", "application/json")
                .body("user_id", matchesPattern("[0-9a-f]{24}"))
                .body("device_id", matchesPattern("[0-9a-f]{24}"))
                .body("access_token", not(emptyOrNullString()))
                .body("refresh_token", not(emptyOrNullString()));
    }

    @Test
    void duplicateEmailInAnyCaseIsAccountNameInUse() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, PASSWORD);

        for (String again : new String[] { email, email.toUpperCase(Locale.ROOT), " " + email + " " }) {
            error(given().contentType(ContentType.JSON).body(Map.of("email", again, "password", "another password"))
                    .post(REGISTER), 409, "AccountNameInUse", "name already in use");
        }
    }

    @Test
    void passwordOutsideSixTo128CharactersIsRefused() {
        for (String password : new String[] { "12345", "x".repeat(129), "" }) {
            error(given().contentType(ContentType.JSON).body(Map.of("email", TestUsers.newEmail(), "password", password))
                    .post(REGISTER), 400, "BadRequest", PASSWORD_LENGTH);
        }
        error(given().contentType(ContentType.JSON).body(Map.of("email", TestUsers.newEmail()))
                .post(REGISTER), 400, "BadRequest", PASSWORD_LENGTH);
    }

    @Test
    void passwordOfExactlySixOr128CharactersIsAccepted() {
        for (String password : new String[] { "123456", "x".repeat(128) }) {
            String email = TestUsers.newEmail();
            TestUsers.register(email, password);
            TestUsers.logIn(email, password);
        }
    }

    @Test
    void invalidEmailIsBadRequest() {
        for (String email : new String[] { "not-an-email", "", "a@b", "two@@example.com", "sp ace@example.com" }) {
            given().contentType(ContentType.JSON).body(Map.of("email", email, "password", PASSWORD))
                    .post(REGISTER)
                    .then().statusCode(400)
                    .header("Content-Type", "application/json")
                    .body("error_code", equalTo("BadRequest"))
                    .body("error", not(emptyOrNullString()));
        }
        given().contentType(ContentType.JSON).body(Map.of("password", PASSWORD))
                .post(REGISTER)
                .then().statusCode(400)
                .body("error_code", equalTo("BadRequest"));
    }

    @Test
    void wrongPasswordAndUnknownEmailAreTheSameInvalidPassword() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, PASSWORD);

        error(given().contentType(ContentType.JSON).body(Map.of("username", email, "password", "wrong password"))
                .post(LOGIN), 401, "InvalidPassword", "invalid username/password");
        error(given().contentType(ContentType.JSON).body(Map.of("username", TestUsers.newEmail(), "password", PASSWORD))
                .post(LOGIN), 401, "InvalidPassword", "invalid username/password");
    }

    @Test
    void unknownAppIsAppNotFound() {
        String providers = API + "/app/no-such-app/auth/providers";
        error(given().contentType(ContentType.JSON).body(Map.of("email", TestUsers.newEmail(), "password", PASSWORD))
                .post(providers + "/local-userpass/register"), 404, "AppNotFound", "cannot find app using Client App ID 'no-such-app'");
        error(given().contentType(ContentType.JSON).body(Map.of("username", TestUsers.newEmail(), "password", PASSWORD))
                .post(providers + "/local-userpass/login"), 404, "AppNotFound", "cannot find app using Client App ID 'no-such-app'");
        error(given().contentType(ContentType.JSON).body(Map.of())
                .post(providers + "/anon-user/login"), 404, "AppNotFound", "cannot find app using Client App ID 'no-such-app'");
        error(given().contentType(ContentType.JSON).body(Map.of("key", "lk_whatever"))
                .post(providers + "/api-key/login"), 404, "AppNotFound", "cannot find app using Client App ID 'no-such-app'");
    }

    @Test
    void unknownProviderIsAuthProviderNotFound() {
        error(given().contentType(ContentType.JSON).body(Map.of())
                .post(PROVIDERS + "/custom-function/login"), 400, "AuthProviderNotFound",
                "authentication via 'custom-function' is unsupported");
        error(given().contentType(ContentType.JSON).body(Map.of("id_token", "x"))
                .post(PROVIDERS + "/oauth2-google/login"), 400, "AuthProviderNotFound",
                "authentication via 'oauth2-google' is unsupported");
    }

    @Test
    void providerTheAppHasNotEnabledIsAuthProviderNotFound() throws Exception {
        String database = ConfigProvider.getConfig().getValue("test.database.name", String.class);
        try (Connection c = TestDatabase.connect(database);
                Statement s = c.createStatement()) {
            s.execute("insert into apps (id, domain_id, settings) values ('password-only-app', '" + ObjectIds.next()
                    + "', '{\"providers\": {\"local-userpass\": {\"enabled\": true}}}') on conflict do nothing");
        }
        String providers = API + "/app/password-only-app/auth/providers";
        error(given().contentType(ContentType.JSON).body(Map.of())
                .post(providers + "/anon-user/login"), 400, "AuthProviderNotFound",
                "authentication via 'anon-user' is unsupported");
        error(given().contentType(ContentType.JSON).body(Map.of("key", "lk_x"))
                .post(providers + "/api-key/login"), 400, "AuthProviderNotFound",
                "authentication via 'api-key' is unsupported");
        given().contentType(ContentType.JSON).body(Map.of("email", TestUsers.newEmail(), "password", PASSWORD))
                .post(providers + "/local-userpass/register")
                .then().statusCode(201);
    }

    @Test
    void providerRoutesIgnoreAnyAuthorizationHeader() {
        String email = TestUsers.newEmail();
        given().header("Authorization", "Bearer garbage.garbage.garbage").contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", PASSWORD))
                .post(REGISTER)
                .then().statusCode(201);
        given().header("Authorization", "Bearer " + TestUsers.anonymous().accessToken()).contentType(ContentType.JSON)
                .body(Map.of("email", TestUsers.newEmail(), "password", PASSWORD))
                .post(REGISTER)
                .then().statusCode(201);
        given().header("Authorization", "Bearer garbage").contentType(ContentType.JSON)
                .body(Map.of("username", email, "password", PASSWORD))
                .post(LOGIN)
                .then().statusCode(200);
        given().header("Authorization", "Bearer garbage").contentType(ContentType.JSON).body(Map.of())
                .post(PROVIDERS + "/anon-user/login")
                .then().statusCode(200);
    }

    @Test
    void realmCoreLoginBodiesWithExtraFieldsAreAccepted() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, PASSWORD);
        RealmCoreClient client = new RealmCoreClient(base);
        String deviceId = ObjectIds.next();
        String device = "{\"appId\":\"com.example.app\",\"appVersion\":\"1.0\",\"platform\":\"Android\","
                + "\"platformVersion\":\"14\",\"sdk\":\"Kotlin\",\"sdkVersion\":\"1.16.0\",\"cpuArch\":\"arm64\","
                + "\"deviceName\":\"Pixel\",\"deviceVersion\":\"8\",\"frameworkName\":\"\",\"frameworkVersion\":\"\","
                + "\"coreVersion\":\"14.10.0\",\"bundleId\":\"abc\",\"deviceId\":\"" + deviceId + "\"}";

        HttpResponse<String> userpass = client.send("POST", LOGIN, null,
                "{\"provider\":\"local-userpass\",\"username\":\"" + email + "\",\"password\":\"" + PASSWORD
                        + "\",\"options\":{\"device\":" + device + "}}");
        assertEquals(200, userpass.statusCode(), userpass.body());
        assertEquals("application/json", userpass.headers().firstValue("Content-Type").orElse(null));
        assertTrue(userpass.body().contains("\"device_id\":\"" + deviceId + "\""), userpass.body());

        HttpResponse<String> anonymous = client.send("POST", PROVIDERS + "/anon-user/login", null,
                "{\"provider\":\"anon-user\",\"options\":{\"device\":" + device + "}}");
        assertEquals(200, anonymous.statusCode(), anonymous.body());

        HttpResponse<String> registered = client.send("POST", REGISTER, null,
                "{\"email\":\"" + TestUsers.newEmail() + "\",\"password\":\"" + PASSWORD + "\",\"extra\":true}");
        assertEquals(201, registered.statusCode(), registered.body());
        assertTrue(registered.headers().firstValue("Content-Type").isEmpty());
    }

    @Test
    void wrongFieldTypesAreBadRequestWithoutCoercion() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, "123456");

        for (String body : new String[] { "{\"username\": 5, \"password\": \"123456\"}",
                "{\"username\": \"" + email + "\", \"password\": 123456}",
                "{\"username\": \"" + email + "\", \"password\": true}",
                "{\"username\": [\"" + email + "\"], \"password\": \"123456\"}" }) {
            given().contentType(ContentType.JSON).body(body)
                    .post(LOGIN)
                    .then().statusCode(400)
                    .header("Content-Type", "application/json")
                    .body("error_code", equalTo("BadRequest"))
                    .body("error", not(emptyOrNullString()));
        }
        given().contentType(ContentType.JSON).body("{\"email\": 5, \"password\": \"123456\"}")
                .post(REGISTER)
                .then().statusCode(400)
                .body("error_code", equalTo("BadRequest"));
    }

    @Test
    void bodyThatIsNotJsonIsBadRequest() {
        for (String body : new String[] { "{", "not json", "[1, 2]" }) {
            given().contentType(ContentType.JSON).body(body)
                    .post(LOGIN)
                    .then().statusCode(400)
                    .header("Content-Type", "application/json")
                    .body("error_code", equalTo("BadRequest"));
        }
    }

    @Test
    void bodyOver64KiBIsRequestTooLarge() {
        String padding = "x".repeat(70 * 1024);
        error(given().contentType(ContentType.JSON)
                .body("{\"email\":\"" + TestUsers.newEmail() + "\",\"password\":\"" + padding + "\"}")
                .post(REGISTER), 413, "BadRequest", "request too large");
    }

    @Test
    void errorBodiesNeverLeakTheSubmittedPassword() {
        String secret = "very-secret-password-" + ObjectIds.next();
        String body = given().contentType(ContentType.JSON)
                .body("{\"username\": 5, \"password\": \"" + secret + "\"}")
                .post(LOGIN)
                .then().statusCode(400).extract().asString();
        assertFalse(body.contains(secret), body);
    }

    private static ValidatableResponse error(Response response, int status, String code, String message) {
        return response.then().statusCode(status)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo(code))
                .body("error", equalTo(message));
    }
}
