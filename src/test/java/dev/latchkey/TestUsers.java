package dev.latchkey;

import static io.restassured.RestAssured.given;

import java.util.Map;
import java.util.UUID;

import io.restassured.http.ContentType;

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

    private TestUsers() {
    }

    public static String newEmail() {
        return "user-" + UUID.randomUUID() + "@example.com";
    }

    public static void register(String email, String password) {
        given().contentType(ContentType.JSON).body(Map.of("email", email, "password", password))
                .post(PROVIDERS + "/local-userpass/register")
                .then().statusCode(201);
    }

    public static Tokens registered() {
        String email = newEmail();
        register(email, PASSWORD);
        return logIn(email, PASSWORD);
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

    public static Tokens login(String provider, Map<String, ?> body) {
        var response = given().contentType(ContentType.JSON).body(body)
                .post(PROVIDERS + "/" + provider + "/login")
                .then().statusCode(200).extract().jsonPath();
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
