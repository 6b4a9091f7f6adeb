package io.fleetlink.agent.os;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;

/**
 * A directory the agent holds open, found by {@link TrustedDirectories#open}: {@code path} is how it was
 * reached (every component checked, none a link), {@code fileKey} the (device, inode) of the object
 * actually opened, and {@link #procPath()} a name for exactly that object that another process (mount(8))
 * can use while this stays open: the kernel resolves {@code /proc/<pid>/fd/<n>} to the open directory
 * itself and never walks {@code path} again, so a tenant who renames or swaps a component afterwards
 * changes nothing. Close it once the other process is done.
 */
public final class OpenDirectory implements AutoCloseable {

    private final SecureDirectoryStream<Path> stream;
    private final Path path;
    private final Object fileKey;
    private final int fd;

    OpenDirectory(SecureDirectoryStream<Path> stream, Path path, Object fileKey, int fd) {
        this.stream = stream;
        this.path = path;
        this.fileKey = fileKey;
        this.fd = fd;
    }

    /** The checked path the directory was reached by (for messages and logs; never hand it to the kernel). */
    public Path path() {
        return path;
    }

    /** The (device, inode) of the open directory, comparable with {@code BasicFileAttributes.fileKey()}. */
    public Object fileKey() {
        return fileKey;
    }

    /** {@code /proc/<agent pid>/fd/<n>}: the open directory, for a child process; valid until {@link #close()}. */
    public Path procPath() {
        return Path.of("/proc", Long.toString(ProcessHandle.current().pid()), "fd", Integer.toString(fd));
    }

    @Override
    public void close() {
        try {
            stream.close();
        } catch (IOException e) {
            // Closing a directory stream only releases descriptors; nothing to undo.
        }
    }
}
