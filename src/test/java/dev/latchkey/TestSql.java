package dev.latchkey;

import java.sql.Connection;
import java.sql.DriverManager;
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

    public static Connection connection() throws java.sql.SQLException {
        String database = ConfigProvider.getConfig().getValue("test.database.name", String.class);
        return DriverManager.getConnection(TestDatabase.jdbcUrl(database), TestDatabase.USER, "");
    }
}
