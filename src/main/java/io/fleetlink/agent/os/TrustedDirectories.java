package io.fleetlink.agent.os;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fleetlink.agent.os.DirectoryWalkException.Reason;

/**
 * Opens directories below a root only root can change, without following a symbolic link and
 * without ever opening anything that is not a directory, so a tenant racing the agent in its own
 * folders can neither redirect the open nor make it block. Java 17 has no {@code O_PATH}/{@code openat}
 * API of its own; {@link SecureDirectoryStream} is its {@code openat}. Blocking (file system calls only,
 * none of which can wait on a tenant).
 */
public final class TrustedDirectories {

    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_ISVTX = 01000;
    private static final int GROUP_OR_OTHER_WRITE = 0022;

    private TrustedDirectories() {
    }

    /**
     * The real path of {@code dir} after checking that only root can change it or anything on the way
     * to it: {@code dir} and every directory above it are owned by root; {@code dir} is writable by root
     * alone; a directory above it may be writable by others only with the sticky bit (like {@code /tmp}),
     * where nobody but an entry's owner or root can rename or remove that entry, and the next component
     * is root's. A path that passes stays the same directory unless root changes it, so it is safe to
     * hand to the kernel as a string. Stricter than {@link Executables} on nothing, looser on sticky
     * directories only.
     *
     * @throws DirectoryWalkException {@code MISSING}, {@code NOT_A_DIRECTORY} or {@code UNTRUSTED}, naming the component
     */
    public static Path requireRootOwned(Path dir) throws DirectoryWalkException {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (NoSuchFileException e) {
            throw new DirectoryWalkException(Reason.MISSING, dir + " does not exist");
        } catch (IOException e) {
            throw new DirectoryWalkException(Reason.FAILED, "cannot resolve " + dir + ": " + e.getMessage());
        }
        Path current = real.getRoot();
        check(current, real.getNameCount() == 0);
        for (int i = 0; i < real.getNameCount(); i++) {
            current = current.resolve(real.getName(i));
            check(current, i == real.getNameCount() - 1);
        }
        return real;
    }

    private static void check(Path dir, boolean last) throws DirectoryWalkException {
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(dir, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            throw new DirectoryWalkException(Reason.FAILED, "cannot read the attributes of " + dir + ": " + e.getMessage());
        }
        int mode = (Integer) attributes.get("mode");
        int uid = (Integer) attributes.get("uid");
        if ((mode & S_IFMT) != S_IFDIR) {
            throw new DirectoryWalkException(Reason.NOT_A_DIRECTORY, dir + " is not a directory");
        }
        if (uid != 0) {
            throw new DirectoryWalkException(Reason.UNTRUSTED, dir + " is owned by uid " + uid + ", not root");
        }
        boolean writableByOthers = (mode & GROUP_OR_OTHER_WRITE) != 0;
        if (writableByOthers && (last || (mode & S_ISVTX) == 0)) {
            throw new DirectoryWalkException(Reason.UNTRUSTED, dir + " is writable by " + ((mode & 0020) != 0 ? "its group" : "others")
                    + " (mode " + Integer.toOctalString(mode & 07777) + ")");
        }
    }

    /**
     * Opens {@code root.resolve(relative)}: {@code root} must be a path {@link #requireRootOwned} returned;
     * {@code relative} names one directory per component (no {@code .}, {@code ..} or empty ones; an empty path opens {@code root}). Each
     * component is looked at with no-follow attributes relative to the directory opened before it and
     * refused unless it is a directory; it is then opened as {@code name/.} relative to that directory
     * handle, so the open itself can only ever open a directory (never a FIFO, which would block, or a
     * device), and what was opened must be the very inode looked at, or the walk fails as {@code CHANGED}.
     * A link swapped in between the look and the open is followed by the kernel but caught by that
     * comparison, and nothing is done with what it led to.
     *
     * @throws DirectoryWalkException naming the component at fault; nothing is left open
     */
    public static OpenDirectory open(Path root, Path relative) throws DirectoryWalkException {
        SecureDirectoryStream<Path> current = openRoot(root);
        Path reached = root;
        try {
            // An empty path (the root itself) iterates as one empty name: nothing to walk.
            for (Path name : relative.toString().isEmpty() ? List.<Path>of() : relative) {
                String part = name.toString();
                if (part.isEmpty() || ".".equals(part) || "..".equals(part)) {
                    throw new IllegalArgumentException("'" + relative + "' must name directories only (no '.', '..' or empty components)");
                }
                reached = reached.resolve(part);
                PosixFileAttributes seen = lookAt(current, name, reached);
                SecureDirectoryStream<Path> next = openChild(current, part, reached);
                Object opened;
                try {
                    opened = fileKey(next, reached);
                } catch (DirectoryWalkException e) {
                    close(next);
                    throw e;
                }
                if (!opened.equals(seen.fileKey())) {
                    close(next);
                    throw new DirectoryWalkException(Reason.CHANGED, reached + " was replaced while it was being opened");
                }
                close(current);
                current = next;
            }
            Object key = fileKey(current, reached);
            int fd = descriptorOf(key, reached);
            return new OpenDirectory(current, reached, key, fd);
        } catch (DirectoryWalkException | RuntimeException e) {
            close(current);
            throw e;
        }
    }

    private static SecureDirectoryStream<Path> openRoot(Path root) throws DirectoryWalkException {
        DirectoryStream<Path> stream;
        try {
            stream = Files.newDirectoryStream(root);
        } catch (NoSuchFileException e) {
            throw new DirectoryWalkException(Reason.MISSING, root + " does not exist");
        } catch (NotDirectoryException e) {
            throw new DirectoryWalkException(Reason.NOT_A_DIRECTORY, root + " is not a directory");
        } catch (IOException e) {
            throw new DirectoryWalkException(Reason.FAILED, "cannot open " + root + ": " + e.getMessage());
        }
        if (stream instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        close(stream);
        throw new DirectoryWalkException(Reason.FAILED, "this platform cannot open directories relative to a handle; refusing to walk " + root);
    }

    private static PosixFileAttributes lookAt(SecureDirectoryStream<Path> dir, Path name, Path reached) throws DirectoryWalkException {
        PosixFileAttributes attributes;
        try {
            attributes = dir.getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (NoSuchFileException e) {
            throw new DirectoryWalkException(Reason.MISSING, reached + " does not exist");
        } catch (IOException e) {
            throw new DirectoryWalkException(Reason.FAILED, "cannot read the attributes of " + reached + ": " + e.getMessage());
        }
        if (attributes.isSymbolicLink()) {
            throw new DirectoryWalkException(Reason.SYMBOLIC_LINK, reached + " is a symbolic link");
        }
        if (!attributes.isDirectory()) {
            throw new DirectoryWalkException(Reason.NOT_A_DIRECTORY, reached + " is "
                    + (attributes.isRegularFile() ? "a regular file" : "a FIFO, socket or device") + ", not a directory");
        }
        return attributes;
    }

    private static SecureDirectoryStream<Path> openChild(SecureDirectoryStream<Path> dir, String part, Path reached) throws DirectoryWalkException {
        try {
            // "name/." resolves only to a directory: a FIFO or device put there since the look fails with
            // ENOTDIR instead of being opened (an open of a FIFO would wait for a writer).
            return dir.newDirectoryStream(Path.of(part, "."), LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException | NotDirectoryException e) {
            throw new DirectoryWalkException(Reason.CHANGED, reached + " was replaced while it was being opened");
        } catch (AccessDeniedException e) {
            throw new DirectoryWalkException(Reason.FAILED, "cannot open " + reached + ": permission denied");
        } catch (FileSystemException e) {
            // ELOOP and friends: it changed into something else between the look and the open.
            throw new DirectoryWalkException(Reason.CHANGED, reached + " was replaced while it was being opened (" + e.getReason() + ")");
        } catch (IOException e) {
            throw new DirectoryWalkException(Reason.FAILED, "cannot open " + reached + ": " + e.getMessage());
        }
    }

    /** fstat of the stream's own descriptor: the object opened, whatever its path says now. */
    private static Object fileKey(SecureDirectoryStream<Path> dir, Path reached) throws DirectoryWalkException {
        try {
            Object key = dir.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
            if (key == null) {
                throw new DirectoryWalkException(Reason.FAILED, "no file key for " + reached);
            }
            return key;
        } catch (IOException e) {
            throw new DirectoryWalkException(Reason.FAILED, "cannot read the attributes of " + reached + ": " + e.getMessage());
        }
    }

    /**
     * The number of a descriptor of this process that is the open directory: {@code stat} through
     * {@code /proc/self/fd/<n>} follows the magic link to the open object (not a path), so its file key
     * must be {@code key}, and its link text must still be {@code expected} (a rename since the open is
     * refused). A JDK directory stream holds two descriptors of its directory (its own and a duplicate for
     * the {@code DIR*}), so several matches are expected; any of them names the same directory, and the
     * caller verifies what a mount made of it. None: refused.
     */
    private static int descriptorOf(Object key, Path expected) throws DirectoryWalkException {
        List<Integer> matches = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                int number;
                try {
                    number = Integer.parseInt(fd.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                try {
                    // stat, never open: a descriptor of a FIFO or socket is looked at, not read.
                    Object other = Files.readAttributes(fd, BasicFileAttributes.class).fileKey();
                    if (key.equals(other) && expected.equals(Files.readSymbolicLink(fd))) {
                        matches.add(number);
                    }
                } catch (IOException e) {
                    // closed meanwhile (another thread's descriptor) or not a file: not ours
                }
            }
        } catch (IOException e) {
            throw new DirectoryWalkException(Reason.FAILED, "cannot list /proc/self/fd: " + e.getMessage());
        }
        if (matches.isEmpty()) {
            throw new DirectoryWalkException(Reason.CHANGED, expected + " was moved or removed while it was being opened");
        }
        return matches.stream().mapToInt(Integer::intValue).max().getAsInt();
    }

    private static void close(DirectoryStream<Path> stream) {
        try {
            stream.close();
        } catch (IOException e) {
            // only descriptors to release
        }
    }
}
