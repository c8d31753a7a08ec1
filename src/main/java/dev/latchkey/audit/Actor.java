package dev.latchkey.audit;

/** Who makes a change, and in which app: what every audit event of that change carries. */
public record Actor(String appId, String who) {

    public static Actor user(String appId, String userId) {
        return new Actor(appId, "user:" + userId);
    }

    /** An operator, by the id of their admin key ({@code config} for LATCHKEY_ADMIN_KEY). */
    public static Actor admin(String appId, String adminKeyId) {
        return new Actor(appId, "admin:" + adminKeyId);
    }

    public static Actor system(String appId) {
        return new Actor(appId, "system");
    }

    /** An event of this type in the actor's app, by the actor. */
    public AuditEvent event(String type) {
        return AuditEvent.of(type, appId).by(who);
    }
}
