package dev.latchkey.app;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * An app's settings: the admin API's app object without its id (SPEC section 9). Stored as one
 * JSON document in {@code apps.settings}; the bootstrap app's first settings come from
 * {@code latchkey.bootstrap.settings} in the same shape. Absent values take the defaults below.
 * Registered for reflection: read and written with an ObjectMapper, where a native build cannot
 * see the types.
 */
@RegisterForReflection(targets = { AppSettings.class, AppSettings.Providers.class, AppSettings.Toggle.class,
        AppSettings.LocalUserpass.class, AppSettings.CustomToken.class, AppSettings.MetadataField.class })
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AppSettings(Providers providers,
        @JsonProperty("api_keys_max_per_user") Integer apiKeysMaxPerUser) {

    public static final String LOCAL_USERPASS = "local-userpass";
    public static final String ANON_USER = "anon-user";
    public static final String API_KEY = "api-key";
    public static final String CUSTOM_TOKEN = "custom-token";
    static final int MAX_URL = 2048;
    static final int MAX_KEYS_PER_USER = 1000;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Providers(
            @JsonProperty(LOCAL_USERPASS) LocalUserpass localUserpass,
            @JsonProperty(ANON_USER) Toggle anonUser,
            @JsonProperty(API_KEY) Toggle apiKey,
            @JsonProperty(CUSTOM_TOKEN) CustomToken customToken) {
    }

    public record Toggle(Boolean enabled) {
        public boolean on() {
            return Boolean.TRUE.equals(enabled);
        }
    }

    /** Email/password: confirmation and reset modes (SPEC section 7). Confirmation is automatic unless set otherwise. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LocalUserpass(Boolean enabled,
            @JsonProperty("auto_confirm") Boolean autoConfirm,
            @JsonProperty("email_confirmation_url") String emailConfirmationUrl,
            @JsonProperty("confirmation_webhook_url") String confirmationWebhookUrl,
            @JsonProperty("reset_password_url") String resetPasswordUrl,
            @JsonProperty("reset_webhook_url") String resetWebhookUrl,
            /** Signs webhook calls; write-only (never returned by the admin API). */
            @JsonProperty("webhook_secret") String webhookSecret) {

        public boolean on() {
            return Boolean.TRUE.equals(enabled);
        }

        public boolean confirmsAutomatically() {
            return !Boolean.FALSE.equals(autoConfirm);
        }
    }

    /** External JWTs (SPEC section 8). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CustomToken(Boolean enabled,
            @JsonProperty("signing_algorithm") String signingAlgorithm,
            /** HS256 secrets; write-only. */
            @JsonProperty("signing_keys") List<String> signingKeys,
            @JsonProperty("jwks_uri") String jwksUri,
            List<String> audience,
            @JsonProperty("require_any_audience") Boolean requireAnyAudience,
            @JsonProperty("metadata_fields") List<MetadataField> metadataFields) {

        public boolean on() {
            return Boolean.TRUE.equals(enabled);
        }
    }

    /** A token claim ({@code name}, dotted for nested claims) copied into the profile's data as {@code field_name}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MetadataField(Boolean required, String name, @JsonProperty("field_name") String fieldName) {
        public boolean mandatory() {
            return Boolean.TRUE.equals(required);
        }

        public String profileField() {
            return fieldName == null || fieldName.isEmpty() ? name : fieldName;
        }
    }

    /** Every provider Latchkey implements enabled, none configured further: what a new app gets. */
    public static AppSettings allEnabled() {
        Toggle on = new Toggle(true);
        return new AppSettings(new Providers(new LocalUserpass(true, null, null, null, null, null, null), on, on, null), null);
    }

    public boolean enables(String provider) {
        if (providers == null) {
            return false;
        }
        return switch (provider) {
            case LOCAL_USERPASS -> providers.localUserpass() != null && providers.localUserpass().on();
            case ANON_USER -> providers.anonUser() != null && providers.anonUser().on();
            case API_KEY -> providers.apiKey() != null && providers.apiKey().on();
            case CUSTOM_TOKEN -> providers.customToken() != null && providers.customToken().on();
            default -> false;
        };
    }

    /** Email/password settings, never null (all defaults when absent). */
    public LocalUserpass localUserpass() {
        return providers == null || providers.localUserpass() == null
                ? new LocalUserpass(false, null, null, null, null, null, null)
                : providers.localUserpass();
    }

    /** Custom-token settings, or null when none are set. */
    public CustomToken customToken() {
        return providers == null ? null : providers.customToken();
    }

    /** The same settings without write-only secrets, for answers to operators. */
    public AppSettings redacted() {
        if (providers == null) {
            return this;
        }
        LocalUserpass lu = providers.localUserpass();
        CustomToken ct = providers.customToken();
        return new AppSettings(new Providers(
                lu == null ? null : new LocalUserpass(lu.enabled(), lu.autoConfirm(), lu.emailConfirmationUrl(),
                        lu.confirmationWebhookUrl(), lu.resetPasswordUrl(), lu.resetWebhookUrl(), null),
                providers.anonUser(), providers.apiKey(),
                ct == null ? null : new CustomToken(ct.enabled(), ct.signingAlgorithm(), null, ct.jwksUri(), ct.audience(),
                        ct.requireAnyAudience(), ct.metadataFields())),
                apiKeysMaxPerUser);
    }

    /** What is wrong with these settings, in words an operator can act on; empty when they are usable. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (apiKeysMaxPerUser != null && (apiKeysMaxPerUser < 0 || apiKeysMaxPerUser > MAX_KEYS_PER_USER)) {
            problems.add("api_keys_max_per_user must be between 0 and " + MAX_KEYS_PER_USER);
        }
        LocalUserpass lu = providers == null ? null : providers.localUserpass();
        if (lu != null) {
            url(problems, "email_confirmation_url", lu.emailConfirmationUrl());
            url(problems, "confirmation_webhook_url", lu.confirmationWebhookUrl());
            url(problems, "reset_password_url", lu.resetPasswordUrl());
            url(problems, "reset_webhook_url", lu.resetWebhookUrl());
            if (!lu.confirmsAutomatically() && (lu.emailConfirmationUrl() == null) == (lu.confirmationWebhookUrl() == null)) {
                problems.add("auto_confirm false needs exactly one of email_confirmation_url and confirmation_webhook_url");
            }
            if (lu.resetPasswordUrl() != null && lu.resetWebhookUrl() != null) {
                problems.add("set at most one of reset_password_url and reset_webhook_url");
            }
            boolean webhooks = lu.confirmationWebhookUrl() != null || lu.resetWebhookUrl() != null;
            if (webhooks && (lu.webhookSecret() == null || lu.webhookSecret().length() < 16)) {
                problems.add("webhook_secret of at least 16 characters is required with a webhook URL");
            }
        }
        CustomToken ct = customToken();
        if (ct != null && ct.on()) {
            String alg = ct.signingAlgorithm();
            if (!Set.of("HS256", "RS256", "ES256").contains(String.valueOf(alg))) {
                problems.add("signing_algorithm must be HS256, RS256 or ES256");
            } else if ("HS256".equals(alg)) {
                if (ct.signingKeys() == null || ct.signingKeys().isEmpty()
                        || ct.signingKeys().stream().anyMatch(k -> k == null || k.length() < 32)) {
                    problems.add("HS256 needs signing_keys, each at least 32 characters");
                }
            } else if (ct.jwksUri() == null) {
                problems.add(alg + " needs jwks_uri");
            }
            url(problems, "jwks_uri", ct.jwksUri());
            if (ct.audience() != null && ct.audience().stream().anyMatch(a -> a == null || a.isEmpty())) {
                problems.add("audience entries must be non-empty strings");
            }
            if (ct.metadataFields() != null && ct.metadataFields().stream()
                    .anyMatch(f -> f == null || f.name() == null || f.name().isEmpty())) {
                problems.add("every metadata_fields entry needs a name");
            }
        }
        return problems;
    }

    private static void url(List<String> problems, String field, String value) {
        if (value == null) {
            return;
        }
        try {
            URI uri = new URI(value);
            if (value.length() > MAX_URL || uri.getHost() == null
                    || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                problems.add(field + " must be an absolute http(s) URL");
            }
        } catch (java.net.URISyntaxException e) {
            problems.add(field + " must be an absolute http(s) URL");
        }
    }
}
