package dev.latchkey.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.latchkey.admin.AdminViews.EventView;
import dev.latchkey.admin.AdminViews.IdentityView;
import dev.latchkey.admin.AdminViews.KeyView;
import dev.latchkey.admin.AdminViews.SessionView;
import dev.latchkey.admin.AdminViews.UserSummary;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * What operators read, straight from the SQL client. Every query is scoped to the app in the
 * path, so a user, session or key id of another app answers like an unknown one. Pages use a
 * cursor (the last id or sequence number seen), so inserts between pages neither repeat nor
 * skip what existed.
 */
@ApplicationScoped
public class AdminQueries {

    /** A key object's columns, in the order {@link #key} reads them. */
    private static final String KEY_COLUMNS = "id, name, disabled, created_at, expires_at, last_used_at";
    private static final TypeReference<Map<String, Object>> DETAIL = new TypeReference<>() {
    };

    private final Pool pool;
    private final ObjectMapper json;

    public AdminQueries(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json;
    }

    /** One more than {@code limit} rows are read to know whether a next page exists. */
    Uni<List<UserSummary>> users(String appId, String emailPrefix, String after, int limit) {
        return pool.preparedQuery("select u.id, u.type, u.disabled, u.created_at, c.email from users u "
                + "left join password_credentials c on c.user_id = u.id "
                + "where u.app_id = $1 and ($2::text is null or u.id > $2) "
                + "and ($3::text is null or (c.app_id = $1 and c.email like $3 escape '\\')) "
                + "order by u.id limit $4")
                .execute(Tuple.of(appId, after, emailPrefix == null ? null : likePrefix(emailPrefix), limit + 1))
                .map(rows -> {
                    List<UserSummary> users = new ArrayList<>();
                    for (Row row : rows) {
                        users.add(new UserSummary(row.getString(0), row.getString(1), row.getBoolean(2),
                                row.getOffsetDateTime(3), row.getString(4)));
                    }
                    return users;
                });
    }

    /** The user if they belong to the app, else null. */
    Uni<UserSummary> user(String appId, String userId) {
        return pool.preparedQuery("select u.id, u.type, u.disabled, u.created_at, c.email from users u "
                + "left join password_credentials c on c.user_id = u.id where u.id = $1 and u.app_id = $2")
                .execute(Tuple.of(userId, appId))
                .map(rows -> {
                    var it = rows.iterator();
                    if (!it.hasNext()) {
                        return null;
                    }
                    Row row = it.next();
                    return new UserSummary(row.getString(0), row.getString(1), row.getBoolean(2), row.getOffsetDateTime(3),
                            row.getString(4));
                });
    }

    Uni<List<IdentityView>> identities(String userId) {
        return pool.preparedQuery("select provider_type, provider_id from identities where user_id = $1 order by created_at")
                .execute(Tuple.of(userId))
                .map(rows -> map(rows, row -> new IdentityView(row.getString(0), row.getString(1))));
    }

    Uni<List<SessionView>> liveSessions(String userId) {
        return pool.preparedQuery("select id, provider_type, device_id, api_key_id, created_at, expires_at from sessions "
                + "where user_id = $1 and ended_at is null and expires_at > now() order by created_at")
                .execute(Tuple.of(userId))
                .map(rows -> map(rows, row -> new SessionView(row.getString(0), row.getString(1), row.getString(2),
                        row.getString(3), row.getOffsetDateTime(4), row.getOffsetDateTime(5))));
    }

    Uni<List<KeyView>> keys(String userId) {
        return pool.preparedQuery("select " + KEY_COLUMNS + " from api_keys where owner_id = $1 order by created_seq")
                .execute(Tuple.of(userId))
                .map(rows -> map(rows, AdminQueries::key));
    }

    /** The app's server keys, in creation order. */
    Uni<List<KeyView>> serverKeys(String appId) {
        return pool.preparedQuery("select " + KEY_COLUMNS + " from api_keys where server_app_id = $1 order by created_seq")
                .execute(Tuple.of(appId))
                .map(rows -> map(rows, AdminQueries::key));
    }

    /** The server key and the user it logs in as, or null. */
    Uni<Map.Entry<KeyView, String>> serverKey(String appId, String keyId) {
        return pool.preparedQuery("select " + KEY_COLUMNS + ", owner_id from api_keys where id = $1 and server_app_id = $2")
                .execute(Tuple.of(keyId, appId))
                .map(rows -> {
                    var it = rows.iterator();
                    if (!it.hasNext()) {
                        return null;
                    }
                    Row row = it.next();
                    return Map.entry(key(row), row.getString(6));
                });
    }

    /** Newest first, with each event's sequence number (the cursor); {@code appId} null reads every app's events and the deployment's own. */
    Uni<List<AdminViews.Sequenced>> events(String appId, String type, String userId, Long before, int limit) {
        return pool.preparedQuery("select seq, id, at, type, app_id, user_id, api_key_id, session_id, actor, address, outcome, "
                + "detail::text from audit_events where ($1::text is null or app_id = $1) and ($2::text is null or type = $2) "
                + "and ($3::text is null or user_id = $3) and ($4::bigint is null or seq < $4) order by seq desc limit $5")
                .execute(Tuple.from(new Object[] { appId, type, userId, before, limit + 1 }))
                .map(rows -> map(rows, row -> new AdminViews.Sequenced(row.getLong(0), new EventView(row.getString(1),
                        row.getOffsetDateTime(2), row.getString(3), row.getString(4), row.getString(5), row.getString(6),
                        row.getString(7), row.getString(8), row.getString(9), row.getString(10), detail(row.getString(11))))));
    }

    /**
     * The app's logins per hour (UTC) over the last {@code hours} hours, the current one included,
     * oldest first and every hour present: one bounded scan of the trail by time.
     */
    Uni<List<AdminViews.HourCount>> loginsPerHour(String appId, int hours) {
        return pool.preparedQuery("select h.hour, count(*) filter (where e.outcome = 'success'), "
                + "count(*) filter (where e.outcome = 'failure') "
                + "from generate_series(date_trunc('hour', now(), 'UTC') - ($2 - 1) * interval '1 hour', "
                + "date_trunc('hour', now(), 'UTC'), interval '1 hour') as h(hour) "
                + "left join audit_events e on e.app_id = $1 and e.type = 'login' "
                + "and e.at >= h.hour and e.at < h.hour + interval '1 hour' "
                + "group by h.hour order by h.hour")
                .execute(Tuple.of(appId, hours))
                .map(rows -> map(rows, row -> new AdminViews.HourCount(row.getOffsetDateTime(0), row.getLong(1), row.getLong(2))));
    }

    /** Ends the user's live sessions (all, or the one named); the number ended. */
    Uni<Integer> endSessions(SqlClient client, String userId, String sessionId) {
        return client.preparedQuery("update sessions set ended_at = now() where user_id = $1 and ($2::text is null or id = $2) "
                + "and ended_at is null and expires_at > now()")
                .execute(Tuple.of(userId, sessionId))
                .map(RowSet::rowCount);
    }

    private static KeyView key(Row row) {
        return new KeyView(row.getString(0), row.getString(1), row.getBoolean(2), row.getOffsetDateTime(3),
                row.getOffsetDateTime(4), row.getOffsetDateTime(5));
    }

    private Map<String, Object> detail(String text) {
        try {
            return json.readValue(text, DETAIL);
        } catch (Exception e) {
            return Map.of();
        }
    }

    private static <T> List<T> map(RowSet<Row> rows, java.util.function.Function<Row, T> mapper) {
        List<T> list = new ArrayList<>(rows.size());
        for (Row row : rows) {
            list.add(mapper.apply(row));
        }
        return list;
    }

    /** An email prefix as a LIKE pattern that matches it literally. */
    static String likePrefix(String prefix) {
        return prefix.toLowerCase(java.util.Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    }
}
