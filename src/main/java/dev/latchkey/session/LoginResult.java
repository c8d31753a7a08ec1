package dev.latchkey.session;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What every provider's login returns, as the Realm SDKs read it. */
public record LoginResult(
        @JsonProperty("access_token") String accessToken,
        @JsonProperty("refresh_token") String refreshToken,
        @JsonProperty("user_id") String userId,
        @JsonProperty("device_id") String deviceId) {
}
