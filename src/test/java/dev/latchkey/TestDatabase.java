package dev.latchkey;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.pgclient.PgConnectOptions;

/**
 * A fresh database on the PostgreSQL the README names (127.0.0.1:5432, user postgres, trust
 * auth; override with LATCHKEY_TEST_PG_HOST/PORT/USER) for each test application start, dropped afterwards.
 */
public class TestDatabase implements QuarkusTestResourceLifecycleManager {

    static final String HOST = env("LATCHKEY_TEST_PG_HOST", "127.0.0.1");
    static final String PORT = env("LATCHKEY_TEST_PG_PORT", "5432");
    static final String USER = env("LATCHKEY_TEST_PG_USER", "postgres");

    /** Init argument: "true" puts a {@link TcpProxy} between the service's pool and the database. */
    public static final String OUTAGE_PROXY = "outage-proxy";

    private String name;
    private TcpProxy proxy;

    @Override
    public void init(Map<String, String> args) {
        if (Boolean.parseBoolean(args.get(OUTAGE_PROXY))) {
            try {
                proxy = new TcpProxy(HOST, Integer.parseInt(PORT));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public Map<String, String> start() {
        name = create("latchkey_test_");
        String reactiveHostPort = proxy == null ? HOST + ":" + PORT : "127.0.0.1:" + proxy.port();
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://" + reactiveHostPort + "/" + name,
                "quarkus.datasource.username", USER,
                "test.database.name", name);
    }

    @Override
    public void stop() {
        if (proxy != null) {
            proxy.close();
        }
        drop(name);
    }

    /** Another fresh database, for tests that need more than their application's; drop it with {@link #drop}. */
    public static String createExtra() {
        return create("latchkey_extra_");
    }

    private static String create(String prefix) {
        String database = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        admin("create database " + database);
        return database;
    }

    public static void drop(String database) {
        admin("drop database if exists " + database + " with (force)");
    }

    /** Where the reactive SQL client finds {@code database} (not through the outage proxy). */
    public static PgConnectOptions connectOptions(String database) {
        return new PgConnectOptions().setHost(HOST).setPort(Integer.parseInt(PORT))
                .setDatabase(database).setUser(USER).setPassword("");
    }

    /** A JDBC connection to {@code database} as the test user. */
    public static Connection connect(String database) throws SQLException {
        return connect(jdbcUrl(database), USER, "");
    }

    /**
     * A JDBC connection through the driver itself, not DriverManager: since the JDBC extension is
     * gone, nothing registers the driver in every class loader a test runs in.
     */
    public static Connection connect(String url, String user, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        return new org.postgresql.Driver().connect(url, properties);
    }

    public static String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + PORT + "/" + database;
    }

    static void admin(String sql) {
        try (Connection c = connect("postgres");
                Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (Exception e) {
            throw new IllegalStateException("PostgreSQL at " + HOST + ":" + PORT + " is needed for the tests: " + e.getMessage(), e);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
