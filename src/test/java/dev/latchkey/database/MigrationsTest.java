package dev.latchkey.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.latchkey.TestDatabase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The schema migrations on fresh databases of the test PostgreSQL: the same history as Flyway's
 * (databases deployed before database/Migrations were migrated by Flyway), and Flyway's refusals.
 */
@QuarkusTest
@QuarkusTestResource(TestDatabase.class)
class MigrationsTest {

    @Inject
    Vertx vertx;

    private final List<String> databases = new ArrayList<>();
    private final List<Pool> pools = new ArrayList<>();

    @AfterEach
    void dropDatabases() {
        pools.forEach(pool -> pool.close().await().indefinitely());
        databases.forEach(TestDatabase::drop);
    }

    @Test
    void theListIsEveryScriptInTheFolderInVersionOrder() throws IOException {
        List<String> files;
        try (Stream<Path> folder = Files.list(Path.of("src/main/resources", Migrations.FOLDER))) {
            files = folder.map(path -> path.getFileName().toString())
                    .sorted(Comparator.comparingInt(name -> Migrations.Script.load(name).version()))
                    .toList();
        }
        assertEquals(files, Migrations.SCRIPTS);
    }

    @Test
    void aFreshDatabaseGetsFlywaysHistoryAndFlywayAgrees() throws SQLException {
        String ours = fresh();
        assertEquals(Migrations.SCRIPTS.size(), migrate(ours));
        String theirs = fresh();
        assertEquals(Migrations.SCRIPTS.size(), flyway(theirs).migrate().migrationsExecuted);

        String columns = "installed_rank, version, description, type, checksum, success";
        assertEquals(history(theirs, columns), history(ours, columns), "the same history rows as Flyway's");
        assertEquals(schema(theirs), schema(ours), "the same tables, columns, indexes and triggers");

        assertTrue(flyway(ours).validateWithResult().validationSuccessful, "Flyway validates what Migrations applied");
        assertEquals(0, flyway(ours).migrate().migrationsExecuted);
        assertEquals(0, migrate(theirs), "Migrations accepts what Flyway applied");
        assertEquals(0, migrate(ours), "a second start applies nothing");
    }

    @Test
    void aDatabaseBehindGetsOnlyThePendingScripts() throws SQLException {
        String db = fresh();
        flyway(db, "7").migrate();
        assertEquals(Migrations.SCRIPTS.size() - 7, migrate(db));
        assertEquals(List.of("8 t", "9 t", "10 t"), history(db, "version, success").subList(7, 10));
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "update flyway_schema_history set checksum = checksum + 1 where version = '4'"
                    + " | V4__email_lifecycle.sql changed after it was applied | a script changed after it ran",
            "update flyway_schema_history set success = false where version = '10'"
                    + " | V10__profile_notify.sql failed on an earlier start | a failed run on record",
            "delete from flyway_schema_history where version = '3'"
                    + " | V3__key_sealing_retention.sql was never applied | an older script that never ran",
            "update flyway_schema_history set version = '1.1' where version = '1'"
                    + " | holds version '1.1', which no Latchkey release wrote | a history of something else" })
    void stopsTheStartOn(String change, String because, String what) throws SQLException {
        String db = migrated();
        sql(db, change);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> migrate(db));
        assertTrue(refused.getMessage().contains(because), refused.getMessage());
    }

    @Test
    void versionsFromANewerReleaseAreIgnored() throws SQLException {
        String db = migrated();
        sql(db, "insert into flyway_schema_history (installed_rank, version, description, type, script, checksum,"
                + " installed_by, execution_time, success) values (11, '11', 'from the future', 'SQL', 'V11__x.sql', 1,"
                + " 'postgres', 1, true)");
        assertEquals(0, migrate(db));
    }

    @Test
    void aFlywayBaselineStandsForTheVersionsUpToIt() throws SQLException {
        String db = fresh();
        flyway(db, "6").migrate();
        // As Flyway's baseline command leaves a database whose first six scripts ran some other way.
        sql(db, "delete from flyway_schema_history");
        sql(db, "insert into flyway_schema_history (installed_rank, version, description, type, script, checksum,"
                + " installed_by, execution_time, success) values (1, '6', '<< Flyway Baseline >>', 'BASELINE',"
                + " '<< Flyway Baseline >>', null, 'postgres', 0, true)");
        assertEquals(Migrations.SCRIPTS.size() - 6, migrate(db));
        assertTrue(flyway(db).validateWithResult().validationSuccessful, "Flyway agrees");
    }

    @Test
    void aFailingScriptLeavesNothingOfItselfAndNoHistoryRow() throws SQLException {
        String db = fresh();
        // V1 creates the table apps, then users: a users table already there makes it fail half-way.
        sql(db, "create table users (x integer)");
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> migrate(db));
        assertTrue(failed.getMessage().contains("migration V1__schema.sql failed"), failed.getMessage());
        assertEquals(List.of(), history(db, "version"), "no history row");
        assertEquals(List.of("flyway_schema_history", "users"), tables(db), "nothing V1 created is left");

        sql(db, "drop table users");
        assertEquals(Migrations.SCRIPTS.size(), migrate(db), "the next start applies everything");
    }

    @Test
    void instancesStartingTogetherApplyEachScriptOnce() throws Exception {
        String db = fresh();
        List<CompletableFuture<Integer>> starts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            starts.add(new Migrations(pool(db)).migrate().subscribeAsCompletionStage());
        }
        int applied = 0;
        for (CompletableFuture<Integer> start : starts) {
            applied += start.get();
        }
        assertEquals(Migrations.SCRIPTS.size(), applied);
        assertEquals(Migrations.SCRIPTS.size(), history(db, "version").size());
    }

    @Test
    void theChecksumIgnoresLineEndsAndAByteOrderMarkAsFlywaysDoes() {
        int lf = Migrations.Script.checksum("create table t (x int);\nselect 1;\n");
        assertEquals(lf, Migrations.Script.checksum("create table t (x int);\r\nselect 1;\r\n"));
        assertEquals(lf, Migrations.Script.checksum("\uFEFFcreate table t (x int);\nselect 1;"));
        assertNotEquals(lf, Migrations.Script.checksum("create table t (x int);\nselect 2;\n"));
    }

    private String fresh() {
        String db = TestDatabase.createExtra();
        databases.add(db);
        return db;
    }

    private String migrated() {
        String db = fresh();
        migrate(db);
        return db;
    }

    private int migrate(String db) {
        return new Migrations(pool(db)).migrate().await().indefinitely();
    }

    private Pool pool(String db) {
        Pool pool = PgBuilder.pool().connectingTo(TestDatabase.connectOptions(db)).using(vertx).build();
        pools.add(pool);
        return pool;
    }

    private static Flyway flyway(String db) {
        return flyway(db, "latest");
    }

    private static Flyway flyway(String db, String target) {
        return Flyway.configure().dataSource(TestDatabase.jdbcUrl(db), "postgres", "")
                .locations("classpath:" + Migrations.FOLDER).target(target).load();
    }

    private static List<String> history(String db, String columns) throws SQLException {
        return rows(db, "select " + columns + " from flyway_schema_history where version is not null order by installed_rank");
    }

    private static List<String> tables(String db) throws SQLException {
        return rows(db, "select tablename from pg_tables where schemaname = 'public' order by 1");
    }

    private static List<String> schema(String db) throws SQLException {
        List<String> all = new ArrayList<>();
        all.addAll(rows(db, "select table_name, column_name, data_type, is_nullable, column_default"
                + " from information_schema.columns where table_schema = 'public'"
                + " and table_name <> 'flyway_schema_history' order by 1, 2"));
        all.addAll(rows(db, "select indexdef from pg_indexes where schemaname = 'public'"
                + " and tablename <> 'flyway_schema_history' order by 1"));
        all.addAll(rows(db, "select tgname, pg_get_triggerdef(oid) from pg_trigger where not tgisinternal order by 1"));
        all.addAll(rows(db, "select proname, prosrc from pg_proc where pronamespace = 'public'::regnamespace order by 1"));
        return all;
    }

    private static List<String> rows(String db, String query) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = TestDatabase.connect(db);
                Statement statement = c.createStatement();
                ResultSet rs = statement.executeQuery(query)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    row.append(i > 1 ? " " : "").append(rs.getString(i));
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }

    private static void sql(String db, String sql) throws SQLException {
        try (Connection c = TestDatabase.connect(db);
                Statement statement = c.createStatement()) {
            statement.execute(sql);
        }
    }
}
