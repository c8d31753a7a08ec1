package dev.latchkey.embedded;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

import org.jboss.logging.Logger;

/**
 * The PostgreSQL server on the class path: the io.zonky.test.postgres binaries artifacts carry
 * one {@code postgres-<os>-<arch>.txz} each (bin/, lib/, share/, relocatable). It is unpacked
 * into the data directory once, and again only when the packaged archive changes.
 */
final class PostgresBinaries {

    private static final Logger LOG = Logger.getLogger(PostgresBinaries.class);

    private static final String STAMP = ".unpacked-from";

    private PostgresBinaries() {
    }

    /** Makes sure {@code target} holds the packaged server; returns it. */
    static Path unpack(Path target) throws IOException {
        String archive = archiveName();
        URL url = PostgresBinaries.class.getClassLoader().getResource(archive);
        if (url == null) {
            throw new IllegalStateException("this build carries no embedded PostgreSQL server for "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + " (" + archive + ")");
        }
        URLConnection connection = url.openConnection();
        // Size and time of the archive entry identify a binaries release without reading 15 MB
        // at every start.
        String stamp = archive + " " + connection.getContentLengthLong() + " " + connection.getLastModified();
        Path stampFile = target.resolve(STAMP);
        if (Files.isRegularFile(stampFile) && Files.readString(stampFile).equals(stamp)) {
            return target;
        }
        long started = System.nanoTime();
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        deleteTree(partial);
        try (InputStream in = connection.getInputStream()) {
            extract(in, partial);
        }
        LOG.debugf("unpacked %s into %s in %d ms", archive, target, (System.nanoTime() - started) / 1_000_000);
        Files.writeString(partial.resolve(STAMP), stamp);
        deleteTree(target);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private static String archiveName() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm_64";
            default -> System.getProperty("os.arch");
        };
        return "postgres-" + (os.startsWith("linux") ? "linux" : os.replace(' ', '_')) + "-" + arch + ".txz";
    }

    private static void extract(InputStream txz, Path into) throws IOException {
        Files.createDirectories(into);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(new BufferedInputStream(txz)))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                Path path = inside(into, entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(path.getParent());
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    Files.createDirectories(path.getParent());
                    Files.createLink(path, inside(into, entry.getLinkName()));
                } else if (entry.isFile()) {
                    Files.createDirectories(path.getParent());
                    Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(path, permissions(entry.getMode()));
                }
            }
        }
    }

    private static Path inside(Path root, String name) throws IOException {
        Path path = root.resolve(name).normalize();
        if (!path.startsWith(root)) {
            throw new IOException("archive entry outside its directory: " + name);
        }
        return path;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE, high bit first
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << (bits.length - 1 - i))) != 0) {
                permissions.add(bits[i]);
            }
        }
        return permissions;
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
