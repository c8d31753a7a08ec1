package dev.latchkey.admin;

import jakarta.enterprise.context.RequestScoped;

import dev.latchkey.audit.Actor;

/** The operator of the current admin request, set by {@link AdminFilter}. */
@RequestScoped
public class AdminCaller {

    private String keyId;

    void set(String keyId) {
        this.keyId = keyId;
    }

    /** The operator acting in an app (or in none: {@code null}), for audit events. */
    public Actor in(String appId) {
        if (keyId == null) {
            throw new IllegalStateException("not an admin request");
        }
        return Actor.admin(appId, keyId);
    }
}
