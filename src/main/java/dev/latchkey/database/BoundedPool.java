package dev.latchkey.database;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Singleton;

import dev.latchkey.LatchkeyConfig;
import io.quarkus.arc.Unremovable;
import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnectOptions;

/**
 * The database pool, bounded where Quarkus' settings leave it open (SPEC section 5): a request
 * waits for a connection at most {@code latchkey.database.acquire-timeout} in a queue of at most
 * {@code latchkey.database.wait-queue}, and connecting is bounded the same way. A database that
 * refuses, or one whose connections are all stuck, turns into 503s within seconds instead of a
 * hang; a query already on the wire to a database that stopped answering is bounded by the
 * request deadline (http/Deadline), since the SQL client notices no silence on an open socket.
 */
@Singleton
@Unremovable // looked up by the reactive datasource at start-up, never injected
public class BoundedPool implements PgPoolCreator {

    private final LatchkeyConfig.Database config;

    public BoundedPool(LatchkeyConfig config) {
        this.config = config.database();
    }

    @Override
    public Pool create(Input input) {
        PoolOptions pool = new PoolOptions(input.poolOptions())
                .setConnectionTimeout((int) config.acquireTimeout().toMillis())
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
                .setMaxWaitQueueSize(config.waitQueue());
        for (PgConnectOptions connect : input.pgConnectOptionsList()) {
            connect.setConnectTimeout((int) config.acquireTimeout().toMillis());
        }
        List<SqlConnectOptions> targets = new ArrayList<>(input.pgConnectOptionsList());
        return PgBuilder.pool().with(pool).connectingTo(targets).using(input.vertx()).build();
    }
}
