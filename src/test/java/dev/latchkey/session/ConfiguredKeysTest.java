package dev.latchkey.session;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Keys from configuration on a fresh database: the configured key signs access tokens and is the
 * only one published (nothing is generated), and the configured secret signs refresh tokens.
 */
@QuarkusTest
@TestProfile(ConfiguredKeysTest.Configured.class)
class ConfiguredKeysTest {

    /** A test-only key, fixed so that the profile and the test agree whatever loaded each. */
    static final String CONFIGURED_JWK = "{\"kty\":\"EC\",\"crv\":\"P-256\","
            + "\"x\":\"CaSq59OF03TKqLjuQRNlTyVguO2KPxGwk-kJ998wsdg\",\"y\":\"2VV_iczognRPsYP5bOXKn_QBfq0vludJnSRYDBQwUiU\","
            + "\"d\":\"dERS7qLnGFM3qee8x_88ahuGaBndpoXbaET7ExeknwA\"}";

    public static class Configured implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "latchkey.token.signing-key", CONFIGURED_JWK,
                    "latchkey.token.refresh-secret", "a-refresh-secret-of-at-least-32-bytes!!");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestDatabase.class));
        }
    }

    @Test
    void configuredKeysSignAndOnlyTheConfiguredKeyIsPublished() throws Exception {
        JWKSet published = JWKSet.parse(given().get("/.well-known/jwks.json").then().statusCode(200).extract().asString());
        assertEquals(1, published.getKeys().size(), "no key is generated when one is configured");

        TestUsers.Tokens user = TestUsers.registered();
        SignedJWT access = SignedJWT.parse(user.accessToken());
        String configuredKid = ECKey.parse(CONFIGURED_JWK).computeThumbprint().toString();
        assertEquals(configuredKid, access.getHeader().getKeyID());
        assertEquals(true, access.verify(new ECDSAVerifier(published.getKeyByKeyId(configuredKid).toECKey())));

        SignedJWT refresh = SignedJWT.parse(user.refreshToken());
        assertEquals(true, refresh.getHeader().getKeyID().startsWith("hs-"), "a kid derived from the secret's hash");
        given().header("Authorization", user.bearerRefresh()).post(TestUsers.API + "/auth/session").then().statusCode(201);
    }
}
