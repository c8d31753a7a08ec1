package dev.latchkey.provider;

import com.fasterxml.jackson.databind.JsonNode;

import dev.latchkey.ObjectIds;
import dev.latchkey.error.ApiException;
import dev.latchkey.http.StrictJson;

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

    /**
     * The device id the client already has, echoed back, or a new one. It must be a string or
     * {@code {"$oid": string}} when present (400 otherwise); one that is not 24-hex (realm-web's
     * all-zero "none" included) gets a new id.
     */
    public String deviceIdOrNew() {
        JsonNode id = options == null || options.device() == null ? null : options.device().deviceId();
        if (id == null || id.isNull()) {
            return ObjectIds.next();
        }
        if (id.isObject()) {
            id = id.get("$oid");
        }
        if (id == null || !id.isTextual() || !StrictJson.isText(id.asText())) {
            throw ApiException.badRequest("'options.device.deviceId' must be a string");
        }
        return ObjectIds.isValid(id.asText()) ? id.asText() : ObjectIds.next();
    }
}
