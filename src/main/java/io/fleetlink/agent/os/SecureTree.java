package io.fleetlink.agent.os;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Empties a directory tree through open directory handles ({@link SecureDirectoryStream}): every name
 * is resolved one level at a time relative to its parent's handle without following a symlink, a
 * mount point below the root is never entered, and the root itself stays. A symlink swapped in
 * during the walk is at worst unlinked itself, never followed. Blocking.
 *
 * <p>Static rather than a bean behind an interface: it holds no state or configuration, works only
 * on the paths it is given, and the tests that cover it use real files, so there is nothing a fake would
 * stand in for.
 */
public final class SecureTree {

    /** Deeper trees are reported as an error instead of holding one open handle per level without bound. */
    static final int MAX_DEPTH = 256;
    /** Paths listed in an outcome; the count is always exact. */
    public static final int MAX_LISTED = 1000;
    static final int MAX_ERRORS = 20;

    private static final Pattern DEVICE = Pattern.compile("dev=([0-9a-fA-F]+)");

    /**
     * What emptying one root did (or, on a dry run, would do). {@code bytes}: the sizes of the removed
     * entries that are not directories, as {@code lstat} reports them (a symlink counts its own length,
     * never its target's).
     */
    public record Outcome(Path root, int removed, long bytes, List<String> listed, List<String> keptMounts, List<String> errors) {
    }

    /** An open root: its path with no symlink in it, and the handle everything is deleted through. */
    public record Root(Path path, SecureDirectoryStream<Path> dir) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            dir.close();
        }
    }

    /** The root was refused: a component below the trusted part is a symlink or not a directory. */
    public static class RefusedRoot extends IOException {
        public RefusedRoot(String message) {
            super(message);
        }
    }

    private SecureTree() {
    }

    /**
     * Opens {@code trusted} (configured by the operator, so resolved normally) and then each of
     * {@code below} (names a tenant may control, such as their user directory) without following a
     * symlink. Empty when some part does not exist: then there is nothing to clean.
     */
    public static Optional<Root> open(Path trusted, List<String> below) throws IOException {
        Path path;
        DirectoryStream<Path> stream;
        try {
            path = trusted.toRealPath();
            stream = Files.newDirectoryStream(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (!(stream instanceof SecureDirectoryStream<Path> dir)) {
            stream.close();
            throw new RefusedRoot("this platform offers no SecureDirectoryStream; refusing to delete under " + trusted);
        }
        try {
            for (String name : below) {
                path = path.resolve(name);
                Optional<BasicFileAttributes> attributes = attributes(dir, Path.of(name));
                if (attributes.isEmpty()) {
                    dir.close();
                    return Optional.empty();
                }
                if (attributes.get().isSymbolicLink()) {
                    throw new RefusedRoot(path + " is a symlink; it is not followed and nothing under it was deleted");
                }
                if (!attributes.get().isDirectory()) {
                    throw new RefusedRoot(path + " is not a directory");
                }
                SecureDirectoryStream<Path> next = dir.newDirectoryStream(Path.of(name), LinkOption.NOFOLLOW_LINKS);
                dir.close();
                dir = next;
            }
            return Optional.of(new Root(path, dir));
        } catch (IOException | RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /**
     * Deletes everything below {@code root} except mount points (paths in {@code mountPoints}, or
     * directories on another device) and what leads to them; on a dry run only lists.
     */
    public static Outcome empty(Root root, Set<Path> mountPoints, boolean dryRun) throws IOException {
        long rootDevice = device(root.dir().getFileAttributeView(BasicFileAttributeView.class).readAttributes());
        Walk walk = new Walk(rootDevice, mountPoints, dryRun);
        walk.emptyDirectory(root.dir(), root.path(), 1);
        return new Outcome(root.path(), walk.removed, walk.bytes, List.copyOf(walk.listed), List.copyOf(walk.kept), List.copyOf(walk.errors));
    }

    /** One pass over one root; collects what it did. */
    private static final class Walk {

        private final long rootDevice;
        private final Set<Path> mountPoints;
        private final boolean dryRun;
        private int removed;
        private long bytes;
        private final List<String> listed = new ArrayList<>();
        private final List<String> kept = new ArrayList<>();
        private final List<String> errors = new ArrayList<>();

        Walk(long rootDevice, Set<Path> mountPoints, boolean dryRun) {
            this.rootDevice = rootDevice;
            this.mountPoints = mountPoints;
            this.dryRun = dryRun;
        }

        /** True when everything below {@code dir} is (or would be) gone. */
        boolean emptyDirectory(SecureDirectoryStream<Path> dir, Path path, int depth) {
            List<Path> names = new ArrayList<>();
            try {
                for (Path entry : dir) {
                    names.add(entry.getFileName());
                }
            } catch (DirectoryIteratorException e) {
                error(path, e.getCause());
                return false;
            }
            boolean emptied = true;
            for (Path name : names) {
                emptied &= removeEntry(dir, path, name, depth);
            }
            return emptied;
        }

        private boolean removeEntry(SecureDirectoryStream<Path> dir, Path parent, Path name, int depth) {
            Path path = parent.resolve(name);
            try {
                Optional<BasicFileAttributes> found = attributes(dir, name);
                if (found.isEmpty()) {
                    return true; // removed by someone else meanwhile
                }
                BasicFileAttributes attributes = found.get();
                if (attributes.isDirectory()) {
                    if (!emptySubdirectory(dir, path, name, attributes, depth)) {
                        return false;
                    }
                    if (!dryRun) {
                        dir.deleteDirectory(name);
                    }
                } else {
                    if (!dryRun) {
                        // Files, symlinks, sockets, fifos, devices: unlinkat() removes the name, never a link's target.
                        dir.deleteFile(name);
                    }
                    bytes += attributes.size();
                }
                removed++;
                if (listed.size() < MAX_LISTED) {
                    listed.add(path.toString());
                }
                return true;
            } catch (NoSuchFileException e) {
                return true;
            } catch (IOException | DirectoryIteratorException e) {
                error(path, e);
                return false;
            }
        }

        private boolean emptySubdirectory(SecureDirectoryStream<Path> dir, Path path, Path name,
                BasicFileAttributes attributes, int depth) throws IOException {
            if (mountPoints.contains(path) || onOtherDevice(attributes)) {
                kept.add(path.toString());
                return false;
            }
            if (depth >= MAX_DEPTH) {
                errors.add(path + ": more than " + MAX_DEPTH + " levels deep; not descended");
                return false;
            }
            try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                Object opened = child.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
                if (!Objects.equals(opened, attributes.fileKey())) {
                    errors.add(path + ": replaced while being cleaned; skipped");
                    return false;
                }
                return emptyDirectory(child, path, depth + 1);
            }
        }

        private boolean onOtherDevice(BasicFileAttributes attributes) {
            long device = device(attributes);
            return rootDevice >= 0 && device >= 0 && device != rootDevice;
        }

        private void error(Path path, Throwable e) {
            if (errors.size() < MAX_ERRORS) {
                String reason = e instanceof FileSystemException fs && fs.getReason() != null ? fs.getReason() : e.getMessage();
                errors.add(path + ": " + reason);
            }
        }
    }

    private static Optional<BasicFileAttributes> attributes(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        try {
            return Optional.of(dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * The device id from the file key ({@code (dev=fe00,ino=123)} on Linux), or -1 when this JDK
     * formats it otherwise; then only the mount table guards against crossing a mount.
     */
    static long device(BasicFileAttributes attributes) {
        Object key = attributes.fileKey();
        if (key == null) {
            return -1;
        }
        Matcher matcher = DEVICE.matcher(key.toString());
        return matcher.find() ? Long.parseLong(matcher.group(1), 16) : -1;
    }
}
