package dev.latchkey.app;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.error.ApiException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;

@ApplicationScoped
public class AppRepository implements PanacheRepositoryBase<App, String> {

    /** Apps change only at start-up, so a found app is kept; unknown ids are asked again each time. */
    private final Map<String, App> known = new ConcurrentHashMap<>();

    /** The app, or 404 AppNotFound. */
    public Uni<App> require(String appId) {
        App cached = known.get(appId);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        return Panache.withSession(() -> findById(appId)).map(app -> {
            if (app == null) {
                throw ApiException.appNotFound(appId);
            }
            known.put(appId, app);
            return app;
        });
    }

    public Uni<Integer> insertIfMissing(String appId, String domainId, String[] providers) {
        return getSession().flatMap(session -> session
                .createNativeQuery("insert into apps (id, domain_id, providers) values (:id, :domain, :providers) "
                        + "on conflict (id) do nothing")
                .setParameter("id", appId)
                .setParameter("domain", domainId)
                .setParameter("providers", providers)
                .executeUpdate());
    }
}
