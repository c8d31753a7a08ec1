package dev.latchkey.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.latchkey.TestDatabase;

/**
 * The server itself, without Quarkus: one directory, started once for the class (unpacking
 * and initdb take a few seconds), restarted where a test needs it. The packaged service's
 * start-up, restarts and kills are e2e/embedded.sh's.
 */
class EmbeddedPostgresTest {

    @TempDir
    static Path dir;

    static EmbeddedPostgres server;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedPostgres.start(dir.resolve("data"));
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void asksForTheGeneratedPassword() throws Exception {
        try (Connection c = TestDatabase.connect(server.jdbcUrl(), EmbeddedPostgres.USER, server.password())) {
            assertTrue(c.isValid(2));
        }
        SQLException refused = assertThrows(SQLException.class,
                () -> TestDatabase.connect(server.jdbcUrl(), EmbeddedPostgres.USER, "wrong").close());
        assertEquals("28P01", refused.getSQLState(), "password authentication failed");
        assertEquals(server.password(), Files.readString(dir.resolve("data/password")).trim());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("data/password"))));
    }

    @Test
    void listensOnLoopbackOnly() throws Exception {
        try (Connection c = TestDatabase.connect(server.jdbcUrl(), EmbeddedPostgres.USER, server.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select current_setting('listen_addresses'), current_setting('unix_socket_directories')")) {
            rs.next();
            assertEquals("127.0.0.1", rs.getString(1));
            assertEquals("", rs.getString(2));
        }
    }

    @Test
    void secondServerOnTheSameDirectoryIsRefused() {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> EmbeddedPostgres.start(dir.resolve("data")));
        assertTrue(refused.getMessage().contains("another Latchkey"), refused.getMessage());
    }

    @Test
    void dataSurvivesARestartAndNoServerOutlivesStop() throws Exception {
        execute("create table if not exists kept (value text)", "insert into kept values ('still here')");
        long pid = postmasterPid();
        server.stop();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the server process is gone");
        assertFalse(Files.exists(dir.resolve("data/pgdata/postmaster.pid")));

        server = EmbeddedPostgres.start(dir.resolve("data"));
        try (Connection c = TestDatabase.connect(server.jdbcUrl(), EmbeddedPostgres.USER, server.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select value from kept")) {
            assertTrue(rs.next());
            assertEquals("still here", rs.getString(1));
        }
    }

    private static void execute(String... statements) throws SQLException {
        try (Connection c = TestDatabase.connect(server.jdbcUrl(), EmbeddedPostgres.USER, server.password());
                Statement s = c.createStatement()) {
            for (String sql : List.of(statements)) {
                s.execute(sql);
            }
        }
    }

    private static long postmasterPid() throws Exception {
        return Long.parseLong(Files.readAllLines(dir.resolve("data/pgdata/postmaster.pid")).get(0).trim());
    }
}
