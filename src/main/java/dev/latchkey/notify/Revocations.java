package dev.latchkey.notify;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.ConfigProvider;

import dev.latchkey.LatchkeyConfig;
import dev.latchkey.apikey.KeyListCache;
import dev.latchkey.app.AppRepository;
import dev.latchkey.session.LiveSessionCache;
import dev.latchkey.throttle.Throttle;
import dev.latchkey.user.ProfileCache;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Listens on its own connection for what the database announces on {@code latchkey_revoke}
 * (V8's, V9's and V10's triggers, and throttles that filled) and drops what no longer holds from this instance's
 * memory, within milliseconds of the commit, whichever instance or operator made the change
 * (SPEC section 11). While the connection is down, the session, key-list and profile caches are not trusted; after a
 * reconnection it starts empty, since notices sent meanwhile are lost. A heartbeat on the same
 * connection turns a database that went silent without closing it into a lost connection too.
 */
@ApplicationScoped
public class Revocations {

    static final String CHANNEL = "latchkey_revoke";
    private static final Duration RECONNECT_AFTER = Duration.ofMillis(500);
    private static final Duration HEARTBEAT = Duration.ofSeconds(2);

    private final Vertx vertx;
    private final LiveSessionCache sessions;
    private final KeyListCache keyLists;
    private final ProfileCache profiles;
    private final AppRepository apps;
    private final Throttle throttle;
    private final LatchkeyConfig config;
    private volatile PgConnection connection;
    private volatile boolean stopped;
    private long heartbeat = -1;

    public Revocations(Vertx vertx, LiveSessionCache sessions, KeyListCache keyLists, ProfileCache profiles,
            AppRepository apps, Throttle throttle, LatchkeyConfig config) {
        this.vertx = vertx;
        this.sessions = sessions;
        this.keyLists = keyLists;
        this.profiles = profiles;
        this.apps = apps;
        this.throttle = throttle;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        if (!config.cache().listen()) {
            Log.info("not listening for revocations: every request reads its session from the database");
            return;
        }
        connect();
        heartbeat = vertx.setPeriodic(HEARTBEAT.toMillis(), id -> beat());
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        sessions.distrust();
        keyLists.distrust();
        profiles.distrust();
        if (heartbeat >= 0) {
            vertx.cancelTimer(heartbeat);
        }
        PgConnection open = connection;
        connection = null;
        if (open != null) {
            open.closeAndForget();
        }
    }

    private void connect() {
        if (stopped) {
            return;
        }
        PgConnection.connect(vertx, connectOptions())
                .call(conn -> {
                    conn.notificationHandler(notification -> {
                        if (CHANNEL.equals(notification.getChannel())) {
                            notice(notification.getPayload());
                        }
                    });
                    conn.closeHandler(() -> lost(conn));
                    return conn.query("LISTEN " + CHANNEL).execute();
                })
                .subscribe().with(conn -> {
                    if (stopped) {
                        conn.closeAndForget();
                        return;
                    }
                    connection = conn;
                    sessions.trust();
                    keyLists.trust();
                    profiles.trust();
                    Log.debug("listening for revocations");
                }, failure -> {
                    Log.debugf("revocation listener cannot connect (%s); retrying", failure.toString());
                    vertx.setTimer(RECONNECT_AFTER.toMillis(), id -> connect());
                });
    }

    /** The connection closed. After {@link #stop} this is the close it asked for, and the beans it would touch are gone. */
    private void lost(PgConnection conn) {
        if (stopped || connection != conn) {
            return;
        }
        connection = null;
        if (sessions.trusted()) {
            Log.warn("revocation listener disconnected: sessions are read from the database until it is back");
        }
        sessions.distrust();
        keyLists.distrust();
        profiles.distrust();
        vertx.setTimer(RECONNECT_AFTER.toMillis(), id -> connect());
    }

    /** A listener that cannot answer a trivial query within the heartbeat is treated as lost. */
    private void beat() {
        PgConnection conn = connection;
        if (conn == null) {
            return;
        }
        conn.query("select 1").execute()
                .ifNoItem().after(HEARTBEAT).fail()
                .subscribe().with(ok -> {
                }, failure -> {
                    Log.debugf("revocation listener silent (%s)", failure.toString());
                    lost(conn);
                    conn.closeAndForget();
                });
    }

    /** One notice: {@code s:<session>}, {@code u:<user>}, {@code k:<key owner>}, {@code p:<user>} (identities), {@code a:<app>} or {@code t:<counter>:<until epoch ms>}. */
    void notice(String payload) {
        if (payload == null || payload.length() < 3 || payload.charAt(1) != ':') {
            return;
        }
        String subject = payload.substring(2);
        switch (payload.charAt(0)) {
            case 's' -> sessions.sessionChanged(subject);
            case 'u' -> {
                sessions.userChanged(subject);
                profiles.userChanged(subject);
            }
            case 'k' -> keyLists.ownerChanged(subject);
            case 'p' -> profiles.userChanged(subject);
            case 'a' -> apps.forget(subject);
            case 't' -> throttle.blockedElsewhere(subject);
            default -> Log.debugf("unknown revocation notice %s", payload.charAt(0));
        }
    }

    /** The datasource's own settings (the embedded server's too, through its config source). */
    private static PgConnectOptions connectOptions() {
        var cfg = ConfigProvider.getConfig();
        String url = cfg.getValue("quarkus.datasource.reactive.url", String.class);
        PgConnectOptions options = PgConnectOptions.fromUri(url.startsWith("vertx-reactive:") ? url.substring(15) : url);
        cfg.getOptionalValue("quarkus.datasource.username", String.class).ifPresent(options::setUser);
        cfg.getOptionalValue("quarkus.datasource.password", String.class).ifPresent(options::setPassword);
        return options.setConnectTimeout(3000);
    }
}
