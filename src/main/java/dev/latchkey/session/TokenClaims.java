package dev.latchkey.session;

/** The verified claims Latchkey reads back from its own tokens. */
public record TokenClaims(TokenType type, String userId, String appId, String sessionId, String deviceId,
        long expiresAtSeconds) {
}
