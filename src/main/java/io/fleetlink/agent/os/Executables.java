package io.fleetlink.agent.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;

/**
 * Finds programs the way {@code execvp} would, but only on the agent's own {@code PATH} and only in
 * absolute directories, and resolves a program to a {@link Trusted} file: one that only root can
 * change, reached only through directories and links that only root can change.
 */
public final class Executables {

    /** Linux follows at most 40 symbolic links while resolving one path (ELOOP). */
    private static final int MAX_LINKS = 40;

    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int GROUP_OR_OTHER_WRITE = 0022;
    private static final int ANY_EXECUTE = 0111;

    private Executables() {
    }

    /**
     * A program root may run: {@code realPath} is the file with every link resolved; {@code execPath}
     * is the path to hand to the kernel: {@code realPath} itself, or, when the program was named
     * through a link with another name (a multi-call binary such as busybox acts by that name, and
     * {@code /bin/sh -> dash} keeps its "sh" behaviour), the link under its name in its real
     * directory. Every directory and link either path goes through was checked, so nothing on them
     * can change between the check and the exec unless root changes it.
     */
    public record Trusted(Path realPath, Path execPath) {
    }

    /** Why a program was not {@link Trusted}: the component at fault and the rule it broke. */
    public static final class UntrustedException extends Exception {
        private static final long serialVersionUID = 1L;

        UntrustedException(String message) {
            super(message);
        }
    }

    /**
     * The absolute path of {@code program}: itself when it contains a slash (it must then be absolute),
     * otherwise the first executable regular file of that name in the agent's {@code PATH}.
     */
    public static Optional<Path> find(String program) {
        return find(program, System.getenv("PATH"));
    }

    static Optional<Path> find(String program, String searchPath) {
        if (program == null || program.isEmpty() || program.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        try {
            if (program.indexOf('/') >= 0) {
                Path path = Path.of(program);
                return path.isAbsolute() && isExecutableFile(path) ? Optional.of(path.normalize()) : Optional.empty();
            }
            for (String dir : (searchPath == null ? "" : searchPath).split(":")) {
                // An empty or relative PATH entry means "the current directory": never for a root agent.
                if (dir.startsWith("/")) {
                    Path candidate = Path.of(dir, program).normalize();
                    if (isExecutableFile(candidate)) {
                        return Optional.of(candidate);
                    }
                }
            }
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * A helper program the agent itself runs as root ({@code sh}, {@code setsid}, {@code setpriv},
     * {@code bash}): found on the agent's PATH and {@link #trusted checked} like a command's program.
     *
     * @throws IllegalStateException naming what is missing or unsafe
     */
    public static String helper(String name) {
        Path found = find(name).orElseThrow(() -> new IllegalStateException(name + " is not installed on this machine"));
        try {
            return trusted(found).execPath().toString();
        } catch (UntrustedException e) {
            throw new IllegalStateException("the helper " + found + " is not safe to run as root: " + e.getMessage());
        }
    }

    /**
     * Resolves {@code path} (absolute) one component at a time with no-follow attributes, from
     * {@code /} down, following links by hand; every directory passed through, every link's directory
     * and the final file must be owned by root and carry no group or other write bit, and the final
     * file must be an executable regular file. Blocking.
     *
     * @throws UntrustedException naming the first component that breaks the rule
     */
    public static Trusted trusted(Path path) throws UntrustedException {
        if (!path.isAbsolute()) {
            throw new UntrustedException("'" + path + "' is not an absolute path");
        }
        Path real = resolve(path, false);
        Path name = path.getFileName();
        if (name == null || name.equals(real.getFileName())) {
            return new Trusted(real, real);
        }
        // Named through a link: run the link under its own name, from its real directory, and only if
        // that spelling resolves (through checked components only) to the same file.
        Path linkDir = resolve(path.getParent(), true);
        Path viaName = linkDir.resolve(name);
        Path again = resolve(viaName, false);
        if (!again.equals(real)) {
            throw new UntrustedException("'" + path + "' resolves to " + real + " but " + viaName + " to " + again);
        }
        return new Trusted(real, viaName);
    }

    /** The real path of {@code path}, a file (or a directory when {@code directory}), checked all the way. */
    private static Path resolve(Path path, boolean directory) throws UntrustedException {
        Path current = Path.of("/");
        checkDirectory(current);
        Deque<String> pending = new ArrayDeque<>();
        for (Path part : path) {
            pending.addLast(part.toString());
        }
        int links = 0;
        while (!pending.isEmpty()) {
            String part = pending.removeFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                current = current.getParent() == null ? current : current.getParent();
                continue;
            }
            Path next = current.resolve(part);
            Map<String, Object> attributes = attributes(next);
            int mode = (Integer) attributes.get("mode");
            switch (mode & S_IFMT) {
                case S_IFLNK -> {
                    if (++links > MAX_LINKS) {
                        throw new UntrustedException("too many symbolic links resolving '" + path + "'");
                    }
                    // The link lives in `current`, already checked: only root can swap it.
                    Path target = readLink(next);
                    Deque<String> spliced = new ArrayDeque<>();
                    for (Path targetPart : target) {
                        spliced.addLast(targetPart.toString());
                    }
                    if (target.isAbsolute()) {
                        current = Path.of("/");
                    }
                    while (!spliced.isEmpty()) {
                        pending.addFirst(spliced.removeLast());
                    }
                }
                case S_IFDIR -> {
                    checkOwnership(next, attributes);
                    current = next;
                }
                case S_IFREG -> {
                    if (!pending.isEmpty() || directory) {
                        throw new UntrustedException(next + " is a file, not a directory");
                    }
                    checkOwnership(next, attributes);
                    if ((mode & ANY_EXECUTE) == 0) {
                        throw new UntrustedException(next + " is not executable");
                    }
                    return next;
                }
                default -> throw new UntrustedException(next + " is not a regular file or directory");
            }
        }
        if (directory) {
            return current; // every directory on the way, this one included, was checked
        }
        throw new UntrustedException("'" + path + "' is a directory, not a program");
    }

    private static void checkDirectory(Path dir) throws UntrustedException {
        Map<String, Object> attributes = attributes(dir);
        if (((Integer) attributes.get("mode") & S_IFMT) != S_IFDIR) {
            throw new UntrustedException(dir + " is not a directory");
        }
        checkOwnership(dir, attributes);
    }

    /**
     * Root-owned and not writable by group or others: only root can change it. A POSIX ACL that grants
     * anyone write access shows as the group write bit (the ACL mask), so it is refused too.
     */
    private static void checkOwnership(Path path, Map<String, Object> attributes) throws UntrustedException {
        int mode = (Integer) attributes.get("mode");
        int uid = (Integer) attributes.get("uid");
        if (uid != 0) {
            throw new UntrustedException(path + " is owned by uid " + uid + ", not root");
        }
        if ((mode & GROUP_OR_OTHER_WRITE) != 0) {
            throw new UntrustedException(path + " is writable by " + ((mode & 0020) != 0 ? "its group" : "others")
                    + " (mode " + Integer.toOctalString(mode & 07777) + ")");
        }
    }

    private static Map<String, Object> attributes(Path path) throws UntrustedException {
        try {
            return Files.readAttributes(path, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new UntrustedException(path + " does not exist");
        } catch (IOException | UnsupportedOperationException e) {
            throw new UntrustedException("cannot read the attributes of " + path + ": " + e.getMessage());
        }
    }

    private static Path readLink(Path link) throws UntrustedException {
        try {
            return Files.readSymbolicLink(link);
        } catch (IOException e) {
            throw new UntrustedException("cannot read the link " + link + ": " + e.getMessage());
        }
    }

    private static boolean isExecutableFile(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }
}
