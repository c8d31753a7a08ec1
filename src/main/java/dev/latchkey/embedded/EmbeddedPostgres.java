package dev.latchkey.embedded;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

/**
 * A real PostgreSQL server that Latchkey runs as its child, everything in one directory:
 *
 * <pre>
 *   postgres/       the server, unpacked from the class path ({@link PostgresBinaries})
 *   pgdata/         the cluster (initdb'd on the first start)
 *   password        generated superuser password: the server asks for it (scram-sha-256), even on 127.0.0.1
 *   postgres.log    the server's own log
 *   latchkey.lock   held while a Latchkey runs here, so two never share one cluster
 * </pre>
 *
 * The server listens on 127.0.0.1 only, on a port free at start-up, with no Unix socket.
 * It must not outlive Latchkey: it runs under a small {@code sh} watchdog that holds the read
 * end of a pipe whose write end only this JVM holds. {@link #stop()} closes the pipe; so does
 * the kernel when the JVM dies in any way (SIGKILL, OOM kill, crash). At end of file the
 * watchdog asks the server for a fast shutdown (SIGINT). If even the watchdog was killed, the
 * next start finds the server through {@code pgdata/postmaster.pid} and stops it first.
 */
final class EmbeddedPostgres {

    /** JBoss Logging itself rather than io.quarkus.logging.Log: the package also runs outside Quarkus (its unit test). */
    private static final Logger LOG = Logger.getLogger(EmbeddedPostgres.class);

    static final String DATABASE = "latchkey";
    static final String USER = "postgres";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final int PORT_ATTEMPTS = 3;

    /**
     * Runs the server ("$@") and waits for it. A reader on the JVM's pipe (fd 3) asks for a fast
     * shutdown at end of file; the server and the main shell do not keep the pipe open.
     */
    private static final String WATCHDOG = """
            exec 3<&0 0</dev/null
            "$@" 3<&- &
            server=$!
            { while read -r _; do :; done; kill -INT "$server" 2>/dev/null; } <&3 &
            reader=$!
            exec 3<&-
            wait "$server"
            status=$?
            kill "$reader" 2>/dev/null
            exit "$status"
            """;

    private final Path directory;
    private final Path pgdata;
    private final int port;
    private final String password;
    private final Process watchdog;
    private final long serverPid;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private boolean stopped;

    private EmbeddedPostgres(Path directory, int port, String password, Process watchdog, long serverPid,
            FileChannel lockChannel, FileLock lock) {
        this.directory = directory;
        this.pgdata = directory.resolve("pgdata");
        this.port = port;
        this.password = password;
        this.watchdog = watchdog;
        this.serverPid = serverPid;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Starts the server in {@code directory}, creating the directory and cluster on first use. */
    static EmbeddedPostgres start(Path directory) throws IOException {
        Path dir = directory.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        FileChannel lockChannel = FileChannel.open(dir.resolve("latchkey.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException heldByThisJvm) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IllegalStateException("another Latchkey is running with the data directory " + dir);
        }
        try {
            Path pgdata = dir.resolve("pgdata");
            stopLeftoverServer(pgdata);
            Path binaries = PostgresBinaries.unpack(dir.resolve("postgres"));
            List<String> asUser = unprivileged();
            String password = password(dir.resolve("password"));
            if (!Files.isDirectory(pgdata)) {
                initdb(binaries, asUser, dir, pgdata);
            }
            Path log = dir.resolve("postgres.log");
            for (int attempt = 1;; attempt++) {
                int port = freePort();
                long logStart = Files.exists(log) ? Files.size(log) : 0;
                Process watchdog = spawn(binaries, asUser, pgdata, port, log);
                try {
                    long pid = awaitReady(watchdog, pgdata, port, password);
                    return new EmbeddedPostgres(dir, port, password, watchdog, pid, lockChannel, lock);
                } catch (ServerExited exited) {
                    String output = tail(log, logStart);
                    // Another process may take the port between our probe and the server's bind.
                    if (!output.contains("already in use") || attempt == PORT_ATTEMPTS) {
                        throw new IllegalStateException("PostgreSQL exited during start-up; its log says:\n" + output);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    String reactiveUrl() {
        return "postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    String password() {
        return password;
    }

    Path directory() {
        return directory;
    }

    int port() {
        return port;
    }

    /** Fast shutdown (sessions are cut, a checkpoint is written); waits for the server to exit. */
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            watchdog.getOutputStream().close();
            if (!watchdog.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warnf("PostgreSQL (pid %d) did not stop within %s; killing it", serverPid, STOP_TIMEOUT);
                ProcessHandle.of(serverPid).ifPresent(ProcessHandle::destroyForcibly);
                watchdog.destroyForcibly();
            }
            LOG.debugf("embedded PostgreSQL in %s stopped", pgdata);
        } catch (IOException e) {
            LOG.warnf("could not stop the embedded PostgreSQL cleanly: %s", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                lock.release();
                lockChannel.close();
            } catch (IOException e) {
                LOG.debugf("releasing %s: %s", directory, e);
            }
        }
    }

    /**
     * A server that an earlier Latchkey left behind (its JVM and watchdog were both killed)
     * still holds the cluster; we hold the directory lock, so no live Latchkey owns it.
     */
    private static void stopLeftoverServer(Path pgdata) throws IOException {
        Path pidFile = pgdata.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        long pid;
        try {
            pid = postmasterPid(pgdata);
        } catch (RuntimeException e) {
            return; // half-written by a server that died starting: the next one writes it anew
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty()) {
            return; // the server sees a dead pid as stale by itself
        }
        if (!isServerOf(pid, pgdata)) {
            // After a crash or reboot the pid can belong to an unrelated process, and the server
            // would refuse to start over a lock file whose pid lives.
            Files.delete(pidFile);
            return;
        }
        LOG.warnf("stopping PostgreSQL (pid %d) left running in %s by an earlier Latchkey", pid, pgdata);
        run(List.of("sh", "-c", "kill -INT \"$1\"", "sh", Long.toString(pid)), null);
        // The server removes its pid file last thing. Its process is no child of ours, and as an
        // orphan it stays a zombie (alive to ProcessHandle) until init reaps it, which can take seconds.
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (Files.exists(pidFile) && process.get().isAlive()) {
            if (System.nanoTime() > deadline) {
                process.get().destroyForcibly();
                break;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while PostgreSQL (pid " + pid + ") stopped", e);
            }
        }
    }

    /** A postmaster runs in its data directory: that, and its name, identify it. */
    private static boolean isServerOf(long pid, Path pgdata) throws IOException {
        Path cwd;
        try {
            cwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
        } catch (IOException e) {
            throw new IllegalStateException(pgdata.resolve("postmaster.pid") + " names process " + pid
                    + ", which Latchkey cannot inspect; stop that process or remove the file", e);
        }
        boolean named = ProcessHandle.of(pid).flatMap(p -> p.info().command())
                .map(command -> command.endsWith("/postgres")).orElse(false);
        return named && cwd.equals(pgdata.toRealPath());
    }

    /**
     * PostgreSQL refuses to run as root. As root (how CI and many containers run), the server
     * gets a user namespace of its own ({@code unshare -U}), where it is an ordinary user;
     * the files stay owned by root on disk. Same trick as zonky's EmbeddedPostgres.
     */
    private static List<String> unprivileged() throws IOException {
        if (new com.sun.security.auth.module.UnixSystem().getUid() != 0) {
            return List.of();
        }
        List<String> unshare = List.of("unshare", "-U");
        List<String> probe = new ArrayList<>(unshare);
        probe.add("true");
        if (run(probe, null) != 0) {
            throw new IllegalStateException("PostgreSQL does not run as root, and this machine does not allow "
                    + "'unshare -U' to give it an ordinary user: run Latchkey as another user");
        }
        return unshare;
    }

    private static String password(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            return Files.readString(file).trim();
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        Files.createFile(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(partial, password + "\n");
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
        return password;
    }

    /** Into a side directory first: pgdata exists only once it is complete. */
    private static void initdb(Path binaries, List<String> asUser, Path dir, Path pgdata) throws IOException {
        Path partial = dir.resolve("pgdata.partial");
        PostgresBinaries.deleteTree(partial);
        List<String> command = new ArrayList<>(asUser);
        command.addAll(List.of(binaries.resolve("bin/initdb").toString(), "-D", partial.toString(),
                "-U", USER, "--auth=scram-sha-256", "--pwfile=" + dir.resolve("password"),
                "-E", "UTF8", "--no-locale", "--no-instructions"));
        Path log = dir.resolve("postgres.log");
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        long started = System.nanoTime();
        if (run(command, log.toFile()) != 0) {
            throw new IllegalStateException("initdb failed; " + log + " says:\n" + tail(log, logStart));
        }
        Files.move(partial, pgdata, StandardCopyOption.ATOMIC_MOVE);
        LOG.debugf("initdb %s in %d ms", pgdata, (System.nanoTime() - started) / 1_000_000);
    }

    private static Process spawn(Path binaries, List<String> asUser, Path pgdata, int port, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        // Its own session: a Ctrl-C meant for Latchkey's terminal must not stop the database
        // before Latchkey has drained its requests.
        onPath("setsid").ifPresent(command::add);
        command.addAll(List.of("sh", "-c", WATCHDOG, "latchkey-postgres"));
        command.addAll(asUser);
        command.addAll(List.of(binaries.resolve("bin/postgres").toString(), "-D", pgdata.toString(),
                "-p", Integer.toString(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** Connects until the server answers; creates the database on the first start. Returns the postmaster's pid. */
    private static long awaitReady(Process watchdog, Path pgdata, int port, String password) throws IOException {
        Properties credentials = new Properties();
        credentials.setProperty("user", USER);
        credentials.setProperty("password", password);
        credentials.setProperty("connectTimeout", "5");
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!watchdog.isAlive()) {
                throw new ServerExited();
            }
            try (Connection connection = new org.postgresql.Driver().connect(url, credentials);
                    Statement statement = connection.createStatement()) {
                try (ResultSet exists = statement.executeQuery(
                        "select 1 from pg_database where datname = '" + DATABASE + "'")) {
                    if (!exists.next()) {
                        statement.execute("create database " + DATABASE);
                    }
                }
                return postmasterPid(pgdata);
            } catch (SQLException e) {
                if ("28P01".equals(e.getSQLState())) {
                    watchdog.getOutputStream().close();
                    throw new IllegalStateException("the server in " + pgdata + " refuses the password in "
                            + pgdata.resolveSibling("password") + " (was that file replaced?)");
                }
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while PostgreSQL started", e);
            }
        }
        watchdog.getOutputStream().close();
        throw new IOException("PostgreSQL in " + pgdata + " did not accept connections within " + READY_TIMEOUT, last);
    }

    private static long postmasterPid(Path pgdata) throws IOException {
        try (Stream<String> lines = Files.lines(pgdata.resolve("postmaster.pid"))) {
            return Long.parseLong(lines.findFirst().orElseThrow().trim());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static int run(List<String> command, File log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.redirectOutput(log == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.appendTo(log));
        try {
            return builder.start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command.get(0), e);
        }
    }

    private static Optional<String> onPath(String program) {
        String path = System.getenv("PATH");
        return path == null ? Optional.empty()
                : Stream.of(path.split(File.pathSeparator))
                        .map(dir -> Path.of(dir, program))
                        .filter(Files::isExecutable)
                        .map(Path::toString)
                        .findFirst();
    }

    private static String tail(Path log, long from) throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long start = Math.max(from, file.length() - 4096);
            byte[] bytes = new byte[(int) (file.length() - start)];
            file.seek(start);
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** The server (and so its watchdog) ended before it accepted a connection. */
    private static final class ServerExited extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ServerExited() {
            super(null, null, false, false);
        }
    }
}
