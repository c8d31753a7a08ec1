package dev.latchkey.session;

import static dev.latchkey.TestUsers.API;
import static dev.latchkey.TestUsers.PASSWORD;
import static dev.latchkey.TestUsers.PROVIDERS;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.latchkey.ObjectIds;
import dev.latchkey.RealmCoreClient;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class SessionResourceTest {

    static final String HEX24 = "[0-9a-f]{24}";
    static final String SESSION = API + "/auth/session";
    static final String PROFILE = API + "/auth/profile";
    static final String FAILED_TO_FIND = "invalid session: failed to find refresh token";

    @TestHTTPResource("/")
    URI base;

    @Test
    void loginReturnsTokensAndObjectIdShapedIds() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, PASSWORD);
        given().contentType(ContentType.JSON).body(Map.of("username", email, "password", PASSWORD))
                .post(PROVIDERS + "/local-userpass/login")
                .then().statusCode(200)
                .header("Content-Type", "application/json")
                .body("access_token", matchesPattern("[\\w-]+\\.[\\w-]+\\.[\\w-]+"))
                .body("refresh_token", matchesPattern("[\\w-]+\\.[\\w-]+\\.[\\w-]+"))
                .body("user_id", matchesPattern(HEX24))
                .body("device_id", matchesPattern(HEX24));
    }

    @Test
    void tokensNameTheirTypeUserSessionAndDevice() {
        Tokens user = TestUsers.registered();
        JsonNode access = TokenParts.payload(user.accessToken());
        JsonNode refresh = TokenParts.payload(user.refreshToken());

        assertEquals("ES256", TokenParts.header(user.accessToken()).get("alg").asText());
        assertEquals("HS256", TokenParts.header(user.refreshToken()).get("alg").asText());
        assertEquals("access", access.get("typ").asText());
        assertEquals("refresh", refresh.get("typ").asText());
        for (JsonNode claims : new JsonNode[] { access, refresh }) {
            assertEquals("latchkey", claims.get("iss").asText());
            assertEquals(user.userId(), claims.get("sub").asText());
            assertEquals(TestUsers.APP, claims.get("aud").asText());
            assertEquals(user.deviceId(), claims.get("baas_device_id").asText());
            assertTrue(claims.get("iat").isNumber() && claims.get("exp").isNumber(), claims.toString());
        }
        assertEquals(access.get("sid"), refresh.get("sid"));
        assertEquals(1800, access.get("exp").asLong() - access.get("iat").asLong());
        assertEquals(60L * 24 * 3600, refresh.get("exp").asLong() - refresh.get("iat").asLong());
        assertTrue(access.get("user_data").isObject() && access.get("user_data").isEmpty(), access.toString());
    }

    @Test
    void deviceIdSentAsObjectIdIsEchoed() {
        String deviceId = ObjectIds.next();
        Tokens user = TestUsers.login("anon-user", Map.of("options", Map.of("device", Map.of("deviceId", Map.of("$oid", deviceId)))));

        assertEquals(deviceId, user.deviceId());
        assertEquals(deviceId, TokenParts.payload(user.accessToken()).get("baas_device_id").asText());
    }

    @Test
    void deviceIdSentAsPlainStringIsEchoed() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, PASSWORD);
        String deviceId = ObjectIds.next();
        Tokens user = TestUsers.login("local-userpass",
                Map.of("username", email, "password", PASSWORD, "options", Map.of("device", Map.of("deviceId", deviceId))));

        assertEquals(deviceId, user.deviceId());
        assertEquals(deviceId, TokenParts.payload(user.refreshToken()).get("baas_device_id").asText());
    }

    @Test
    void withoutAUsableDeviceIdEachLoginGetsANewOne() {
        String first = TestUsers.anonymous().deviceId();
        String second = TestUsers.login("anon-user", Map.of("options", Map.of("device", Map.of())))
                .deviceId();
        String third = TestUsers.login("anon-user", Map.of("options", Map.of("device", Map.of("deviceId", "not-an-id"))))
                .deviceId();

        assertTrue(first.matches(HEX24) && second.matches(HEX24) && third.matches(HEX24));
        assertNotEquals(first, second);
        assertNotEquals(second, third);
        assertNotEquals("not-an-id", third);
    }

    @Test
    void refreshGivesANewAccessTokenForTheSameSessionAndDevice() {
        Tokens user = TestUsers.registered();

        Response response = given().header("Authorization", user.bearerRefresh()).post(SESSION);
        response.then().statusCode(201)
                .header("Content-Type", "application/json")
                .body("size()", equalTo(1));
        String accessToken = response.jsonPath().getString("access_token");

        JsonNode fresh = TokenParts.payload(accessToken);
        JsonNode original = TokenParts.payload(user.accessToken());
        assertEquals("access", fresh.get("typ").asText());
        assertEquals(original.get("sid"), fresh.get("sid"));
        assertEquals(user.deviceId(), fresh.get("baas_device_id").asText());
        assertEquals(user.userId(), fresh.get("sub").asText());
        given().header("Authorization", "Bearer " + accessToken).get(PROFILE)
                .then().statusCode(200)
                .body("user_id", equalTo(user.userId()));
    }

    @Test
    void refreshTokenIsNotRotated() {
        Tokens user = TestUsers.registered();

        for (int i = 0; i < 3; i++) {
            given().header("Authorization", user.bearerRefresh()).post(SESSION)
                    .then().statusCode(201);
        }
    }

    @Test
    void logoutAnswers204WithoutBodyOrContentType() {
        Tokens user = TestUsers.registered();

        Response response = given().header("Authorization", user.bearerRefresh()).delete(SESSION);

        assertEquals(204, response.statusCode());
        assertNull(response.getHeader("Content-Type"));
        assertEquals("", response.asString());
    }

    @Test
    void afterLogoutTheRefreshTokenFindsNoSession() {
        Tokens user = TestUsers.registered();
        given().header("Authorization", user.bearerRefresh()).delete(SESSION).then().statusCode(204);

        given().header("Authorization", user.bearerRefresh()).post(SESSION)
                .then().statusCode(401)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("InvalidSession"))
                .body("error", equalTo(FAILED_TO_FIND));
        given().header("Authorization", user.bearerRefresh()).delete(SESSION)
                .then().statusCode(401)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("InvalidSession"))
                .body("error", equalTo(FAILED_TO_FIND));
    }

    @Test
    void afterLogoutTheAccessTokenIsRefused() {
        Tokens user = TestUsers.registered();
        given().header("Authorization", user.bearerAccess()).get(PROFILE).then().statusCode(200);
        given().header("Authorization", user.bearerRefresh()).delete(SESSION).then().statusCode(204);

        given().header("Authorization", user.bearerAccess()).get(PROFILE)
                .then().statusCode(401)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("InvalidSession"))
                .body("error", matchesPattern("invalid session.*"));
    }

    @Test
    void logoutEndsOnlyItsOwnSession() {
        String email = TestUsers.newEmail();
        TestUsers.register(email, PASSWORD);
        Tokens phone = TestUsers.logIn(email, PASSWORD);
        Tokens laptop = TestUsers.logIn(email, PASSWORD);

        given().header("Authorization", phone.bearerRefresh()).delete(SESSION).then().statusCode(204);

        given().header("Authorization", laptop.bearerRefresh()).post(SESSION).then().statusCode(201);
        given().header("Authorization", laptop.bearerAccess()).get(PROFILE).then().statusCode(200);
    }

    @Test
    void accessTokenCannotLogOut() {
        Tokens user = TestUsers.registered();

        given().header("Authorization", user.bearerAccess()).delete(SESSION)
                .then().statusCode(401)
                .body("error_code", equalTo("InvalidSession"));
        given().header("Authorization", user.bearerRefresh()).post(SESSION).then().statusCode(201);
    }

    @Test
    void realmCoreRefreshAndLogoutWithJsonContentTypeAndEmptyBody() {
        Tokens user = TestUsers.registered();
        RealmCoreClient client = new RealmCoreClient(base);

        HttpResponse<String> refreshed = client.send("POST", SESSION, user.refreshToken(), null);
        assertEquals(201, refreshed.statusCode(), refreshed.body());
        assertEquals("application/json", refreshed.headers().firstValue("Content-Type").orElse(null));
        assertTrue(refreshed.body().contains("\"access_token\""), refreshed.body());

        HttpResponse<String> loggedOut = client.send("DELETE", SESSION, user.refreshToken(), null);
        assertEquals(204, loggedOut.statusCode(), loggedOut.body());
        assertTrue(loggedOut.headers().firstValue("Content-Type").isEmpty());
        assertEquals("", loggedOut.body());

        HttpResponse<String> again = client.send("DELETE", SESSION, user.refreshToken(), null);
        assertEquals(401, again.statusCode());
        assertEquals("application/json", again.headers().firstValue("Content-Type").orElse(null));
        assertTrue(again.body().contains(FAILED_TO_FIND), again.body());
    }

    @Test
    void realmCoreEmptyBearerAfterLogoutIsAnInvalidSession() {
        for (String method : new String[] { "POST", "DELETE" }) {
            given().header("Authorization", "Bearer ")
                    .contentType(RealmCoreClient.CONTENT_TYPE)
                    .request(method, SESSION)
                    .then().statusCode(401)
                    .header("Content-Type", "application/json")
                    .body("error_code", equalTo("InvalidSession"));
        }
    }
}
