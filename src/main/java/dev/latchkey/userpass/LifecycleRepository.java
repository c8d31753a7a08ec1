package dev.latchkey.userpass;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.latchkey.database.Rows;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The lifecycle's SQL: credentials' confirmation and password, single-use tokens and the mail
 * outbox. Methods that take a {@link SqlClient} run in the transaction the caller has open on it.
 * Single use holds under concurrency because a token is consumed by one conditional UPDATE.
 */
@ApplicationScoped
public class LifecycleRepository {

    /** A credential as the lifecycle sees it; {@code userId} is null until its first login. */
    record Credential(String email, String userId, boolean confirmed) {
    }

    /** What a presented token turned out to be. */
    enum TokenState {
        UNKNOWN, SPENT, USABLE
    }

    /** A claimed outbox row. */
    record Outgoing(long id, String appId, String email, String purpose, int attempts) {
    }

    private final Pool pool;

    public LifecycleRepository(Pool pool) {
        this.pool = pool;
    }

    Pool pool() {
        return pool;
    }

    Uni<Credential> credential(String appId, String email) {
        return pool.preparedQuery("select email, user_id, confirmed_at is not null from password_credentials "
                + "where app_id = $1 and email = $2")
                .execute(Tuple.of(appId, email))
                .map(rows -> Rows.first(rows, row -> new Credential(row.getString(0), row.getString(1),
                        row.getBoolean(2))));
    }

    /** A new credential, confirmed at once or pending; a taken email violates password_credentials_pkey. */
    Uni<Void> insertCredential(SqlClient client, String appId, String email, String providerId, String passwordHash,
            boolean confirmed) {
        return client.preparedQuery("insert into password_credentials (app_id, email, id, password_hash, confirmed_at) "
                + "values ($1, $2, $3, $4, case when $5 then now() end)")
                .execute(Tuple.of(appId, email, providerId, passwordHash, confirmed))
                .replaceWithVoid();
    }

    /** Removes a credential that is still pending and unclaimed (its confirmation webhook refused it). */
    Uni<Void> deletePendingCredential(String appId, String email) {
        return pool.preparedQuery("delete from password_credentials "
                + "where app_id = $1 and email = $2 and confirmed_at is null and user_id is null")
                .execute(Tuple.of(appId, email))
                .replaceWithVoid();
    }

    /** Stores a token's hash; its lifetime runs from now. */
    Uni<Void> insertToken(SqlClient client, String appId, String email, String purpose, LifecycleToken token,
            Duration lifetime) {
        return client.preparedQuery("insert into userpass_tokens (id, app_id, email, purpose, token_hash, expires_at) "
                + "values ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))")
                .execute(Tuple.of(token.id(), appId, email, purpose, Buffer.buffer(token.hash()), seconds(lifetime)))
                .replaceWithVoid();
    }

    /**
     * Stores a token's hash for a mail about to be sent, only while the mail still makes sense: the
     * credential exists and, for a confirmation, is still pending. False when it no longer does.
     */
    Uni<Boolean> insertTokenIfStillWanted(String appId, String email, String purpose, LifecycleToken token,
            Duration lifetime) {
        return pool.preparedQuery("insert into userpass_tokens (id, app_id, email, purpose, token_hash, expires_at) "
                + "select $1, app_id, email, $4, $5, now() + make_interval(secs => $6) from password_credentials "
                + "where app_id = $2 and email = $3 and ($4 = 'reset' or confirmed_at is null)")
                .execute(Tuple.of(token.id(), appId, email, purpose, Buffer.buffer(token.hash()), seconds(lifetime)))
                .map(rows -> rows.rowCount() == 1);
    }

    Uni<Void> deleteToken(String tokenId) {
        return pool.preparedQuery("delete from userpass_tokens where id = $1")
                .execute(Tuple.of(tokenId))
                .replaceWithVoid();
    }

    /** Whether a presented token is unknown (or of another purpose or app), spent (used or expired) or usable now. */
    Uni<TokenState> tokenState(String appId, String purpose, String tokenId, String token) {
        return pool.preparedQuery("select used_at is null and expires_at > now() from userpass_tokens "
                + "where id = $1 and app_id = $2 and purpose = $3 and token_hash = $4")
                .execute(Tuple.of(tokenId, appId, purpose, Buffer.buffer(LifecycleToken.hash(token))))
                .map(rows -> {
                    RowIterator<Row> it = rows.iterator();
                    if (!it.hasNext()) {
                        return TokenState.UNKNOWN;
                    }
                    return it.next().getBoolean(0) ? TokenState.USABLE : TokenState.SPENT;
                });
    }

    /**
     * Uses the token once, and with it every other open token of the same purpose for the same
     * credential (an older link must not work after a newer one did). The email it was for, or null
     * when the token is not usable (unknown, used, expired, or used concurrently a moment ago).
     */
    Uni<String> consumeToken(SqlClient client, String appId, String purpose, String tokenId, String token) {
        return client.preparedQuery("with hit as (update userpass_tokens set used_at = now() "
                + "where id = $1 and app_id = $2 and purpose = $3 and token_hash = $4 and used_at is null and expires_at > now() "
                + "returning email), "
                + "others as (update userpass_tokens t set used_at = now() from hit "
                + "where t.app_id = $2 and t.email = hit.email and t.purpose = $3 and t.used_at is null and t.id <> $1) "
                + "select email from hit")
                .execute(Tuple.of(tokenId, appId, purpose, Buffer.buffer(LifecycleToken.hash(token))))
                .map(rows -> Rows.first(rows, row -> row.getString(0)));
    }

    /** Confirms a pending credential; the user id it belongs to ("" while unclaimed), or null when it was already confirmed. */
    Uni<String> confirm(SqlClient client, String appId, String email) {
        return client.preparedQuery("update password_credentials set confirmed_at = now() "
                + "where app_id = $1 and email = $2 and confirmed_at is null returning coalesce(cast(user_id as text), '')")
                .execute(Tuple.of(appId, email))
                .map(rows -> Rows.first(rows, row -> row.getString(0)));
    }

    /** Sets a new password hash; the user id the credential belongs to ("" while unclaimed), or null when it is gone. */
    Uni<String> setPasswordHash(SqlClient client, String appId, String email, String hash) {
        return client.preparedQuery("update password_credentials set password_hash = $3 "
                + "where app_id = $1 and email = $2 returning coalesce(cast(user_id as text), '')")
                .execute(Tuple.of(appId, email, hash))
                .map(rows -> Rows.first(rows, row -> row.getString(0)));
    }

    /**
     * Queues a mail for an existing credential, in one statement: null when there is no such
     * credential, otherwise whether it is confirmed; a confirmation mail is queued only while it is not.
     */
    Uni<Boolean> enqueueMail(SqlClient client, String appId, String email, String purpose) {
        return client.preparedQuery("with c as (select confirmed_at is not null as confirmed from password_credentials "
                + "where app_id = $1 and email = $2), "
                + "queued as (insert into mail_outbox (app_id, email, purpose) "
                + "select $1, $2, $3 from c where $3 = 'reset' or not c.confirmed) "
                + "select confirmed from c")
                .execute(Tuple.of(appId, email, purpose))
                .map(rows -> Rows.first(rows, row -> row.getBoolean(0)));
    }

    /**
     * Claims up to {@code limit} due mails for this instance: each one's attempt is counted now and
     * its next attempt pushed {@code lease} ahead, so another instance takes it over only if this one
     * dies mid-send. Rows another instance is claiming are skipped, not waited for.
     */
    Uni<List<Outgoing>> claimDue(int limit, Duration lease) {
        return pool.preparedQuery("update mail_outbox set attempts = attempts + 1, "
                + "next_attempt_at = now() + make_interval(secs => $2) "
                + "where id in (select id from mail_outbox where failed_at is null and next_attempt_at <= now() "
                + "order by next_attempt_at limit $1 for update skip locked) "
                + "returning id, app_id, email, purpose, attempts")
                .execute(Tuple.of(limit, seconds(lease)))
                .map(rows -> {
                    List<Outgoing> due = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        due.add(new Outgoing(row.getLong(0), row.getString(1), row.getString(2), row.getString(3),
                                row.getInteger(4)));
                    }
                    return due;
                });
    }

    Uni<Void> deleteMail(long id) {
        return pool.preparedQuery("delete from mail_outbox where id = $1").execute(Tuple.of(id)).replaceWithVoid();
    }

    /** Records a failed attempt: tried again after {@code retryIn}, or given up when that is null. */
    Uni<Void> mailFailed(long id, String error, Duration retryIn) {
        String truncated = error.length() > 500 ? error.substring(0, 500) : error;
        if (retryIn == null) {
            return pool.preparedQuery("update mail_outbox set failed_at = now(), last_error = $2 where id = $1")
                    .execute(Tuple.of(id, truncated)).replaceWithVoid();
        }
        return pool.preparedQuery("update mail_outbox set next_attempt_at = now() + make_interval(secs => $3), "
                + "last_error = $2 where id = $1")
                .execute(Tuple.of(id, truncated, seconds(retryIn))).replaceWithVoid();
    }

    /** Deletes tokens a day past their expiry and mails given up a week ago, at most {@code batch} of each. */
    Uni<Integer> purge(int batch) {
        return pool.preparedQuery("with t as (delete from userpass_tokens where id in (select id from userpass_tokens "
                + "where expires_at < now() - interval '1 day' limit $1) returning 1), "
                + "m as (delete from mail_outbox where id in (select id from mail_outbox "
                + "where failed_at < now() - interval '7 days' limit $1) returning 1) "
                + "select (select count(*) from t) + (select count(*) from m)")
                .execute(Tuple.of(batch))
                .map(rows -> rows.iterator().next().getLong(0).intValue());
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
