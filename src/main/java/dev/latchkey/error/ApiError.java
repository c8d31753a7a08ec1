package dev.latchkey.error;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The error body of every failed request, as App Services wrote it. Registered for reflection:
 * it only travels inside a {@code Response}, where a native build cannot see it.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, @JsonProperty("error_code") String errorCode, String link) {

    public ApiError(String error, String errorCode) {
        this(error, errorCode, null);
    }
}
