package dev.latchkey.error;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The error body of every failed request, as App Services wrote it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, @JsonProperty("error_code") String errorCode, String link) {

    public ApiError(String error, String errorCode) {
        this(error, errorCode, null);
    }
}
