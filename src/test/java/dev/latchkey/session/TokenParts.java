package dev.latchkey.session;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads a compact JWT's header and payload without verifying it, and puts forged ones together. */
final class TokenParts {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenParts() {
    }

    static JsonNode header(String token) {
        return json(segment(token, 0));
    }

    static JsonNode payload(String token) {
        return json(segment(token, 1));
    }

    static String payloadJson(String token) {
        return segment(token, 1);
    }

    static String encode(String json) {
        return encode(json.getBytes(StandardCharsets.UTF_8));
    }

    static String encode(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String segment(String token, int index) {
        return new String(Base64.getUrlDecoder().decode(token.split("\\.")[index]), StandardCharsets.UTF_8);
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + text, e);
        }
    }
}
