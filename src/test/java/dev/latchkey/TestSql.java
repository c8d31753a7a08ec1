package dev.latchkey;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.microprofile.config.ConfigProvider;

/** Plain JDBC on the running test application's database, for what the API does not show. */
public final class TestSql {

    private TestSql() {
    }

    public static void exec(String statement) {
        try (Connection c = connection(); Statement s = c.createStatement()) {
            s.execute(statement);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static long count(String query) {
        return Long.parseLong(value(query));
    }

    /** The first column of the first row, as text (null for SQL null or no row). */
    public static String value(String query) {
        List<String> column = column(query);
        return column.isEmpty() ? null : column.get(0);
    }

    /** The first column of every row, as text. */
    public static List<String> column(String query) {
        try (Connection c = connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            List<String> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs {@code check} with the triggers that announce identity, credential and user changes off,
     * so only an instance's own drop of what it cached can make a change show.
     */
    public static void withoutNotices(ThrowingRunnable check) throws Exception {
        String[][] triggers = { { "identities", "identities_notify_change" },
                { "password_credentials", "password_credentials_notify_change" },
                { "users", "users_notify_change" } };
        for (String[] t : triggers) {
            exec("alter table " + t[0] + " disable trigger " + t[1]);
        }
        try {
            check.run();
        } finally {
            for (String[] t : triggers) {
                exec("alter table " + t[0] + " enable trigger " + t[1]);
            }
        }
    }

    public interface ThrowingRunnable {
        void run() throws Exception;
    }

    /**
     * A connection, its transaction open, holding the row lock of the API key {@code keyId}
     * ({@code select ... for update}) until it commits or closes.
     */
    public static Connection lockingKeyRow(Object keyId) throws java.sql.SQLException {
        Connection lock = connection();
        lock.setAutoCommit(false);
        try (Statement s = lock.createStatement()) {
            s.execute("select 1 from api_keys where id = '" + keyId + "' for update");
        } catch (java.sql.SQLException e) {
            lock.close();
            throw e;
        }
        return lock;
    }

    public static Connection connection() throws java.sql.SQLException {
        String database = ConfigProvider.getConfig().getValue("test.database.name", String.class);
        return TestDatabase.connect(database);
    }
}
