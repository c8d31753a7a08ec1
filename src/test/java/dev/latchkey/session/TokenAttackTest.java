package dev.latchkey.session;

import static dev.latchkey.TestUsers.API;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.keys.EllipticCurves;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import dev.latchkey.TestUsers.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Every forged, altered or misused token is a 401 InvalidSession on every authenticated route,
 * never a 5xx and never a caller. Forgeries start from a real user's real tokens, so a token that
 * got through would act as that user.
 */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class TokenAttackTest {

    record Route(String method, String path, String body) {
    }

    static final List<Route> AUTHENTICATED_ROUTES = List.of(
            new Route("GET", API + "/auth/profile", null),
            new Route("POST", API + "/auth/session", null),
            new Route("DELETE", API + "/auth/session", null),
            new Route("GET", API + "/auth/api_keys", null),
            new Route("POST", API + "/auth/api_keys", "{\"name\":\"forged\"}"),
            new Route("GET", API + "/auth/api_keys/0123456789abcdef01234567", null),
            new Route("DELETE", API + "/auth/delete", null));

    Tokens user;
    Tokens otherUser;

    @BeforeEach
    void logIn() {
        user = TestUsers.registered();
        otherUser = TestUsers.registered();
    }

    @Test
    void missingAuthorizationIsRefused() {
        refusedEverywhere("no header", null);
    }

    @Test
    void emptyOrNonBearerAuthorizationIsRefused() {
        refusedEverywhere("empty bearer", "Bearer ");
        refusedEverywhere("bare scheme", "Bearer");
        refusedEverywhere("basic", "Basic " + Base64.getEncoder().encodeToString("a:b".getBytes(StandardCharsets.UTF_8)));
        refusedEverywhere("token without scheme", user.accessToken());
    }

    @Test
    void garbageIsRefused() {
        for (String garbage : List.of("garbage", "a.b.c", "..", "...", "e30.e30.", "eyJhbGciOiJFUzI1NiJ9.%%%.@@@",
                TokenParts.encode("[1,2]") + "." + TokenParts.encode("\"text\"") + ".c2ln",
                user.accessToken() + "x", user.refreshToken().substring(0, user.refreshToken().length() - 3))) {
            refusedEverywhere("garbage " + garbage, "Bearer " + garbage);
        }
    }

    @Test
    void unsignedAlgNoneIsRefused() {
        for (String token : List.of(user.accessToken(), user.refreshToken())) {
            String kid = TokenParts.header(token).get("kid").asText();
            for (String header : List.of("{\"alg\":\"none\"}", "{\"alg\":\"none\",\"typ\":\"JWT\"}", "{\"alg\":\"None\"}",
                    "{\"alg\":\"NONE\"}", "{\"alg\":\"none\",\"kid\":\"" + kid + "\"}")) {
                refusedEverywhere("alg none " + header,
                        "Bearer " + TokenParts.encode(header) + "." + token.split("\\.")[1] + ".");
            }
        }
    }

    /** The classic confusion: HS256 "signed" with the public key a verifier might use as an HMAC secret. */
    @Test
    void hs256SignedWithThePublishedPublicKeyIsRefused() throws Exception {
        String jwks = given().get("/.well-known/jwks.json").then().statusCode(200).extract().asString();
        JsonWebKey jwk = new JsonWebKeySet(jwks).getJsonWebKeys().get(0);
        PublicKey publicKey = ((PublicJsonWebKey) jwk).getPublicKey();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(publicKey.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        List<byte[]> secrets = List.of(publicKey.getEncoded(), pem.getBytes(StandardCharsets.US_ASCII),
                jwk.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY).getBytes(StandardCharsets.UTF_8),
                jwks.getBytes(StandardCharsets.UTF_8));
        List<String> headers = List.of(
                "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + jwk.getKeyId() + "\"}",
                "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + TokenParts.header(user.refreshToken()).get("kid").asText() + "\"}",
                "{\"alg\":\"HS256\",\"typ\":\"JWT\"}");

        for (String token : List.of(user.accessToken(), user.refreshToken())) {
            for (byte[] secret : secrets) {
                for (String header : headers) {
                    refusedEverywhere("HS256 with public key, " + header, "Bearer " + hs256(header, TokenParts.payloadJson(token), secret));
                }
            }
        }
    }

    @Test
    void tamperedPayloadWithTheOriginalSignatureIsRefused() {
        for (String token : List.of(user.accessToken(), user.refreshToken())) {
            String[] parts = token.split("\\.");
            String payload = TokenParts.payloadJson(token);
            for (String altered : List.of(payload.replace(user.userId(), otherUser.userId()),
                    withClaim(token, "typ", "access".equals(TokenParts.payload(token).get("typ").asText()) ? "refresh" : "access"),
                    withClaim(token, "exp", TokenParts.payload(token).get("exp").asLong() + 86_400))) {
                refusedEverywhere("tampered " + altered, "Bearer " + parts[0] + "." + TokenParts.encode(altered) + "." + parts[2]);
            }
        }
        stillWorks(otherUser);
    }

    @Test
    void tokenSignedWithAnUnknownKeyIsRefused() throws Exception {
        EllipticCurveJsonWebKey stranger = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        String realKid = TokenParts.header(user.accessToken()).get("kid").asText();
        String refreshKid = TokenParts.header(user.refreshToken()).get("kid").asText();
        byte[] randomSecret = new byte[32];
        new SecureRandom().nextBytes(randomSecret);

        for (String token : List.of(user.accessToken(), user.refreshToken())) {
            String payload = TokenParts.payloadJson(token);
            refusedEverywhere("stranger's kid", "Bearer " + es256(stranger, stranger.calculateBase64urlEncodedThumbprint("SHA-256"), payload));
            refusedEverywhere("real kid, stranger's signature", "Bearer " + es256(stranger, realKid, payload));
            refusedEverywhere("no kid", "Bearer " + es256(stranger, null, payload));
            refusedEverywhere("HS256 with a guessed secret", "Bearer "
                    + hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + refreshKid + "\"}", payload, randomSecret));
        }
    }

    @Test
    void tokenForAnotherAppIsRefused() throws Exception {
        EllipticCurveJsonWebKey testKey = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        for (String token : List.of(user.accessToken(), user.refreshToken())) {
            String payload = withClaim(token, "aud", "other-app");
            refusedEverywhere("aud other-app", "Bearer " + es256(testKey, testKey.calculateBase64urlEncodedThumbprint("SHA-256"), payload));
        }
    }

    @Test
    void expiredTokenIsRefused() throws Exception {
        EllipticCurveJsonWebKey testKey = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        long now = System.currentTimeMillis() / 1000;
        for (String token : List.of(user.accessToken(), user.refreshToken())) {
            ObjectNode claims = ((ObjectNode) TokenParts.payload(token)).put("iat", now - 3600).put("exp", now - 1800);
            refusedEverywhere("expired", "Bearer " + es256(testKey, testKey.calculateBase64urlEncodedThumbprint("SHA-256"), claims.toString()));
        }
    }

    @Test
    void refreshTokenIsNotAnAccessToken() {
        given().header("Authorization", user.bearerRefresh()).get(API + "/auth/profile")
                .then().statusCode(401)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("InvalidSession"));
        given().header("Authorization", user.bearerRefresh()).delete(API + "/auth/delete")
                .then().statusCode(401)
                .body("error_code", equalTo("InvalidSession"));
        stillWorks(user);
    }

    @Test
    void accessTokenIsNotARefreshToken() {
        given().header("Authorization", user.bearerAccess()).post(API + "/auth/session")
                .then().statusCode(401)
                .header("Content-Type", "application/json")
                .body("error_code", equalTo("InvalidSession"));
        given().header("Authorization", user.bearerAccess()).delete(API + "/auth/session")
                .then().statusCode(401)
                .body("error_code", equalTo("InvalidSession"));
        stillWorks(user);
    }

    /** Each refusal must leave the user and their session exactly as they were. */
    private void refusedEverywhere(String what, String authorization) {
        List<String> failures = new ArrayList<>();
        for (Route route : AUTHENTICATED_ROUTES) {
            RequestSpecification request = given();
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            if (route.body() != null) {
                request.contentType(ContentType.JSON).body(route.body());
            }
            Response response = request.request(route.method(), route.path());
            String error = response.statusCode() == 401 ? response.jsonPath().getString("error") : null;
            if (response.statusCode() != 401
                    || !"application/json".equals(response.getHeader("Content-Type"))
                    || !"InvalidSession".equals(response.jsonPath().getString("error_code"))
                    || error == null || !error.startsWith("invalid session")) {
                failures.add(route.method() + " " + route.path() + " -> " + response.statusCode() + " "
                        + response.getHeader("Content-Type") + " " + response.asString());
            }
        }
        assertTrue(failures.isEmpty(), what + ": " + failures);
    }

    private static void stillWorks(Tokens tokens) {
        given().header("Authorization", tokens.bearerAccess()).get(API + "/auth/profile")
                .then().statusCode(200).body("user_id", equalTo(tokens.userId()));
        given().header("Authorization", tokens.bearerRefresh()).post(API + "/auth/session")
                .then().statusCode(201);
    }

    @AfterEach
    void usersSurviveEveryAttack() {
        stillWorks(user);
        stillWorks(otherUser);
        given().header("Authorization", user.bearerRefresh()).get(API + "/auth/api_keys")
                .then().statusCode(200).body("size()", equalTo(0));
    }

    private static String withClaim(String token, String name, Object value) {
        ObjectNode claims = (ObjectNode) TokenParts.payload(token);
        if (value instanceof Long number) {
            claims.put(name, number);
        } else {
            claims.put(name, String.valueOf(value));
        }
        return claims.toString();
    }

    private static String es256(EllipticCurveJsonWebKey key, String kid, String payload) throws Exception {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(payload);
        jws.setKey(key.getPrivateKey());
        if (kid != null) {
            jws.setKeyIdHeaderValue(kid);
        }
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
        jws.setHeader("typ", "JWT");
        return jws.getCompactSerialization();
    }

    private static String hs256(String header, String payload, byte[] secret) {
        try {
            String signingInput = TokenParts.encode(header) + "." + TokenParts.encode(payload);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return signingInput + "." + TokenParts.encode(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
