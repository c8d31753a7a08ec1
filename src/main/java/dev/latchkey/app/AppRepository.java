package dev.latchkey.app;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.latchkey.error.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Apps, read on every login. Found apps are kept briefly (bounded, short-lived), so a change made
 * by an operator on any instance is seen everywhere within {@link #KEEP}; unknown ids are asked
 * again each time, so they cannot fill the cache.
 */
@ApplicationScoped
public class AppRepository {

    static final Duration KEEP = Duration.ofSeconds(5);

    private final Pool pool;
    private final ObjectMapper json;
    private final Cache<String, App> known = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(KEEP).build();

    public AppRepository(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json;
    }

    /** The app, or 404 AppNotFound. */
    public Uni<App> require(String appId) {
        App cached = known.getIfPresent(appId);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        return find(appId).map(app -> {
            if (app == null) {
                throw ApiException.appNotFound(appId);
            }
            known.put(appId, app);
            return app;
        });
    }

    /** The app as stored now, or null. */
    public Uni<App> find(String appId) {
        return pool.preparedQuery("select id, domain_id, settings::text from apps where id = $1")
                .execute(Tuple.of(appId))
                .map(rows -> {
                    RowIterator<Row> it = rows.iterator();
                    return it.hasNext() ? toApp(it.next()) : null;
                });
    }

    /** Creates the app unless it exists; 1 when created. */
    public Uni<Integer> insertIfMissing(String appId, String domainId, AppSettings settings) {
        return pool.preparedQuery("insert into apps (id, domain_id, settings) values ($1, $2, $3::text::jsonb) on conflict (id) do nothing")
                .execute(Tuple.of(appId, domainId, write(settings)))
                .map(rows -> rows.rowCount());
    }

    /** Drops this instance's copy, after a change made here. */
    public void forget(String appId) {
        known.invalidate(appId);
    }

    public App toApp(Row row) {
        try {
            return new App(row.getString(0), row.getString(1), json.readValue(row.getString(2), AppSettings.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("app " + row.getString(0) + " has unreadable settings", e);
        }
    }

    public String write(AppSettings settings) {
        try {
            return json.writeValueAsString(settings);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
