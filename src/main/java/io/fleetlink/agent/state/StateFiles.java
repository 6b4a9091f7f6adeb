package io.fleetlink.agent.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The agent's state directory ({@code fleetlink.agent.state-dir}) and how files in it are written: a
 * new content goes to a temporary file (0600), is flushed to disk, renamed over the old file, and the
 * directory is flushed, so after a crash the file holds either the old or the new content, never a
 * mix. Blocking.
 */
public final class StateFiles {

    static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private StateFiles() {
    }

    /**
     * Creates {@code dir} (0700) when missing and refuses one that is a symlink, not a directory, or
     * writable by group or others: what is in it decides which requests the agent refuses.
     */
    public static Path ensureDirectory(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
        }
        PosixFileAttributes attributes = Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .readAttributes();
        if (!attributes.isDirectory()) {
            throw new IOException(dir + " is not a directory (a symlink is not followed)");
        }
        if (attributes.permissions().contains(PosixFilePermission.GROUP_WRITE)
                || attributes.permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(dir + " is writable by group or others (" + PosixFilePermissions.toString(attributes.permissions())
                    + "); make it 0700 and owned by the agent's user (root)");
        }
        return dir;
    }

    /** Refuses a state file that is a symlink, not a regular file, or writable by group or others. */
    static void checkFile(Path file) throws IOException {
        PosixFileAttributes attributes = Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .readAttributes();
        if (!attributes.isRegularFile()) {
            throw new IOException(file + " is not a regular file (a symlink is not followed)");
        }
        Set<PosixFilePermission> permissions = attributes.permissions();
        if (permissions.contains(PosixFilePermission.GROUP_WRITE) || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(file + " is writable by group or others (" + PosixFilePermissions.toString(permissions)
                    + "); it must be 0600 and owned by the agent's user (root)");
        }
    }

    /** Replaces {@code dir/name} with {@code content}: temp file, fsync, rename, fsync of the directory. */
    public static void writeAtomically(Path dir, String name, byte[] content) throws IOException {
        Path target = dir.resolve(name);
        Path temp = dir.resolve(name + ".tmp");
        Files.deleteIfExists(temp);
        try (FileChannel channel = FileChannel.open(temp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE))) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(dir);
    }

    /** Flushes a directory's entries (a rename, a new file) to disk. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
