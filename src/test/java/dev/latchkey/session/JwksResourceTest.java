package dev.latchkey.session;

import static dev.latchkey.TestUsers.API;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jwt.SignedJWT;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** Other services verify access tokens offline from the JWKS; checked here with Nimbus, not the server's jose4j. */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class JwksResourceTest {

    @Test
    void jwksPublishesTheEs256PublicKey() throws Exception {
        Response response = given().get("/.well-known/jwks.json");
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.getHeader("Content-Type"));

        JWKSet set = JWKSet.parse(response.asString());
        assertFalse(set.getKeys().isEmpty());
        for (JWK jwk : set.getKeys()) {
            assertEquals(KeyType.EC, jwk.getKeyType());
            ECKey key = jwk.toECKey();
            assertEquals(Curve.P_256, key.getCurve());
            assertEquals(JWSAlgorithm.ES256, key.getAlgorithm());
            assertEquals(KeyUse.SIGNATURE, key.getKeyUse());
            assertFalse(key.isPrivate(), "the JWKS must not publish a private key");
            assertNotNull(key.getKeyID());
            assertEquals(key.computeThumbprint().toString(), key.getKeyID(), "kid is the RFC 7638 thumbprint");
        }
        assertFalse(response.asString().contains("\"d\""));
    }

    @Test
    void accessTokenVerifiesAgainstTheJwksWithAnIndependentLibrary() throws Exception {
        Tokens user = TestUsers.registered();
        JWKSet set = JWKSet.parse(given().get("/.well-known/jwks.json").then().statusCode(200).extract().asString());

        SignedJWT jwt = SignedJWT.parse(user.accessToken());
        assertEquals(JWSAlgorithm.ES256, jwt.getHeader().getAlgorithm());
        JWK jwk = set.getKeyByKeyId(jwt.getHeader().getKeyID());
        assertNotNull(jwk, "the token's kid is published");
        assertTrue(jwt.verify(new ECDSAVerifier(jwk.toECKey())));

        Map<String, Object> claims = jwt.getPayload().toJSONObject();
        assertEquals(user.userId(), claims.get("sub"));
        assertEquals(TestUsers.APP, claims.get("aud"));
        assertEquals("access", claims.get("typ"));
        assertEquals("latchkey", claims.get("iss"));
        assertEquals(user.deviceId(), claims.get("baas_device_id"));
        assertInstanceOf(String.class, claims.get("sid"));
        assertTrue(((String) claims.get("sid")).matches("[0-9a-f]{24}"));
        assertEquals(Map.of(), claims.get("user_data"));
        Number iat = assertInstanceOf(Number.class, claims.get("iat"));
        Number exp = assertInstanceOf(Number.class, claims.get("exp"));
        assertEquals(1800, exp.longValue() - iat.longValue());
        long now = System.currentTimeMillis() / 1000;
        assertTrue(Math.abs(iat.longValue() - now) < 60, "iat is now");
    }

    @Test
    void refreshedAccessTokenAlsoVerifies() throws Exception {
        Tokens user = TestUsers.registered();
        String fresh = given().header("Authorization", user.bearerRefresh()).post(API + "/auth/session")
                .then().statusCode(201).extract().path("access_token");
        JWKSet set = JWKSet.parse(given().get("/.well-known/jwks.json").asString());

        SignedJWT jwt = SignedJWT.parse(fresh);
        assertTrue(jwt.verify(new ECDSAVerifier(set.getKeyByKeyId(jwt.getHeader().getKeyID()).toECKey())));
        assertEquals(Map.of(), jwt.getJWTClaimsSet().getJSONObjectClaim("user_data"));
    }

    @Test
    void refreshTokenIsNotVerifiableWithThePublicKeys() throws Exception {
        Tokens user = TestUsers.registered();
        SignedJWT jwt = SignedJWT.parse(user.refreshToken());
        assertEquals(JWSAlgorithm.HS256, jwt.getHeader().getAlgorithm());
        JWKSet set = JWKSet.parse(given().get("/.well-known/jwks.json").asString());
        assertNull(set.getKeyByKeyId(jwt.getHeader().getKeyID()), "the refresh secret is never published");
    }
}
