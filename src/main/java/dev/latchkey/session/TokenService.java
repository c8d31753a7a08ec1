package dev.latchkey.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.function.UnaryOperator;

import jakarta.enterprise.context.ApplicationScoped;

import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.lang.JoseException;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import dev.latchkey.Hmac;
import dev.latchkey.LatchkeyConfig;
import dev.latchkey.error.ApiException;
import io.smallrye.mutiny.Uni;

/**
 * Signs and verifies tokens. Verification pins the algorithm per token type before looking at
 * the signature, so alg=none and algorithm confusion (an HS256 token keyed with the public key)
 * fail like any bad signature. A verified token is remembered until it expires, keyed by the
 * SHA-256 of its text: signature checks (ES256 above all) are the costliest step of an
 * authenticated request, and revocation is still checked against the session on every request.
 * The cache is bounded (Caffeine's admission policy keeps tokens in use over a flood of tokens
 * presented once), and every entry leaves it when its token expires.
 */
@ApplicationScoped
public class TokenService {

    private static final String ISSUER = "latchkey";
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final JsonFactory JSON = new JsonFactory();
    /** 64 bytes of r || s, unpadded base64url. */
    private static final int ES256_SIGNATURE_CHARS = 86;

    private final SigningKeys keys;
    private final LatchkeyConfig config;
    /** Claims of tokens whose signature already verified, by the SHA-256 of the token, until they expire. */
    private final Cache<ByteBuffer, TokenClaims> verified;

    public TokenService(SigningKeys keys, LatchkeyConfig config) {
        this(keys, config, null);
    }

    @jakarta.inject.Inject
    public TokenService(SigningKeys keys, LatchkeyConfig config, io.micrometer.core.instrument.MeterRegistry metrics) {
        this.keys = keys;
        this.config = config;
        this.verified = Caffeine.newBuilder()
                .recordStats()
                .maximumSize(config.token().verifiedCacheSize())
                .expireAfter(new Expiry<ByteBuffer, TokenClaims>() {
                    @Override
                    public long expireAfterCreate(ByteBuffer key, TokenClaims claims, long now) {
                        long left = claims.expiresAtSeconds() * 1000 - System.currentTimeMillis();
                        return Duration.ofMillis(Math.max(0, left)).toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(ByteBuffer key, TokenClaims claims, long now, long current) {
                        return current;
                    }

                    @Override
                    public long expireAfterRead(ByteBuffer key, TokenClaims claims, long now, long current) {
                        return current;
                    }
                })
                .build();
        if (metrics != null) {
            io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics.monitor(metrics, verified, "verified-tokens");
        }
    }

    public String accessToken(String userId, String appId, String sessionId, String deviceId) {
        return sign(TokenType.ACCESS, userId, appId, sessionId, deviceId, config.token().accessLifetime().toSeconds());
    }

    public String refreshToken(String userId, String appId, String sessionId, String deviceId) {
        return sign(TokenType.REFRESH, userId, appId, sessionId, deviceId, config.token().refreshLifetime().toSeconds());
    }

    /**
     * The token's claims, or 401 InvalidSession for anything forged, expired or of the wrong type.
     * A kid this instance does not know (another instance started with a new key) makes it read
     * the keys again once before refusing.
     */
    public Uni<TokenClaims> verify(String token, TokenType expected) {
        if (token == null || token.isEmpty()) {
            throw ApiException.invalidSession("missing token");
        }
        long now = System.currentTimeMillis() / 1000;
        ByteBuffer cacheKey = ByteBuffer.wrap(sha256(token));
        TokenClaims cached = verified.getIfPresent(cacheKey);
        if (cached != null) {
            if (cached.type() != expected) {
                throw ApiException.invalidSession("wrong token type");
            }
            if (cached.expiresAtSeconds() <= now) {
                throw ApiException.invalidSession("token expired");
            }
            return Uni.createFrom().item(cached);
        }
        TokenClaims claims = parse(token, expected, now);
        if (claims != null) {
            verified.put(cacheKey, claims);
            return Uni.createFrom().item(claims);
        }
        return keys.reloadForUnknownKid().map(reloaded -> {
            TokenClaims again = parse(token, expected, System.currentTimeMillis() / 1000);
            if (again == null) {
                throw ApiException.invalidSession("unknown signing key");
            }
            verified.put(cacheKey, again);
            return again;
        });
    }

    /** Tokens remembered now; for tests and metrics. */
    public long cachedTokens() {
        verified.cleanUp();
        return verified.estimatedSize();
    }

    private String sign(TokenType type, String userId, String appId, String sessionId, String deviceId, long lifetimeSeconds) {
        byte[] claims = claimsJson(type, userId, appId, sessionId, deviceId, System.currentTimeMillis() / 1000, lifetimeSeconds);
        if (type == TokenType.ACCESS) {
            SigningKeys.Signer signer = keys.accessSigner();
            return compact(signer.kid(), SigningKeys.ES256, claims, signer.ecdsa()::sign);
        }
        SigningKeys.Signer signer = keys.refreshSigner();
        return compact(signer.kid(), SigningKeys.HS256, claims, input -> Hmac.sha256(signer.key(), input));
    }

    /**
     * The claims, in the order and form jose4j's {@code JwtClaims} wrote them (one audience is a
     * string), written by Jackson's streaming generator: jose4j's JSON (a {@code StringBuffer} per
     * value, escaping char by char) was a fifth of what a login allocated (JFR).
     */
    static byte[] claimsJson(TokenType type, String userId, String appId, String sessionId, String deviceId, long now,
            long lifetimeSeconds) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("iss", ISSUER);
            json.writeStringField("sub", userId);
            json.writeStringField("aud", appId);
            json.writeNumberField("iat", now);
            json.writeNumberField("exp", now + lifetimeSeconds);
            json.writeStringField("typ", type.claim);
            json.writeStringField("sid", sessionId);
            json.writeStringField("baas_device_id", deviceId);
            if (type == TokenType.ACCESS) {
                json.writeObjectFieldStart("user_data");
                json.writeEndObject();
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * The compact JWS, built here rather than through jose4j: the access token signed by
     * {@link Es256} (the JDK's provider is six times slower on JDK 17), the refresh token by the
     * JDK's HMAC (jose4j's own base64 and JSON cost more than the MAC).
     */
    private static String compact(String kid, String alg, byte[] payload, UnaryOperator<byte[]> signature) {
        String header = "{\"kid\":\"" + kid + "\",\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}";
        String signingInput = BASE64URL.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + BASE64URL.encodeToString(payload);
        return signingInput + "." + BASE64URL.encodeToString(signature.apply(signingInput.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The verified claims; null when no key this instance knows could have signed it; 401 for anything else wrong. */
    private TokenClaims parse(String token, TokenType expected, long now) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            String algorithm = expected == TokenType.ACCESS ? SigningKeys.ES256 : SigningKeys.HS256;
            jws.setAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, algorithm));
            jws.setCompactSerialization(token);
            if (!verifySignature(token, jws, expected)) {
                return null;
            }
            JwtClaims claims = JwtClaims.parse(jws.getUnverifiedPayload());
            if (!expected.claim.equals(claims.getClaimValue("typ"))) {
                throw ApiException.invalidSession("wrong token type");
            }
            if (!ISSUER.equals(claims.getIssuer()) || claims.getExpirationTime() == null
                    || claims.getAudience().size() != 1) {
                throw ApiException.invalidSession("malformed token");
            }
            long expiresAt = claims.getExpirationTime().getValue();
            if (expiresAt <= now) {
                throw ApiException.invalidSession("token expired");
            }
            String sessionId = claims.getStringClaimValue("sid");
            if (claims.getSubject() == null || sessionId == null) {
                throw ApiException.invalidSession("malformed token");
            }
            return new TokenClaims(expected, claims.getSubject(), claims.getAudience().get(0), sessionId,
                    claims.getStringClaimValue("baas_device_id"), expiresAt);
        } catch (JoseException | org.jose4j.jwt.consumer.InvalidJwtException | MalformedClaimException
                | IllegalArgumentException | ClassCastException e) {
            throw ApiException.invalidSession("malformed token");
        }
    }

    /**
     * False when no known key matches the kid (it may be new); 401 when a known key refuses the
     * signature. Refresh secrets are few and cheap to try, so a refresh token whose kid names none
     * of them (signed before kids named secrets) is tried against each.
     */
    private boolean verifySignature(String token, JsonWebSignature jws, TokenType expected) throws JoseException {
        String kid = jws.getKeyIdHeaderValue();
        if (expected == TokenType.ACCESS) {
            Es256.Verifying key = keys.accessVerifier(kid);
            if (key == null) {
                return false;
            }
            if (!SigningKeys.ES256.equals(jws.getAlgorithmHeaderValue()) || !key.verify(signingInput(token), signature(token))) {
                throw ApiException.invalidSession("bad signature");
            }
            return true;
        }
        Key named = keys.refreshVerifier(kid);
        if (named != null) {
            jws.setKey(named);
            if (!jws.verifySignature()) {
                throw ApiException.invalidSession("bad signature");
            }
            return true;
        }
        for (Key candidate : keys.refreshVerifiers()) {
            jws.setKey(candidate);
            if (jws.verifySignature()) {
                return true;
            }
        }
        return false;
    }

    /** What the signature covers: the token up to its last dot (jose4j has checked there are three parts). */
    private static byte[] signingInput(String token) {
        return token.substring(0, token.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);
    }

    /** The signature part decoded; null unless it is plain unpadded base64url of 64 bytes. */
    private static byte[] signature(String token) {
        String encoded = token.substring(token.lastIndexOf('.') + 1);
        if (encoded.length() != ES256_SIGNATURE_CHARS) {
            return null;
        }
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return null;
            }
        }
        return Base64.getUrlDecoder().decode(encoded);
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
