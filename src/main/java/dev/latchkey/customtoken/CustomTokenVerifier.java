package dev.latchkey.customtoken;

import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.latchkey.app.App;
import dev.latchkey.app.AppSettings;
import dev.latchkey.error.ApiException;
import io.smallrye.mutiny.Uni;

/**
 * Checks a token from an app's own identity provider (SPEC section 8) and reads who it names.
 * The algorithm is the app's, never the token's: {@code none}, or an HS256 token keyed with a
 * public key, is refused before any key is looked at. Keys come only from the app's settings
 * (HS256 secrets) or its {@code jwks_uri}; {@code jku}, {@code x5u}, {@code jwk} and {@code x5c}
 * headers are never read. The signature is checked before any claim, so a forged token learns
 * nothing about the rules. HMAC, RSA and EC checks are cheap enough for the event loop.
 */
@ApplicationScoped
public class CustomTokenVerifier {

    /** Longer tokens are refused before they are parsed. */
    public static final int MAX_TOKEN_CHARS = 2048;
    static final int MAX_SUBJECT_CHARS = 255;
    /** Metadata copied into the profile, as compact JSON: a few fields can copy one claim many times. */
    static final int MAX_METADATA_BYTES = 4096;
    static final long SKEW_SECONDS = 60;
    static final String HS256 = "HS256";
    private static final Set<String> ALGORITHMS = Set.of(HS256, "RS256", "ES256");

    private final JwksKeys jwks;
    private final ObjectMapper json;

    public CustomTokenVerifier(JwksKeys jwks, ObjectMapper json) {
        this.jwks = jwks;
        this.json = json;
    }

    /** The token's subject and metadata; 401 AuthError for any token that fails a rule, 503 when the provider's keys cannot be had. */
    public Uni<VerifiedToken> verify(App app, String token) {
        AppSettings.CustomToken settings = app.settings().customToken();
        if (token.length() > MAX_TOKEN_CHARS) {
            throw invalid("token too long");
        }
        String algorithm = settings == null ? null : settings.signingAlgorithm();
        JsonWebSignature jws = parse(token, algorithm);
        Uni<List<Key>> keys = HS256.equals(algorithm)
                ? Uni.createFrom().item(() -> settings.signingKeys().stream()
                        .<Key>map(secret -> new HmacKey(secret.getBytes(StandardCharsets.UTF_8))).toList())
                : jwks.candidates(app.id(), settings.jwksUri(), jws)
                        .map(found -> found.stream().map(JsonWebKey::getKey).toList());
        return keys.map(candidates -> {
            for (Key key : candidates) {
                if (signedWith(token, algorithm, key)) {
                    return read(app, settings, jws);
                }
            }
            throw invalid("bad signature");
        });
    }

    static ApiException invalid(String reason) {
        return new ApiException(401, "AuthError", "invalid custom auth token: " + reason);
    }

    private static JsonWebSignature parse(String token, String algorithm) {
        JsonWebSignature jws = new JsonWebSignature();
        String given;
        try {
            jws.setCompactSerialization(token);
            given = jws.getAlgorithmHeaderValue();
        } catch (JoseException | RuntimeException e) {
            throw invalid("malformed token");
        }
        if (!ALGORITHMS.contains(String.valueOf(algorithm)) || !algorithm.equals(given)) {
            throw invalid("unexpected signing algorithm");
        }
        return jws;
    }

    /** A fresh parse per key, so no verdict of an earlier key carries over. */
    private static boolean signedWith(String token, String algorithm, Key key) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, algorithm));
            jws.setCompactSerialization(token);
            jws.setKey(key);
            return jws.verifySignature();
        } catch (JoseException | RuntimeException e) {
            return false;
        }
    }

    private VerifiedToken read(App app, AppSettings.CustomToken settings, JsonWebSignature jws) {
        JwtClaims claims;
        try {
            claims = JwtClaims.parse(jws.getUnverifiedPayload());
        } catch (InvalidJwtException | RuntimeException e) {
            throw invalid("malformed token");
        }
        try {
            checkTimes(claims);
            checkAudience(app, settings, claims.getAudience());
            String subject = claims.getSubject();
            if (subject == null || subject.isEmpty()) {
                throw invalid("missing sub");
            }
            if (subject.length() > MAX_SUBJECT_CHARS || !clean(subject)) {
                throw invalid("invalid sub");
            }
            return new VerifiedToken(subject, metadata(settings, claims.getClaimsMap()));
        } catch (MalformedClaimException e) {
            throw invalid("malformed claims");
        }
    }

    private static void checkTimes(JwtClaims claims) throws MalformedClaimException {
        long now = System.currentTimeMillis() / 1000;
        NumericDate expires = claims.getExpirationTime();
        if (expires == null) {
            throw invalid("missing exp");
        }
        if (expires.getValue() <= now - SKEW_SECONDS) {
            throw invalid("token expired");
        }
        NumericDate notBefore = claims.getNotBefore();
        if (notBefore != null && notBefore.getValue() > now + SKEW_SECONDS) {
            throw invalid("token not yet valid");
        }
        NumericDate issuedAt = claims.getIssuedAt();
        if (issuedAt != null && issuedAt.getValue() > now + SKEW_SECONDS) {
            throw invalid("token issued in the future");
        }
    }

    /**
     * With no audience configured, {@code aud} must name the app (as App Services did). With a list,
     * it must hold every entry, or with {@code require_any_audience} at least one (App Services'
     * "All of these audiences" and "Any one of these audiences").
     */
    private static void checkAudience(App app, AppSettings.CustomToken settings, List<String> aud) {
        List<String> given = aud == null ? List.of() : aud;
        List<String> expected = settings.audience();
        boolean matches;
        if (expected == null || expected.isEmpty()) {
            matches = given.contains(app.id());
        } else if (Boolean.TRUE.equals(settings.requireAnyAudience())) {
            matches = expected.stream().anyMatch(given::contains);
        } else {
            matches = given.containsAll(expected);
        }
        if (!matches) {
            throw invalid("audience mismatch");
        }
    }

    /** The configured claims as the profile's data, as compact JSON; 401 when a required one is missing. */
    private String metadata(AppSettings.CustomToken settings, Map<String, Object> claims) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (AppSettings.MetadataField field : settings.metadataFields() == null ? List.<AppSettings.MetadataField>of()
                : settings.metadataFields()) {
            Object value = claim(claims, field.name());
            if (value == null) {
                if (field.mandatory()) {
                    throw invalid("required metadata field '" + field.name() + "' is missing");
                }
                continue;
            }
            if (!clean(value)) {
                throw invalid("invalid metadata");
            }
            data.put(field.profileField(), value);
        }
        String text;
        try {
            text = json.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw invalid("invalid metadata");
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_METADATA_BYTES) {
            throw invalid("metadata too large");
        }
        return text;
    }

    /** A top-level claim of exactly that name (namespaced claims are URLs, dots included), else the dotted path into nested objects. */
    static Object claim(Map<String, Object> claims, String name) {
        if (claims.containsKey(name)) {
            return claims.get(name);
        }
        Object node = claims;
        for (String part : name.split("\\.", -1)) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(part);
        }
        return node;
    }

    /** No NUL and no lone surrogate anywhere: PostgreSQL stores neither, and they are no one's name. */
    static boolean clean(Object value) {
        if (value instanceof String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == 0 || Character.isLowSurrogate(c)) {
                    return false;
                }
                if (Character.isHighSurrogate(c)) {
                    if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                        return false;
                    }
                    i++;
                }
            }
            return true;
        }
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().allMatch(e -> clean(e.getKey()) && clean(e.getValue()));
        }
        if (value instanceof List<?> list) {
            return list.stream().allMatch(CustomTokenVerifier::clean);
        }
        return true;
    }
}
