package dev.latchkey.error;

import io.quarkus.logging.Log;

/** A failure the client caused or must handle: status, SPEC error code and message. */
public class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final long retryAfterSeconds;

    public ApiException(int status, String code, String message) {
        this(status, code, message, 0);
    }

    private ApiException(int status, String code, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Seconds for the Retry-After header; 0 for none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public static ApiException tooManyRequests(long retryAfterSeconds) {
        return new ApiException(429, "TooManyRequests", "too many failed login attempts; try again later",
                Math.max(1, retryAfterSeconds));
    }

    /** 503: the service cannot take this work now (the database, or password work at capacity). */
    public static ApiException unavailable(long retryAfterSeconds) {
        return new ApiException(503, "ServiceUnavailable", "service unavailable", Math.max(1, retryAfterSeconds));
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /**
     * 401 for a token that is missing, forged, expired or of the wrong kind. The client learns
     * only "invalid session"; which check failed goes to a debug line (never the token itself).
     */
    public static ApiException invalidSession(String detail) {
        Log.debugf("token refused: %s", detail);
        return new ApiException(401, "InvalidSession", "invalid session");
    }

    public static ApiException invalidSession() {
        return invalidSession("no bearer token");
    }

    /** The one detail realm-web needs: its {@code logOut} treats exactly this as "already logged out". */
    public static ApiException sessionNotFound() {
        return new ApiException(401, "InvalidSession", "invalid session: failed to find refresh token");
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "BadRequest", message);
    }

    public static ApiException invalidParameter(String message) {
        return new ApiException(400, "InvalidParameter", message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "Forbidden", message);
    }

    public static ApiException appNotFound(String appId) {
        return new ApiException(404, "AppNotFound", "cannot find app using Client App ID '" + appId + "'");
    }

    public static ApiException providerNotFound(String provider) {
        return new ApiException(400, "AuthProviderNotFound", "authentication via '" + provider + "' is unsupported");
    }
}
