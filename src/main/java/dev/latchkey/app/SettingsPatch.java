package dev.latchkey.app;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.latchkey.error.ApiException;

/**
 * JSON Merge Patch (RFC 7396) of app settings: members of the patch replace the settings' own,
 * objects merge, {@code null} removes. The admin API's PATCH and the bootstrap configuration
 * both change settings this way, and both get the same validation.
 */
public final class SettingsPatch {

    private SettingsPatch() {
    }

    /** The patched settings, or 400 InvalidParameter naming what is wrong. */
    public static AppSettings apply(ObjectMapper json, AppSettings base, JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            throw ApiException.invalidParameter("settings must be a JSON object");
        }
        JsonNode merged = merge(json.valueToTree(base), patch);
        AppSettings settings;
        try {
            settings = json.readerFor(AppSettings.class).with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .readValue(merged);
        } catch (JsonProcessingException e) {
            throw ApiException.invalidParameter("settings are not of the app object's shape: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (!settings.problems().isEmpty()) {
            throw ApiException.invalidParameter(String.join("; ", settings.problems()));
        }
        return settings;
    }

    static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> member = it.next();
            if (member.getValue().isNull()) {
                result.remove(member.getKey());
            } else {
                result.set(member.getKey(), merge(result.get(member.getKey()), member.getValue()));
            }
        }
        return result;
    }
}
