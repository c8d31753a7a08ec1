package dev.latchkey.database;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Brings the schema up to date at start-up, before anything else reads it: the scripts in
 * {@code db/migration}, in version order, each in its own transaction, on the reactive pool.
 *
 * <p>Flyway did this until it was measured: its JDBC stack (Flyway, Agroal, Narayana, the JDBC
 * datasource) was about 1,000 classes and half a second of every start, for ten scripts. What
 * it wrote stays the record: the table {@code flyway_schema_history}, the same rows and the
 * same checksums (Flyway's CRC32 of the script's lines), so a database Flyway migrated goes on
 * here and one migrated here still validates under Flyway. As with Flyway's defaults: a script
 * changed after it ran, a failed run on record, or a script older than the newest one applied
 * but never run stops the start; versions the database has and this build does not (a newer
 * release ran on it) are ignored, and so are the versions up to a Flyway baseline. Instances
 * starting together take turns on an advisory lock.
 */
@ApplicationScoped
public class Migrations {

    /** The scripts, in order; {@code MigrationsTest} checks that this is every file in the folder. */
    static final List<String> SCRIPTS = List.of(
            "V1__schema.sql",
            "V2__app_settings_audit_throttle.sql",
            "V3__key_sealing_retention.sql",
            "V4__email_lifecycle.sql",
            "V5__custom_token.sql",
            "V6__admin.sql",
            "V7__key_lifecycle.sql",
            "V8__revocation_notify.sql",
            "V9__key_notify.sql",
            "V10__profile_notify.sql");

    static final String FOLDER = "db/migration/";
    private static final Pattern NAME = Pattern.compile("V(\\d+)__(\\w+)\\.sql");
    /** Session-level, so it also covers the scripts' own commits; any constant the rest of Latchkey does not use. */
    private static final long LOCK = 0x4c6b_4d69_6772_6174L;

    private static final String HISTORY = """
            create table flyway_schema_history (
                installed_rank integer not null constraint flyway_schema_history_pk primary key,
                version varchar(50),
                description varchar(200) not null,
                type varchar(20) not null,
                script varchar(1000) not null,
                checksum integer,
                installed_by varchar(100) not null,
                installed_on timestamp not null default now(),
                execution_time integer not null,
                success boolean not null)""";

    private final Pool pool;

    public Migrations(Pool pool) {
        this.pool = pool;
    }

    /** Before every other start-up observer: the scheduler starts its jobs at PLATFORM_BEFORE (0). */
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE - 1) StartupEvent event) throws Throwable {
        int applied = VertxContextSupport.subscribeAndAwait(this::migrate);
        if (applied > 0) {
            Log.infof("schema migrated: %d script(s) applied, now at version %d", applied, SCRIPTS.size());
        }
    }

    /** Applies what is pending; answers how many scripts ran. */
    public Uni<Integer> migrate() {
        return pool.withConnection(conn -> conn
                .query("select pg_advisory_lock(" + LOCK + ")").execute()
                .chain(() -> conn.query("select to_regclass('flyway_schema_history') is null").execute())
                .chain(missing -> missing.iterator().next().getBoolean(0) ? conn.query(HISTORY).execute() : Uni.createFrom().nullItem())
                .chain(() -> conn.query("select version, type, checksum, success from flyway_schema_history"
                        + " where version is not null").execute())
                .chain(rows -> applyPending(conn, history(rows)))
                .onTermination().call(() -> conn.query("select pg_advisory_unlock(" + LOCK + ")").execute()
                        .onFailure().recoverWithNull()));
    }

    /** The applied versions by number; a Flyway baseline stands for every version up to its own. */
    private static Map<Integer, Row> history(RowSet<Row> rows) {
        Map<Integer, Row> done = new HashMap<>();
        for (Row row : rows) {
            String version = row.getString("version");
            if (!version.matches("\\d{1,9}")) {
                throw new IllegalStateException("flyway_schema_history holds version '" + version
                        + "', which no Latchkey release wrote: this database belongs to something else");
            }
            done.put(Integer.valueOf(version), row);
        }
        return done;
    }

    private Uni<Integer> applyPending(SqlConnection conn, Map<Integer, Row> done) {
        int newest = done.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
        int baseline = done.entrySet().stream().filter(e -> "BASELINE".equals(e.getValue().getString("type")))
                .mapToInt(Map.Entry::getKey).max().orElse(0);
        Uni<Integer> chain = Uni.createFrom().item(0);
        for (String name : SCRIPTS) {
            Script script = Script.load(name);
            Row row = done.get(script.version());
            if (script.version() <= baseline) {
                continue;
            } else if (row != null) {
                check(script, row);
            } else if (script.version() < newest) {
                throw new IllegalStateException("migration " + name + " was never applied, yet the database is at version "
                        + newest + ": apply it by hand or restore the database");
            } else {
                chain = chain.chain(count -> apply(conn, script).replaceWith(count + 1));
            }
        }
        return chain;
    }

    private static void check(Script script, Row row) {
        if (!row.getBoolean("success")) {
            throw new IllegalStateException("migration " + script.name() + " failed on an earlier start: "
                    + "repair the database, then delete its row from flyway_schema_history");
        }
        Integer checksum = row.getInteger("checksum");
        if (checksum == null || checksum != script.checksum()) {
            throw new IllegalStateException("migration " + script.name() + " changed after it was applied "
                    + "(checksum " + checksum + " in the database, " + script.checksum() + " now)");
        }
    }

    private static Uni<Void> apply(SqlConnection conn, Script script) {
        long started = System.nanoTime();
        return conn.begin().flatMap(tx -> conn.query(script.sql()).execute()
                .chain(() -> conn.preparedQuery("""
                        insert into flyway_schema_history
                            (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
                        select coalesce(max(installed_rank), 0) + 1, $1, $2, 'SQL', $3, $4, current_user, $5, true
                        from flyway_schema_history""")
                        .execute(Tuple.of(Integer.toString(script.version()), script.description(), FOLDER + script.name(),
                                script.checksum(), (int) ((System.nanoTime() - started) / 1_000_000))))
                .chain(tx::commit)
                .onFailure().call(failure -> tx.rollback().onFailure().recoverWithNull())
                .onFailure().transform(failure -> new IllegalStateException(
                        "migration " + script.name() + " failed: " + failure.getMessage(), failure)))
                .invoke(() -> Log.debugf("applied %s", script.name()));
    }

    /** One script as Flyway names and checksums it. */
    record Script(String name, int version, String description, String sql, int checksum) {

        static Script load(String name) {
            Matcher m = NAME.matcher(name);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a migration name: " + name);
            }
            String sql = read(FOLDER + name);
            return new Script(name, Integer.parseInt(m.group(1)), m.group(2).replace('_', ' '), sql, checksum(sql));
        }

        /** Flyway's: CRC32 over the UTF-8 bytes of each line, without line ends or a leading byte-order mark. */
        static int checksum(String sql) {
            CRC32 crc = new CRC32();
            String text = sql.startsWith("\uFEFF") ? sql.substring(1) : sql;
            try (BufferedReader lines = new BufferedReader(new StringReader(text))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    crc.update(line.getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return (int) crc.getValue();
        }

        private static String read(String resource) {
            try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing from the build: " + resource);
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
