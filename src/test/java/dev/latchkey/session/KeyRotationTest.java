package dev.latchkey.session;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.nimbusds.jose.jwk.JWKSet;

import dev.latchkey.ConfigOverride;
import dev.latchkey.LatchkeyConfig;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestSql;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Rolling the signing keys logs nobody out. The running application started with generated keys;
 * a second {@link SigningKeys} on the same database plays another instance that starts with
 * configured ones (as after a change of LATCHKEY_TOKEN_REFRESH_SECRET / _SIGNING_KEY), then one
 * that starts with other configured ones.
 */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeyRotationTest {

    static final String SECOND_JWK = "{\"kty\":\"EC\",\"crv\":\"P-256\","
            + "\"x\":\"CaSq59OF03TKqLjuQRNlTyVguO2KPxGwk-kJ998wsdg\",\"y\":\"2VV_iczognRPsYP5bOXKn_QBfq0vludJnSRYDBQwUiU\","
            + "\"d\":\"dERS7qLnGFM3qee8x_88ahuGaBndpoXbaET7ExeknwA\"}";

    @Inject
    LatchkeyConfig config;

    @Inject
    Pool pool;

    @Inject
    SigningKeys keys;

    @Test
    @Order(1)
    void tokensOfRetiredKeysKeepWorkingUntilTheyExpireAndNewInstancesAreTrusted() throws Throwable {
        Tokens before = TestUsers.registered();
        String oldAccessKid = TokenParts.header(before.accessToken()).get("kid").asText();

        // Another instance starts with configured keys: it retires the generated ones.
        LatchkeyConfig configured = ConfigOverride.withKeys(config, Map.of(
                "signingKey", Optional.of(SECOND_JWK),
                "refreshSecret", Optional.of("the second refresh secret, over 32 bytes")), Map.of());
        SigningKeys second = new SigningKeys(configured, pool);
        second.onStart(null);
        TokenService secondTokens = new TokenService(second, configured);

        // It accepts what the first instance signed with the keys it has just retired...
        secondTokens.verify(before.refreshToken(), TokenType.REFRESH).await().indefinitely();
        secondTokens.verify(before.accessToken(), TokenType.ACCESS).await().indefinitely();
        // ...and the first instance accepts what the second signs, reading the new keys when it meets their kid.
        var claims = TokenParts.payload(before.refreshToken());
        String newRefresh = secondTokens.refreshToken(before.userId(), TestUsers.APP, claims.get("sid").asText(),
                claims.get("baas_device_id").asText());
        String newAccess = secondTokens.accessToken(before.userId(), TestUsers.APP, claims.get("sid").asText(),
                claims.get("baas_device_id").asText());
        assertNotEquals(TokenParts.header(before.refreshToken()).get("kid"), TokenParts.header(newRefresh).get("kid"));
        given().header("Authorization", "Bearer " + newRefresh).post(TestUsers.API + "/auth/session").then().statusCode(201);
        given().header("Authorization", "Bearer " + newAccess).get(TestUsers.API + "/auth/profile").then().statusCode(200);
        // The old refresh token refreshes too, on both.
        given().header("Authorization", before.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(201);

        // Both access keys are published while tokens of the retired one may be live.
        JWKSet published = JWKSet.parse(given().get("/.well-known/jwks.json").then().extract().asString());
        assertEquals(2, published.getKeys().size());
        assertTrue(published.getKeyByKeyId(oldAccessKid) != null, "the retired key stays published");

        // A third start with yet another refresh secret: the first configured secret is retired too; all three verify.
        LatchkeyConfig third = ConfigOverride.withKeys(config, Map.of(
                "signingKey", Optional.of(SECOND_JWK),
                "refreshSecret", Optional.of("a third refresh secret, also over 32 bytes")), Map.of());
        SigningKeys thirdKeys = new SigningKeys(third, pool);
        thirdKeys.onStart(null);
        TokenService thirdTokens = new TokenService(thirdKeys, third);
        thirdTokens.verify(before.refreshToken(), TokenType.REFRESH).await().indefinitely();
        thirdTokens.verify(newRefresh, TokenType.REFRESH).await().indefinitely();
    }

    /** Last: it deletes the key the running application signs with, as only a 60-day-old retirement would. */
    @Test
    @Order(2)
    void retiredKeysStopVerifyingOnceTheirLastTokenHasExpired() throws Throwable {
        Tokens user = TestUsers.registered();
        LatchkeyConfig configured = ConfigOverride.withKeys(config, Map.of(
                "refreshSecret", Optional.of("another refresh secret of more than 32 bytes")), Map.of());
        new SigningKeys(configured, pool).onStart(null);
        keys.reload().await().indefinitely();
        given().header("Authorization", user.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(201);

        // Pretend the retirement happened longer ago than the refresh lifetime (60 days).
        TestSql.exec("update signing_keys set retired_at = now() - interval '61 days' where retired_at is not null and alg = 'HS256'");
        SigningKeys restarted = new SigningKeys(configured, pool);
        restarted.onStart(null);
        TokenService tokens = new TokenService(restarted, configured);
        boolean refused = false;
        try {
            tokens.verify(user.refreshToken(), TokenType.REFRESH).await().indefinitely();
        } catch (dev.latchkey.error.ApiException e) {
            refused = e.status() == 401;
        }
        assertTrue(refused, "a refresh token of a secret retired over 60 days ago is refused");
        assertFalse(TestSql.count("select count(*) from signing_keys where retired_at < now() - interval '60 days'") > 0,
                "and the secret itself is deleted at start-up");
    }

}
