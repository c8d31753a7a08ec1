package dev.latchkey.app;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.ObjectIds;
import dev.latchkey.error.ApiException;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;

/**
 * Creates the configured app at start-up if it is missing, with every provider enabled and
 * {@code latchkey.bootstrap.settings} (a merge patch in the shape of the admin API's app object)
 * applied over that. A second start changes nothing: from its creation on, the app row counts.
 */
@ApplicationScoped
public class AppBootstrap {

    private final AppRepository apps;
    private final LatchkeyConfig config;
    private final ObjectMapper json;

    public AppBootstrap(AppRepository apps, LatchkeyConfig config, ObjectMapper json) {
        this.apps = apps;
        this.config = config;
        this.json = json;
    }

    void onStart(@Observes StartupEvent event) throws Throwable {
        String appId = config.bootstrap().app();
        AppSettings settings = settings();
        int created = VertxContextSupport.subscribeAndAwait(() -> apps.insertIfMissing(appId, ObjectIds.next(), settings));
        Log.infof(created == 1 ? "created app '%s'" : "app '%s' exists", appId);
    }

    private AppSettings settings() {
        if (config.bootstrap().settings().isEmpty()) {
            return AppSettings.allEnabled();
        }
        try {
            return SettingsPatch.apply(json, AppSettings.allEnabled(), json.readTree(config.bootstrap().settings().get()));
        } catch (ApiException | JsonProcessingException e) {
            throw new IllegalStateException("latchkey.bootstrap.settings: " + e.getMessage());
        }
    }
}
