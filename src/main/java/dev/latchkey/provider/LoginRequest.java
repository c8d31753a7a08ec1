package dev.latchkey.provider;

import com.fasterxml.jackson.databind.JsonNode;

import dev.latchkey.ObjectIds;

/**
 * A login body of any provider: each reads its own fields. Unknown fields (realm-core sends
 * {@code provider} and device details) are ignored.
 */
public record LoginRequest(String username, String password, String key, String token, Options options) {

    public record Options(Device device) {
    }

    /** realm-web sends {@code deviceId} as {@code {"$oid": "..."}} from the second login on, others as a string. */
    public record Device(JsonNode deviceId) {
    }

    /** The device id the client already has, echoed back, or a new one. */
    public String deviceIdOrNew() {
        JsonNode id = options == null || options.device() == null ? null : options.device().deviceId();
        if (id != null && id.isObject()) {
            id = id.get("$oid");
        }
        String given = id != null && id.isTextual() ? id.asText() : null;
        return ObjectIds.isValid(given) ? given : ObjectIds.next();
    }
}
