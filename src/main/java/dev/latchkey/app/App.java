package dev.latchkey.app;

/** An app as the client API sees it: its id, the domain id profiles report, and its settings. */
public record App(String id, String domainId, AppSettings settings) {

    public boolean enables(String provider) {
        return settings.enables(provider);
    }

    /** The per-user key limit: the app's own, else the deployment's default. */
    public int apiKeysMaxPerUser(int deploymentDefault) {
        return settings.apiKeysMaxPerUser() == null ? deploymentDefault : settings.apiKeysMaxPerUser();
    }
}
