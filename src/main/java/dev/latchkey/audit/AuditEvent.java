package dev.latchkey.audit;

import java.util.Map;

/**
 * One security event (SPEC section 9): what happened, to whom, by whom, from where, and how it
 * ended. {@code detail} holds small facts (provider, names, URLs), never a key value, token or password.
 */
public record AuditEvent(String type, String appId, String userId, String apiKeyId, String sessionId, String actor,
        String address, String outcome, Map<String, Object> detail) {

    public static final String SUCCESS = "success";
    public static final String FAILURE = "failure";
    public static final String REFUSED = "refused";

    /** A successful event of this type in this app, by the system until said otherwise. */
    public static AuditEvent of(String type, String appId) {
        return new AuditEvent(type, appId, null, null, null, "system", null, SUCCESS, Map.of());
    }

    public AuditEvent user(String id) {
        return new AuditEvent(type, appId, id, apiKeyId, sessionId, actor, address, outcome, detail);
    }

    public AuditEvent apiKey(String id) {
        return new AuditEvent(type, appId, userId, id, sessionId, actor, address, outcome, detail);
    }

    public AuditEvent session(String id) {
        return new AuditEvent(type, appId, userId, apiKeyId, id, actor, address, outcome, detail);
    }

    /** Who did it: {@code user:<id>}, {@code admin:<key id>}, {@code system}. */
    public AuditEvent by(String who) {
        return new AuditEvent(type, appId, userId, apiKeyId, sessionId, who, address, outcome, detail);
    }

    public AuditEvent byUser(String id) {
        return by("user:" + id);
    }

    public AuditEvent from(String clientAddress) {
        return new AuditEvent(type, appId, userId, apiKeyId, sessionId, actor, clientAddress, outcome, detail);
    }

    public AuditEvent outcome(String how) {
        return new AuditEvent(type, appId, userId, apiKeyId, sessionId, actor, address, how, detail);
    }

    public AuditEvent detail(Map<String, Object> facts) {
        return new AuditEvent(type, appId, userId, apiKeyId, sessionId, actor, address, outcome, facts);
    }
}
