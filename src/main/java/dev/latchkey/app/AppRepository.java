package dev.latchkey.app;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.latchkey.database.Rows;
import dev.latchkey.error.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.SqlClient;
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
    private final Cache<String, App> known = Caffeine.newBuilder().recordStats().maximumSize(10_000).expireAfterWrite(KEEP).build();

    public AppRepository(Pool pool, ObjectMapper json, MeterRegistry metrics) {
        this.pool = pool;
        this.json = json;
        CaffeineCacheMetrics.monitor(metrics, known, "apps");
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
                .map(rows -> Rows.first(rows, row -> toApp(row)));
    }

    /** Creates the app unless it exists; 1 when created. */
    public Uni<Integer> insertIfMissing(String appId, String domainId, AppSettings settings) {
        return insertIfMissing(pool, appId, domainId, settings);
    }

    /** The same on a connection of the caller's transaction. */
    public Uni<Integer> insertIfMissing(SqlClient client, String appId, String domainId, AppSettings settings) {
        return client.preparedQuery("insert into apps (id, domain_id, settings) values ($1, $2, $3::text::jsonb) on conflict (id) do nothing")
                .execute(Tuple.of(appId, domainId, write(settings)))
                .map(rows -> rows.rowCount());
    }

    /** Every app, by id. */
    public Uni<java.util.List<App>> list() {
        return pool.query("select id, domain_id, settings::text from apps order by id").execute().map(rows -> {
            java.util.List<App> apps = new java.util.ArrayList<>();
            for (Row row : rows) {
                apps.add(toApp(row));
            }
            return apps;
        });
    }

    /**
     * Changes an app's settings as {@code change} says, reading and writing under the row's lock (in
     * the caller's transaction) so two operators' patches apply one after the other; null when
     * there is no such app.
     */
    public Uni<App> update(SqlClient conn, String appId, java.util.function.UnaryOperator<AppSettings> change) {
        return conn
                .preparedQuery("select id, domain_id, settings::text from apps where id = $1 for update")
                .execute(Tuple.of(appId))
                .chain(rows -> {
                    RowIterator<Row> it = rows.iterator();
                    if (!it.hasNext()) {
                        return Uni.createFrom().nullItem();
                    }
                    App current = toApp(it.next());
                    App changed = new App(current.id(), current.domainId(), change.apply(current.settings()));
                    return conn.preparedQuery("update apps set settings = $2::text::jsonb where id = $1")
                            .execute(Tuple.of(appId, write(changed.settings()))).replaceWith(changed);
                })
                .invoke(changed -> forget(appId));
    }

    /** Deletes the app with its users, their keys and sessions (foreign keys cascade); false when there was none. */
    public Uni<Boolean> delete(SqlClient client, String appId) {
        return client.preparedQuery("delete from apps where id = $1").execute(Tuple.of(appId))
                .map(rows -> rows.rowCount() > 0)
                .invoke(deleted -> forget(appId));
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
