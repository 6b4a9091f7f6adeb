package io.fleetlink.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** File and mount chores of the host tests: unmount what is left under a directory, then delete it without following links. */
public final class TestFiles {

    private TestFiles() {
    }

    /** Mount points strictly below {@code dir}, deepest first, as /proc/self/mountinfo lists them. */
    public static List<Path> mountsUnder(Path dir) {
        List<Path> points = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] fields = line.split(" ");
                Path point = Path.of(fields[4].replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n")
                        .replace("\\134", "\\"));
                if (point.startsWith(dir) && !point.equals(dir)) {
                    points.add(point);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        points.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return points;
    }

    /** Unmounts everything below {@code dir} (lazily as a last resort, so a test never leaves one behind). */
    public static void unmountAllUnder(Path dir) {
        for (int round = 0; round < 5; round++) {
            List<Path> points = mountsUnder(dir);
            if (points.isEmpty()) {
                return;
            }
            for (Path point : points) {
                if (TestCommands.run("umount", "--", point.toString()).exitCode() != 0 && round >= 3) {
                    TestCommands.run("umount", "-l", "--", point.toString());
                }
            }
        }
    }

    /**
     * Deletes {@code dir} (which holds no mounts: certificates, keys, configs) when the JVM ends. The hook
     * is a class loaded now and uses the JDK only: by the time hooks run, Quarkus has closed the test
     * class loader, and a class first loaded then comes from the parent loader, where a package-private
     * one (deleteTree's visitor) is not accessible ({@code IllegalAccessError} in the CI log).
     */
    public static void deleteAtExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(new ExitDeletion(dir.toFile()), "delete " + dir));
    }

    private record ExitDeletion(File dir) implements Runnable {
        @Override
        public void run() {
            delete(dir);
        }

        private static void delete(File file) {
            File[] children = Files.isSymbolicLink(file.toPath()) ? null : file.listFiles();
            if (children != null) {
                for (File child : children) {
                    delete(child);
                }
            }
            file.delete();
        }
    }

    /** Unmounts what is below {@code dir} and deletes it; refuses to delete through a mount that would not go. */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        unmountAllUnder(dir);
        if (!mountsUnder(dir).isEmpty()) {
            throw new IllegalStateException("mounts left under " + dir + ": " + mountsUnder(dir) + "; not deleting it");
        }
        try {
            // walkFileTree does not follow symlinks: a link is deleted, never its target.
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                    Files.delete(directory);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /**
     * Puts at {@code path} what a tenant might plant where a file is expected: {@code fifo},
     * {@code socket} (left bound to nothing), {@code symlink} (to {@code target}), {@code directory}
     * (holding a file) or {@code file}.
     */
    public static void plant(Path path, String kind, Path target) throws IOException {
        switch (kind) {
            case "fifo" -> TestCommands.ok("mkfifo", path.toString());
            case "socket" -> {
                try (java.nio.channels.ServerSocketChannel socket = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                    socket.bind(java.net.UnixDomainSocketAddress.of(path));
                }
            }
            case "symlink" -> Files.createSymbolicLink(path, target);
            case "directory" -> {
                Files.createDirectory(path);
                Files.writeString(path.resolve("inside"), "planted\n");
            }
            case "file" -> Files.writeString(path, "planted\n");
            default -> throw new IllegalArgumentException(kind);
        }
    }

    /** Live threads whose name starts with {@code prefix}: work the agent left waiting. */
    public static List<String> parkedThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().startsWith(prefix))
                .map(Thread::getName)
                .toList();
    }
}
