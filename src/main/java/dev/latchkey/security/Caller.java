package dev.latchkey.security;

import dev.latchkey.session.TokenType;

/** Who is calling: resolved once per request from a verified token and its live session. */
public record Caller(String userId, String appId, String sessionId, String deviceId, String providerType,
        String apiKeyId, String userType, TokenType tokenType) {

    public boolean anonymous() {
        return "anonymous".equals(userType);
    }

    public boolean loggedInWithApiKey() {
        return apiKeyId != null || "api-key".equals(providerType);
    }
}
