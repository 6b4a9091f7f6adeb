package io.fleetlink.agent.os;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.fleetlink.agent.AgentException;
import io.quarkus.logging.Log;

/**
 * Reads and atomically replaces a user's {@code ~/.ssh/authorized_keys} (and removes
 * {@code authorized_keys2}, which sshd also reads by default) through open directory handles, so
 * nothing the tenant planted is followed or waited on. Blocking, and bounded by {@link #TIMEOUT}.
 *
 * <p>Why this cannot hang: Java cannot open with {@code O_NONBLOCK}, and opening a FIFO for reading
 * waits for a writer. So (1) every name in {@code ~} and {@code ~/.ssh} is looked at with
 * {@code NOFOLLOW_LINKS} before anything is opened, and only a directory is opened as {@code ~/.ssh};
 * (2) {@code authorized_keys} is never opened to be replaced: a new file is renamed over whatever is
 * there (file, FIFO, socket, symlink; a directory is emptied and removed first), and
 * {@code authorized_keys2} is unlinked through the directory handle; (3) while keys are replaced,
 * {@code ~/.ssh} belongs to root with mode 700, so the tenant cannot swap a name inside it between
 * our check and our use; (4) reading for the fingerprint list opens only what was a regular file, with
 * read-write access ({@code O_RDWR} never waits on a FIFO on Linux, fifo(7)) and positional reads
 * (which fail at once on a FIFO or socket), and re-checks the file's identity; (5) what is left, the
 * open of {@code ~/.ssh} itself racing a swap to a FIFO (or a tenant's file lease), runs on its own
 * daemon thread: the caller gets a clear error after {@link #TIMEOUT}, and the agent then opens the
 * FIFO as a writer (which never waits) so the parked open returns and the thread ends.
 *
 * <p>Static rather than a bean behind an interface: it holds no state or configuration, works only on
 * the account it is given, and the tests that cover it use real files, so there is nothing a fake would
 * stand in for.
 */
public final class AuthorizedKeysFile {

    static final String SSH_DIR = ".ssh";
    static final String FILE = "authorized_keys";
    /** sshd also reads this file by default; a reset that left it would not revoke what it holds. */
    static final String LEGACY_FILE = "authorized_keys2";

    /** Longest one read or replace may take; far beyond a normal one (milliseconds). */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final int MAX_READ = 1 << 20;
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private AuthorizedKeysFile() {
    }

    /**
     * What is there now. {@code sshDirExists}: something is at {@code ~/.ssh}; {@code content}: the
     * keys files that are regular files, concatenated; {@code notRead}: what was there but was not
     * read (a symlink, FIFO, directory ...), one phrase each.
     */
    public record Current(boolean sshDirExists, String content, List<String> notRead) {
        static final Current ABSENT = new Current(false, "", List.of());
    }

    /** The current keys files, never read through a symlink nor waited on; absent when the user has no home directory. */
    public static Current read(UserAccount user) {
        if (!user.home().isAbsolute() || !Files.isDirectory(user.home())) {
            return Current.ABSENT;
        }
        return bounded(user, "reading ~/.ssh", () -> readNow(user));
    }

    private static Current readNow(UserAccount user) throws IOException {
        try (SecureDirectoryStream<Path> home = openHome(user)) {
            Optional<BasicFileAttributes> ssh = attributes(home, SSH_DIR);
            if (ssh.isEmpty()) {
                return Current.ABSENT;
            }
            if (!ssh.get().isDirectory()) {
                return new Current(true, "", List.of("~/.ssh is " + kind(ssh.get()) + " (not read)"));
            }
            try (SecureDirectoryStream<Path> sshDir = openSshDir(home, ssh.get())) {
                StringBuilder content = new StringBuilder();
                List<String> notRead = new ArrayList<>();
                for (String name : List.of(FILE, LEGACY_FILE)) {
                    readRegular(sshDir, name, notRead).ifPresent(text -> content.append(text).append('\n'));
                }
                return new Current(true, content.toString(), List.copyOf(notRead));
            }
        }
    }

    /** The content of {@code name} if it is a regular file; otherwise notes why it was not read. */
    private static Optional<String> readRegular(SecureDirectoryStream<Path> dir, String name, List<String> notRead) throws IOException {
        Optional<BasicFileAttributes> before = attributes(dir, name);
        if (before.isEmpty()) {
            return Optional.empty();
        }
        if (!before.get().isRegularFile()) {
            notRead.add("~/.ssh/" + name + " is " + kind(before.get()) + " (not read)");
            return Optional.empty();
        }
        // O_RDWR|O_NOFOLLOW: does not wait on a FIFO swapped in meanwhile; positional reads fail on one.
        Set<OpenOption> options = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try (FileChannel in = (FileChannel) dir.newByteChannel(Path.of(name), options)) {
            Optional<BasicFileAttributes> after = attributes(dir, name);
            if (after.isEmpty() || !after.get().isRegularFile() || !Objects.equals(after.get().fileKey(), before.get().fileKey())) {
                notRead.add("~/.ssh/" + name + " changed while being read (not read)");
                return Optional.empty();
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(MAX_READ, Math.max(0, in.size())));
            long position = 0;
            int n;
            while (buffer.hasRemaining() && (n = in.read(buffer, position)) > 0) {
                position += n;
            }
            return Optional.of(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (FileSystemException e) {
            notRead.add("~/.ssh/" + name + " could not be read (" + e.getReason() + ")");
            return Optional.empty();
        }
    }

    /**
     * Makes {@code ~/.ssh/authorized_keys} hold exactly {@code content} and removes
     * {@code ~/.ssh/authorized_keys2}. Whatever is at {@code ~/.ssh} that is not a directory (symlink,
     * FIFO, socket, file) is unlinked (a link's target is never touched) and a real directory made;
     * whatever is at either keys name is replaced without being opened (a directory is emptied and
     * removed). Returns what it replaced that was not a plain file, one phrase each.
     *
     * @throws AgentException 409 when the home directory is missing or not the user's, a keys name is a
     *         directory that cannot be removed, ~/.ssh was swapped meanwhile, or after {@link #TIMEOUT}
     */
    public static List<String> replace(UserAccount user, String content) {
        return bounded(user, "replacing ~/.ssh/" + FILE, () -> replaceNow(user, content.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> replaceNow(UserAccount user, byte[] content) throws IOException {
        List<String> replaced = new ArrayList<>();
        try (SecureDirectoryStream<Path> home = openHome(user)) {
            requireOwnedBy(home, user);
            BasicFileAttributes ssh = prepareSshDir(home, user, replaced);
            try (SecureDirectoryStream<Path> sshDir = openSshDir(home, ssh)) {
                PosixFileAttributeView dirView = sshDir.getFileAttributeView(PosixFileAttributeView.class);
                // Root's while we work: the tenant cannot swap a name inside between our check and our use.
                chown(dirView, 0, 0);
                dirView.setPermissions(DIR_MODE);
                try {
                    removeDirectoryAt(sshDir, user, FILE, replaced);
                    removeDirectoryAt(sshDir, user, LEGACY_FILE, replaced);
                    describeIfSpecial(sshDir, FILE, replaced);
                    writeAndRename(sshDir, user, content);
                    deleteLegacy(sshDir, user, replaced);
                    fsync(sshDir);
                } finally {
                    chown(dirView, user.uid(), user.gid());
                    dirView.setPermissions(DIR_MODE);
                }
                Optional<BasicFileAttributes> now = attributes(home, SSH_DIR);
                Object opened = dirView.readAttributes().fileKey();
                if (now.isEmpty() || !Objects.equals(now.get().fileKey(), opened)) {
                    throw AgentException.conflict("user: " + user.home().resolve(SSH_DIR) + " was moved or replaced while its "
                            + "keys were being replaced; retry the reset (end the user's processes first)");
                }
            }
        }
        return List.copyOf(replaced);
    }

    /** Runs {@code work} on its own daemon thread and waits at most {@link #TIMEOUT} (see the class comment). */
    private static <T> T bounded(UserAccount user, String what, Callable<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread worker = new Thread(() -> {
            try {
                result.complete(work.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "fleetlink-ssh-files-" + user.name());
        worker.setDaemon(true);
        worker.start();
        try {
            return result.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            unblock(user);
            // 409, not a timeout: retrying at once does not help while the tenant keeps racing.
            throw AgentException.conflict("user: " + what + " of " + user.name() + " did not finish within " + TIMEOUT.toSeconds()
                    + " s: a name in ~/.ssh was swapped for a FIFO, or is under a file lease, while the agent opened it; "
                    + "end the user's processes and retry");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AgentException.internal(what + " of " + user.name() + " was interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof AgentException agent) {
                throw agent;
            }
            throw AgentException.internal("cannot finish " + what + " of " + user.name() + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * Opens {@code ~/.ssh}, if it is a FIFO, as a writer and closes it again: a read-only open parked
     * on that FIFO then returns, so the worker thread ends. {@code O_RDWR} never waits on a FIFO, and a
     * directory or symlink fails at once. Best effort, on its own daemon thread.
     */
    private static void unblock(UserAccount user) {
        Thread unblocker = new Thread(() -> {
            try (SecureDirectoryStream<Path> home = openHome(user);
                    SeekableByteChannel fifo = home.newByteChannel(Path.of(SSH_DIR),
                            Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS))) {
                Log.warnf("opened the FIFO at ~/.ssh of %s as a writer to release a parked open", user.name());
            } catch (IOException | RuntimeException e) {
                Log.debugf("~/.ssh of %s is no FIFO to release: %s", user.name(), e.getMessage());
            }
        }, "fleetlink-ssh-unblock-" + user.name());
        unblocker.setDaemon(true);
        unblocker.start();
    }

    private static SecureDirectoryStream<Path> openHome(UserAccount user) throws IOException {
        Path home = user.home();
        if (!home.isAbsolute()) {
            throw AgentException.conflict("user: home directory of " + user.name() + " is not an absolute path (" + home + ")");
        }
        DirectoryStream<Path> stream;
        try {
            // The home path itself comes from the name service and its parent is root's; everything below it we do not trust.
            stream = Files.newDirectoryStream(home);
        } catch (NoSuchFileException | NotDirectoryException e) {
            throw AgentException.conflict("user: home directory " + home + " of " + user.name() + " does not exist; "
                    + "create it before installing keys");
        }
        if (stream instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        stream.close();
        throw AgentException.internal("this platform offers no SecureDirectoryStream; refusing to touch " + home, null);
    }

    /** Opens {@code ~/.ssh}, seen as the directory {@code seen}, and checks that the same directory was opened. */
    private static SecureDirectoryStream<Path> openSshDir(SecureDirectoryStream<Path> home, BasicFileAttributes seen) throws IOException {
        SecureDirectoryStream<Path> dir = home.newDirectoryStream(Path.of(SSH_DIR), LinkOption.NOFOLLOW_LINKS);
        BasicFileAttributes opened = dir.getFileAttributeView(BasicFileAttributeView.class).readAttributes();
        if (!opened.isDirectory() || !Objects.equals(opened.fileKey(), seen.fileKey())) {
            dir.close();
            throw AgentException.conflict("user: ~/.ssh changed while it was being opened; retry");
        }
        return dir;
    }

    private static void requireOwnedBy(SecureDirectoryStream<Path> home, UserAccount user) throws IOException {
        String owner = home.getFileAttributeView(PosixFileAttributeView.class).readAttributes().owner().getName();
        if (!owner.equals(user.name()) && !owner.equals(Integer.toString(user.uid()))) {
            throw AgentException.conflict("user: home directory " + user.home() + " belongs to " + owner + ", not "
                    + user.name() + "; refusing to write keys into a directory the user does not own");
        }
    }

    /** Makes {@code ~/.ssh} a real directory (unlinking whatever else is there) and returns its attributes. */
    private static BasicFileAttributes prepareSshDir(SecureDirectoryStream<Path> home, UserAccount user, List<String> replaced)
            throws IOException {
        Optional<BasicFileAttributes> ssh = attributes(home, SSH_DIR);
        if (ssh.isPresent() && !ssh.get().isDirectory()) {
            // unlinkat() removes the name itself: a link's target is never touched, a FIFO never opened.
            home.deleteFile(Path.of(SSH_DIR));
            replaced.add("~/.ssh was " + kind(ssh.get()) + "; replaced it by a directory");
            Log.warnf("~/.ssh of %s was %s; replaced it by a real directory", user.name(), kind(ssh.get()));
            ssh = Optional.empty();
        }
        if (ssh.isEmpty()) {
            try {
                // mkdir() never follows a final symlink; the home path above it is trusted.
                Files.createDirectory(user.home().resolve(SSH_DIR), PosixFilePermissions.asFileAttribute(DIR_MODE));
            } catch (FileAlreadyExistsException e) {
                throw AgentException.conflict("user: " + user.home().resolve(SSH_DIR) + " changed while it was being replaced; retry");
            }
            ssh = attributes(home, SSH_DIR);
            if (ssh.isEmpty() || !ssh.get().isDirectory()) {
                throw AgentException.conflict("user: " + user.home().resolve(SSH_DIR) + " changed while it was being replaced; retry");
            }
        }
        return ssh.get();
    }

    /** A directory at {@code name}: emptied (never crossing a mount or following a link) and removed. */
    private static void removeDirectoryAt(SecureDirectoryStream<Path> sshDir, UserAccount user, String name, List<String> replaced)
            throws IOException {
        Optional<BasicFileAttributes> found = attributes(sshDir, name);
        if (found.isEmpty() || !found.get().isDirectory()) {
            return;
        }
        Path path = user.home().resolve(SSH_DIR).resolve(name);
        try (SecureTree.Root root = new SecureTree.Root(path, sshDir.newDirectoryStream(Path.of(name), LinkOption.NOFOLLOW_LINKS))) {
            SecureTree.Outcome outcome = SecureTree.empty(root, Set.of(), false);
            if (!outcome.errors().isEmpty() || !outcome.keptMounts().isEmpty()) {
                throw AgentException.conflict("user: " + path + " is a directory that could not be removed ("
                        + String.join("; ", outcome.errors()) + String.join("; ", outcome.keptMounts()) + "); remove it and retry");
            }
        }
        sshDir.deleteDirectory(Path.of(name));
        replaced.add("~/.ssh/" + name + " was a directory; removed it");
    }

    private static void describeIfSpecial(SecureDirectoryStream<Path> sshDir, String name, List<String> replaced) throws IOException {
        Optional<BasicFileAttributes> found = attributes(sshDir, name);
        if (found.isPresent() && !found.get().isRegularFile()) {
            replaced.add("~/.ssh/" + name + " was " + kind(found.get()) + "; replaced it without opening it");
        }
    }

    private static void writeAndRename(SecureDirectoryStream<Path> sshDir, UserAccount user, byte[] content) throws IOException {
        Path temp = Path.of("." + FILE + ".fleetlink-" + HexFormat.of().formatHex(randomBytes()));
        Set<OpenOption> create = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        boolean renamed = false;
        try {
            try (SeekableByteChannel out = sshDir.newByteChannel(temp, create, PosixFilePermissions.asFileAttribute(FILE_MODE))) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                ((FileChannel) out).force(true);
            }
            // Safe by name: ~/.ssh is root's while we work, so the temp file cannot have been swapped.
            PosixFileAttributeView view = sshDir.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            chown(view, user.uid(), user.gid());
            view.setPermissions(FILE_MODE);
            try {
                // renameat() within one directory: a reader sees the old file or the new one, never half of one.
                sshDir.move(temp, sshDir, Path.of(FILE));
                renamed = true;
            } catch (FileSystemException e) {
                throw AgentException.conflict("user: cannot replace " + user.home().resolve(SSH_DIR).resolve(FILE)
                        + " (" + e.getReason() + "); remove it and retry");
            }
        } finally {
            if (!renamed) {
                try {
                    sshDir.deleteFile(temp);
                } catch (IOException e) {
                    Log.debugf("temp file %s was not created or is already gone", temp);
                }
            }
        }
    }

    private static void deleteLegacy(SecureDirectoryStream<Path> sshDir, UserAccount user, List<String> replaced) throws IOException {
        Optional<BasicFileAttributes> legacy = attributes(sshDir, LEGACY_FILE);
        if (legacy.isPresent()) {
            // unlinkat(): a symlink goes, never its target; a FIFO or socket is never opened.
            sshDir.deleteFile(Path.of(LEGACY_FILE));
            if (!legacy.get().isRegularFile()) {
                replaced.add("~/.ssh/" + LEGACY_FILE + " was " + kind(legacy.get()) + "; removed it");
            }
            Log.infof("removed ~/.ssh/%s of %s so no key survives the reset", LEGACY_FILE, user.name());
        }
    }

    private static void fsync(SecureDirectoryStream<Path> dir) throws IOException {
        // "." through the handle is the directory itself, which nobody can swap.
        try (SeekableByteChannel self = dir.newByteChannel(Path.of("."), Set.of(StandardOpenOption.READ))) {
            ((FileChannel) self).force(true);
        }
    }

    private static void chown(PosixFileAttributeView view, int uid, int gid) throws IOException {
        // Numeric ids: a name cannot be all digits, so the lookup falls back to the number itself.
        UserPrincipalLookupService lookup = Path.of("/").getFileSystem().getUserPrincipalLookupService();
        view.setOwner(lookup.lookupPrincipalByName(Integer.toString(uid)));
        view.setGroup(lookup.lookupPrincipalByGroupName(Integer.toString(gid)));
    }

    /** "a symlink", "a directory", "a FIFO, socket or device", "a file": what a report can say without opening it. */
    static String kind(BasicFileAttributes attributes) {
        if (attributes.isSymbolicLink()) {
            return "a symlink";
        }
        if (attributes.isDirectory()) {
            return "a directory";
        }
        if (attributes.isOther()) {
            return "a FIFO, socket or device";
        }
        return "a file";
    }

    static Optional<BasicFileAttributes> attributes(SecureDirectoryStream<Path> dir, String name) throws IOException {
        try {
            return Optional.of(dir.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
