package dev.latchkey.session;

/** What a token's session row says about its caller, read in one query per request. */
public record LiveSession(String sessionId, String userId, String appId, String userType, String providerType,
        String apiKeyId, String deviceId) {
}
