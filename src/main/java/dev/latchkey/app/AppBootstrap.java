package dev.latchkey.app;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.ObjectIds;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;

/** Creates the configured app at start-up if it is missing; a second start changes nothing. */
@ApplicationScoped
public class AppBootstrap {

    static final String[] ALL_PROVIDERS = { "local-userpass", "anon-user", "api-key" };

    private final AppRepository apps;
    private final LatchkeyConfig config;

    public AppBootstrap(AppRepository apps, LatchkeyConfig config) {
        this.apps = apps;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) throws Throwable {
        String appId = config.bootstrapApp();
        int created = VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> apps.insertIfMissing(appId, ObjectIds.next(), ALL_PROVIDERS)));
        Log.infof(created == 1 ? "created app '%s'" : "app '%s' exists", appId);
    }
}
