package dev.latchkey.customtoken;

import static io.restassured.RestAssured.given;

import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.latchkey.ObjectIds;
import dev.latchkey.TestDatabase;
import dev.latchkey.TestUsers;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Apps with the custom-token provider, and tokens of their identity providers, made in tests. */
public final class CustomTokens {

    /** The bootstrap app's HS256 secrets (the profile below): either one signs valid tokens. */
    public static final String SECRET = "first-secret-of-at-least-32-characters";
    public static final String ROTATED_SECRET = "second-secret-of-at-least-32-characters";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Short JWKS intervals so refetch rules show within a test; the bootstrap app also takes
     * HS256 custom tokens (for linking to its users).
     */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "latchkey.custom-token.jwks-refresh", "2s",
                    "latchkey.custom-token.jwks-min-interval", "1s",
                    "latchkey.custom-token.jwks-timeout", "1s",
                    "latchkey.bootstrap.settings", "{\"providers\": {\"custom-token\": {\"enabled\": true, "
                            + "\"signing_algorithm\": \"HS256\", \"signing_keys\": [\"" + SECRET + "\", \"" + ROTATED_SECRET + "\"], "
                            + "\"metadata_fields\": [{\"name\": \"name\"}]}}}");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestDatabase.class));
        }
    }

    private CustomTokens() {
    }

    /** A new app whose custom-token settings are this JSON object (enabled added); its id. */
    public static String app(String customTokenJson) {
        return appWithSettings("{\"providers\": {\"anon-user\": {\"enabled\": true}, \"api-key\": {\"enabled\": true}, "
                + "\"custom-token\": " + customTokenJson.replaceFirst("\\{", "{\"enabled\": true, ") + "}}");
    }

    /** A new app with exactly these settings (the admin API's app object without its id); its id. */
    public static String appWithSettings(String settings) {
        String id = "ct-" + UUID.randomUUID().toString().substring(0, 8);
        String database = ConfigProvider.getConfig().getValue("test.database.name", String.class);
        try (Connection c = TestDatabase.connect(database);
                PreparedStatement s = c.prepareStatement("insert into apps (id, domain_id, settings) values (?, ?, ?::jsonb)")) {
            s.setString(1, id);
            s.setString(2, ObjectIds.next());
            s.setString(3, settings);
            s.executeUpdate();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return id;
    }

    public static String jwksApp(String algorithm, String jwksUri) {
        return app("{\"signing_algorithm\": \"" + algorithm + "\", \"jwks_uri\": \"" + jwksUri + "\"}");
    }

    /** Claims valid for the app now: sub, aud, iat, exp in 5 minutes. */
    public static Map<String, Object> claims(String sub, Object aud) {
        long now = System.currentTimeMillis() / 1000;
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", sub);
        claims.put("aud", aud);
        claims.put("iat", now);
        claims.put("exp", now + 300);
        return claims;
    }

    public static String newSub() {
        return "user|" + UUID.randomUUID();
    }

    public static String hs256(String secret, Map<String, Object> claims) {
        return sign("HS256", new HmacKey(secret.getBytes(StandardCharsets.UTF_8)), null, claims, Map.of());
    }

    /** A compact JWS of these claims; {@code headers} are added as given (jku, x5u, ...). */
    public static String sign(String algorithm, Key key, String kid, Map<String, Object> claims, Map<String, Object> headers) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(JSON.writeValueAsString(claims));
            jws.setAlgorithmHeaderValue(algorithm);
            jws.setAlgorithmConstraints(AlgorithmConstraints.NO_CONSTRAINTS);
            jws.setDoKeyValidation(false);
            if (kid != null) {
                jws.setKeyIdHeaderValue(kid);
            }
            headers.forEach(jws::setHeader);
            jws.setKey(key);
            return jws.getCompactSerialization();
        } catch (JoseException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An unsigned token ({@code alg: none}). */
    public static String unsigned(Map<String, Object> claims) {
        return sign("none", null, null, claims, Map.of());
    }

    /** A token with the given header whose signature is an HMAC-SHA256 keyed with {@code keyBytes} (a public key, say). */
    public static String hmacSigned(Map<String, Object> header, byte[] keyBytes, Map<String, Object> claims) {
        try {
            String signingInput = encode(JSON.writeValueAsBytes(header)) + "." + encode(JSON.writeValueAsBytes(claims));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(keyBytes, "HmacSHA256"));
            return signingInput + "." + encode(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encode(byte[] bytes) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static Response login(String appId, String token) {
        return given().contentType(ContentType.JSON).body(Map.of("token", token))
                .post(TestUsers.API + "/app/" + appId + "/auth/providers/custom-token/login");
    }

    public static Response link(String appId, String bearerAccess, String token) {
        return given().header("Authorization", bearerAccess).contentType(ContentType.JSON).body(Map.of("token", token))
                .post(TestUsers.API + "/app/" + appId + "/auth/providers/custom-token/login?link=true");
    }
}
