package dev.latchkey.customtoken;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.app.AppSettings;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Users known by the {@code sub} of their provider's tokens: identity {@code (app, custom-token, sub)},
 * whose {@code data} holds the metadata of the last token that logged in. Each operation is one
 * statement, so concurrent first logins of one {@code sub} meet on the identities key.
 */
@ApplicationScoped
public class CustomTokenIdentities {

    static final String TYPE = AppSettings.CUSTOM_TOKEN;

    private final Pool pool;

    public CustomTokenIdentities(Pool pool) {
        this.pool = pool;
    }

    /**
     * Finds the identity's user or creates both (the new user gets {@code newUserId}), stores the
     * token's metadata and starts a session; returns the user's id. A concurrent first login waits
     * on the identities key and then finds the winner's user.
     */
    public Uni<String> logIn(String appId, VerifiedToken token, String newUserId, String sessionId, String deviceId,
            Duration lifetime) {
        return pool.preparedQuery(
                "with i as (insert into identities (app_id, provider_type, provider_id, user_id, data) "
                        + "  values ($1, '" + TYPE + "', $2, $3, $4::text::jsonb) "
                        + "  on conflict (app_id, provider_type, provider_id) do update set data = excluded.data "
                        + "  returning user_id), "
                        + "u as (insert into users (id, app_id, type) select $3, $1, 'normal' from i where i.user_id = $3), "
                        + "s as (insert into sessions (id, user_id, device_id, provider_type, expires_at) "
                        + "  select $5, user_id, $6, '" + TYPE + "', now() + make_interval(secs => $7) from i "
                        + "  returning user_id) "
                        + "select user_id from s")
                .execute(Tuple.from(new Object[] { appId, token.subject(), newUserId, token.metadataJson(), sessionId,
                        deviceId, (double) lifetime.toSeconds() }))
                .map(rows -> {
                    RowIterator<Row> it = rows.iterator();
                    return it.next().getString(0);
                });
    }

    /**
     * Gives the identity to an existing user, who is normal from then on; false when that user is
     * gone. Fails with a unique violation on {@code identities_pkey} when the identity exists
     * (anyone's), or on {@code identities_custom_token_user_idx} when the user has one already.
     */
    public Uni<Boolean> link(String appId, String userId, VerifiedToken token) {
        return pool.preparedQuery(
                "with u as (update users set type = 'normal' where id = $3 and app_id = $1 returning id) "
                        + "insert into identities (app_id, provider_type, provider_id, user_id, data) "
                        + "select $1, '" + TYPE + "', $2, id, $4::text::jsonb from u")
                .execute(Tuple.of(appId, token.subject(), userId, token.metadataJson()))
                .map(rows -> rows.rowCount() == 1);
    }
}
