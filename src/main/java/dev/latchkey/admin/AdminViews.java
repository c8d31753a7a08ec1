package dev.latchkey.admin;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.latchkey.app.App;
import dev.latchkey.app.AppSettings;
import dev.latchkey.error.ApiException;

/** The admin API's bodies (SPEC section 9), and the checks its path and query values get. */
final class AdminViews {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern APP_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 200;

    private AdminViews() {
    }

    /** The app object; secrets in the settings (webhook_secret, signing_keys) are never shown. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AppView(String id, @JsonProperty("domain_id") String domainId, AppSettings.Providers providers,
            @JsonProperty("api_keys_max_per_user") int apiKeysMaxPerUser) {
        static AppView of(App app, int deploymentDefault) {
            return new AppView(app.id(), app.domainId(), app.settings().redacted().providers(),
                    app.apiKeysMaxPerUser(deploymentDefault));
        }
    }

    record UserSummary(String id, String type, boolean disabled, @JsonProperty("created_at") OffsetDateTime createdAt,
            String email) {
    }

    record UserPage(List<UserSummary> users, String next) {
    }

    record IdentityView(@JsonProperty("provider_type") String providerType, @JsonProperty("provider_id") String providerId) {
    }

    record SessionView(String id, @JsonProperty("provider_type") String providerType,
            @JsonProperty("device_id") String deviceId, @JsonProperty("api_key_id") String apiKeyId,
            @JsonProperty("created_at") OffsetDateTime createdAt, @JsonProperty("expires_at") OffsetDateTime expiresAt) {
    }

    /** A key as its owner sees it, with expiry and last use (SPEC section 10; null: never). */
    record KeyView(@JsonProperty("_id") String id, String name, boolean disabled,
            @JsonProperty("created_at") OffsetDateTime createdAt, @JsonProperty("expires_at") OffsetDateTime expiresAt,
            @JsonProperty("last_used_at") OffsetDateTime lastUsedAt) {
    }

    /** A key with its value: the only answer that shows one. */
    record CreatedKey(@JsonProperty("_id") String id, String key, String name, boolean disabled,
            @JsonProperty("created_at") OffsetDateTime createdAt, @JsonProperty("expires_at") OffsetDateTime expiresAt,
            @JsonProperty("last_used_at") OffsetDateTime lastUsedAt) {
    }

    record UserDetail(String id, String type, boolean disabled, @JsonProperty("created_at") OffsetDateTime createdAt,
            String email, List<IdentityView> identities, List<SessionView> sessions,
            @JsonProperty("api_keys") List<KeyView> apiKeys) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    record EventView(@JsonProperty("_id") String id, OffsetDateTime at, String type, @JsonProperty("app_id") String appId,
            @JsonProperty("user_id") String userId, @JsonProperty("api_key_id") String apiKeyId,
            @JsonProperty("session_id") String sessionId, String actor, String address, String outcome,
            Map<String, Object> detail) {
    }

    record EventPage(List<EventView> events, String next) {
    }

    /** An event with its place in the trail, the cursor of the next page. */
    record Sequenced(long seq, EventView event) {
    }

    /** Logins that started in one hour (UTC), by outcome. */
    record HourCount(OffsetDateTime hour, long success, long failure) {
    }

    record LoginStats(int hours, List<HourCount> logins) {
    }

    record NewName(String name) {
    }

    static void requireName(String name) {
        if (name == null) {
            throw ApiException.invalidParameter("'name' is a required string");
        }
        if (!NAME.matcher(name).matches()) {
            throw ApiException.invalidParameter("can only contain ASCII letters, numbers, underscores, and hyphens");
        }
    }

    static void requireAppId(String id) {
        if (id == null || !APP_ID.matcher(id).matches()) {
            throw ApiException.invalidParameter("'id' must be 1-64 ASCII letters, digits, '_' or '-', starting with a letter or digit");
        }
    }

    /** A page size from the query: default 50, at most 200. */
    static int limit(Integer requested) {
        if (requested == null) {
            return DEFAULT_PAGE;
        }
        if (requested < 1 || requested > MAX_PAGE) {
            throw ApiException.invalidParameter("'limit' must be between 1 and " + MAX_PAGE);
        }
        return requested;
    }
}
