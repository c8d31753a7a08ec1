package dev.latchkey.error;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.media.Schema;

/** Adds SPEC section 4's error responses, with the {@link ApiError} body, to every documented route. */
public class OpenApiErrorResponses implements OASFilter {

    private static final Map<String, String> MEANING = new LinkedHashMap<>();

    static {
        MEANING.put("400", "BadRequest, InvalidParameter, AuthProviderNotFound, UserAlreadyConfirmed or UserpassTokenInvalid");
        MEANING.put("401", "InvalidSession (token), InvalidPassword or AuthError (login, or a missing or wrong admin key)");
        MEANING.put("403", "Forbidden: anonymous users and API-key sessions cannot manage keys");
        MEANING.put("404", "AppNotFound, APIKeyNotFound, UserNotFound, SessionNotFound or AdminKeyNotFound");
        MEANING.put("409", "AccountNameInUse, APIKeyAlreadyExists, APIKeyLimitReached, APIKeyExpired (rotate), "
                + "IdentityAlreadyExists, AppAlreadyExists or AdminKeyAlreadyExists");
        MEANING.put("413", "request too large (over 64 KiB)");
        MEANING.put("429", "TooManyRequests after repeated failed logins, or too many registrations or mails, with Retry-After");
        MEANING.put("503", "ServiceUnavailable while the database is unreachable, with Retry-After");
    }

    /** GitHub's secret-scanning reports: the same codes, meaning other things. */
    private static final Map<String, String> LEAK_MEANING = new LinkedHashMap<>();

    static {
        LEAK_MEANING.put("400", "BadRequest: the signed body is not a JSON array of {token, type, url, source}");
        LEAK_MEANING.put("401", "Unauthorized: signature headers missing, unknown key identifier, or a signature that does not verify; nothing changed");
        LEAK_MEANING.put("413", "request too large (over 1 MiB, or over 1000 tokens)");
        LEAK_MEANING.put("429", "TooManyRequests after repeated bad signatures from one address, with Retry-After");
        LEAK_MEANING.put("503", "ServiceUnavailable: GitHub's public keys cannot be fetched, or the database is unreachable; with Retry-After");
    }

    private static final List<String> LOGIN = List.of("400", "401", "404", "409", "413", "429", "503");
    private static final List<String> AUTHENTICATED = List.of("401", "503");
    private static final List<String> KEYS = List.of("400", "401", "403", "404", "409", "413", "503");

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSchema("ApiError", OASFactory.createSchema()
                .addType(Schema.SchemaType.OBJECT)
                .addProperty("error", OASFactory.createSchema().addType(Schema.SchemaType.STRING))
                .addProperty("error_code", OASFactory.createSchema().addType(Schema.SchemaType.STRING))
                .addProperty("link", OASFactory.createSchema().addType(Schema.SchemaType.STRING))
                .required(List.of("error", "error_code")));
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> item.getOperations().forEach(
                (method, operation) -> codesFor(path).forEach(code -> addError(operation, code, meaningsFor(path)))));
    }

    private static Map<String, String> meaningsFor(String path) {
        return path.startsWith("/api/secret-scanning/") ? LEAK_MEANING : MEANING;
    }

    private static final List<String> ADMIN = List.of("400", "401", "404", "409", "413", "503");

    private static List<String> codesFor(String path) {
        if (path.startsWith("/api/secret-scanning/")) {
            return List.copyOf(LEAK_MEANING.keySet());
        }
        if (path.startsWith("/api/admin/")) {
            return ADMIN;
        }
        if (path.contains("/auth/providers/")) {
            return LOGIN;
        }
        if (path.contains("/auth/api_keys")) {
            return KEYS;
        }
        if (path.contains("/auth/")) {
            return AUTHENTICATED;
        }
        if (path.endsWith("/location")) {
            return List.of("404", "503");
        }
        return List.of();
    }

    private static void addError(Operation operation, String code, Map<String, String> meanings) {
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        if (operation.getResponses().hasAPIResponse(code)) {
            return;
        }
        operation.getResponses().addAPIResponse(code, OASFactory.createAPIResponse()
                .description(meanings.get(code))
                .content(OASFactory.createContent().addMediaType("application/json",
                        OASFactory.createMediaType().schema(OASFactory.createSchema().ref("ApiError")))));
    }
}
