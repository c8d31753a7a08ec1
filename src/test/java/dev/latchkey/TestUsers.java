package dev.latchkey;

import static io.restassured.RestAssured.given;

import java.util.Map;
import java.util.UUID;

import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Users made through the real register and login routes, as an SDK would. */
public final class TestUsers {

    public static final String APP = "latchkey-app";
    public static final String API = "/api/client/v2.0";
    public static final String PROVIDERS = API + "/app/" + APP + "/auth/providers";
    public static final String PASSWORD = "correct horse";

    public record Tokens(String userId, String accessToken, String refreshToken, String deviceId) {
        public String bearerRefresh() {
            return "Bearer " + refreshToken;
        }

        public String bearerAccess() {
            return "Bearer " + accessToken;
        }
    }

    private static final int SETUP_ATTEMPTS = 3;

    private TestUsers() {
    }

    private static void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public static String newEmail() {
        return "user-" + UUID.randomUUID() + "@example.com";
    }

    public static void register(String email, String password) {
        given().contentType(ContentType.JSON).body(Map.of("email", email, "password", password))
                .post(PROVIDERS + "/local-userpass/register")
                .then().statusCode(201);
    }

    /**
     * A new user, logged in. Setup, not the subject of a test: on a busy machine the first
     * request of a freshly started application can exceed a test's short deadline (503), so a
     * 503 is tried again (with a new email, since the first registration may still commit).
     */
    public static Tokens registered() {
        for (int attempt = 1;; attempt++) {
            String email = newEmail();
            int status = given().contentType(ContentType.JSON).body(Map.of("email", email, "password", PASSWORD))
                    .post(PROVIDERS + "/local-userpass/register").statusCode();
            if (status == 503 && attempt < SETUP_ATTEMPTS) {
                pause();
                continue;
            }
            if (status != 201) {
                throw new AssertionError("register answered " + status);
            }
            return logIn(email, PASSWORD);
        }
    }

    public static Tokens logIn(String email, String password) {
        return login("local-userpass", Map.of("username", email, "password", password));
    }

    public static Tokens anonymous() {
        return login("anon-user", Map.of());
    }

    public static Tokens withKey(String key) {
        return login("api-key", Map.of("key", key));
    }

    /** Logs in; a 503 (see {@link #registered}) is tried again, a login being safe to repeat. */
    public static Tokens login(String provider, Map<String, ?> body) {
        Response answer = null;
        for (int attempt = 1; attempt <= SETUP_ATTEMPTS; attempt++) {
            answer = given().contentType(ContentType.JSON).body(body).post(PROVIDERS + "/" + provider + "/login");
            if (answer.statusCode() != 503) {
                break;
            }
            pause();
        }
        var response = answer.then().statusCode(200).extract().jsonPath();
        return new Tokens(response.getString("user_id"), response.getString("access_token"),
                response.getString("refresh_token"), response.getString("device_id"));
    }

    /** Creates a key for the user and returns {_id, key}. */
    public static Map<String, Object> createKey(Tokens user, String name) {
        return given().header("Authorization", user.bearerRefresh()).contentType(ContentType.JSON)
                .body(Map.of("name", name))
                .post(API + "/auth/api_keys")
                .then().statusCode(201).extract().jsonPath().getMap("");
    }
}
