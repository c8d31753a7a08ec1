package dev.latchkey.session;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.lang.JoseException;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.error.ApiException;

/**
 * Signs and verifies tokens. Verification pins the algorithm per token type before looking at
 * the signature, so alg=none and algorithm confusion (an HS256 token keyed with the public key)
 * fail like any bad signature. A verified token is remembered until it expires, keyed by its
 * exact text: signature checks (ES256 above all) are the costliest step of an authenticated
 * request, and revocation is still checked against the session row on every request.
 */
@ApplicationScoped
public class TokenService {

    private static final int MAX_CACHED = 100_000;
    private static final String ISSUER = "latchkey";

    private final SigningKeys keys;
    private final LatchkeyConfig config;
    /** Tokens whose signature already verified, by their exact text, until they expire. */
    private final Map<String, TokenClaims> verified = new ConcurrentHashMap<>();

    public TokenService(SigningKeys keys, LatchkeyConfig config) {
        this.keys = keys;
        this.config = config;
    }

    public String accessToken(String userId, String appId, String sessionId, String deviceId) {
        return sign(TokenType.ACCESS, userId, appId, sessionId, deviceId, config.token().accessLifetime().toSeconds());
    }

    public String refreshToken(String userId, String appId, String sessionId, String deviceId) {
        return sign(TokenType.REFRESH, userId, appId, sessionId, deviceId, config.token().refreshLifetime().toSeconds());
    }

    /** The token's claims, or 401 InvalidSession for anything forged, expired or of the wrong type. */
    public TokenClaims verify(String token, TokenType expected) {
        if (token == null || token.isEmpty()) {
            throw ApiException.invalidSession("missing token");
        }
        long now = System.currentTimeMillis() / 1000;
        TokenClaims cached = verified.get(token);
        if (cached != null) {
            if (cached.type() != expected) {
                throw ApiException.invalidSession("wrong token type");
            }
            if (cached.expiresAtSeconds() > now) {
                return cached;
            }
            verified.remove(token);
            throw ApiException.invalidSession("token expired");
        }
        TokenClaims claims = parse(token, expected, now);
        if (verified.size() >= MAX_CACHED) {
            verified.clear();
        }
        verified.put(token, claims);
        return claims;
    }

    private String sign(TokenType type, String userId, String appId, String sessionId, String deviceId, long lifetimeSeconds) {
        JwtClaims claims = new JwtClaims();
        long now = System.currentTimeMillis() / 1000;
        claims.setIssuer(ISSUER);
        claims.setSubject(userId);
        claims.setAudience(appId);
        claims.setIssuedAt(NumericDate.fromSeconds(now));
        claims.setExpirationTime(NumericDate.fromSeconds(now + lifetimeSeconds));
        claims.setClaim("typ", type.claim);
        claims.setClaim("sid", sessionId);
        claims.setClaim("baas_device_id", deviceId);
        if (type == TokenType.ACCESS) {
            claims.setClaim("user_data", Map.of());
        }
        SigningKeys.Signer signer = type == TokenType.ACCESS ? keys.accessSigner() : keys.refreshSigner();
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(signer.key());
        jws.setKeyIdHeaderValue(signer.kid());
        jws.setAlgorithmHeaderValue(type == TokenType.ACCESS ? SigningKeys.ES256 : SigningKeys.HS256);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    private TokenClaims parse(String token, TokenType expected, long now) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            String algorithm = expected == TokenType.ACCESS ? SigningKeys.ES256 : SigningKeys.HS256;
            jws.setAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, algorithm));
            jws.setCompactSerialization(token);
            String kid = jws.getKeyIdHeaderValue();
            java.security.Key key = expected == TokenType.ACCESS ? keys.accessVerifier(kid)
                    : keys.refreshSigner().kid().equals(kid) ? keys.refreshSigner().key() : null;
            if (key == null) {
                throw ApiException.invalidSession("unknown signing key");
            }
            jws.setKey(key);
            if (!jws.verifySignature()) {
                throw ApiException.invalidSession("bad signature");
            }
            JwtClaims claims = JwtClaims.parse(jws.getPayload());
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
}
