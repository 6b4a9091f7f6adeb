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
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

import io.fleetlink.agent.AgentException;
import io.quarkus.logging.Log;

/**
 * Reads and atomically replaces a user's {@code ~/.ssh/authorized_keys} through open directory
 * handles, so a symlink the user planted ({@code ~/.ssh -> /root/.ssh}) is never written through:
 * temp file created exclusively beside the target, fsync, chown, 600, rename, fsync of the directory.
 * Blocking.
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

    private static final int MAX_READ = 1 << 20;
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private AuthorizedKeysFile() {
    }

    /** What is there now: {@code content} of a real file, or {@code sshDirSymlink} when ~/.ssh is a link we do not read through. */
    public record Current(boolean exists, boolean sshDirSymlink, String content) {
        static final Current ABSENT = new Current(false, false, "");
    }

    /** The current file, never read through a symlink; absent when the user has no home directory. */
    public static Current read(UserAccount user) {
        if (!user.home().isAbsolute() || !Files.isDirectory(user.home())) {
            return Current.ABSENT;
        }
        try (SecureDirectoryStream<Path> home = openHome(user)) {
            Optional<BasicFileAttributes> ssh = attributes(home, SSH_DIR);
            if (ssh.isEmpty()) {
                return Current.ABSENT;
            }
            if (ssh.get().isSymbolicLink()) {
                return new Current(true, true, "");
            }
            if (!ssh.get().isDirectory()) {
                return Current.ABSENT;
            }
            try (SecureDirectoryStream<Path> sshDir = home.newDirectoryStream(Path.of(SSH_DIR), LinkOption.NOFOLLOW_LINKS);
                    SeekableByteChannel in = sshDir.newByteChannel(Path.of(FILE),
                            Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
                ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(MAX_READ, Math.max(0, in.size())));
                while (buffer.hasRemaining() && in.read(buffer) > 0) {
                    // read until full or end of file
                }
                return new Current(true, false, new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
            } catch (NoSuchFileException e) {
                return Current.ABSENT;
            } catch (FileSystemException e) {
                // authorized_keys is a symlink (ELOOP) or a directory: it exists, but is not ours to read.
                return new Current(true, false, "");
            }
        } catch (IOException e) {
            throw AgentException.internal("cannot read ~/.ssh/" + FILE + " of " + user.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Makes {@code ~/.ssh/authorized_keys} hold exactly {@code content}. A missing {@code ~/.ssh} is
     * created; one that is a symlink is replaced by a real directory (the link goes, its target is
     * untouched). {@code ~/.ssh/authorized_keys2} is removed so no key survives there.
     *
     * @throws AgentException 409 when the home directory is missing, not the user's, or ~/.ssh is not a directory
     */
    public static void replace(UserAccount user, String content) {
        try (SecureDirectoryStream<Path> home = openHome(user)) {
            requireOwnedBy(home, user);
            prepareSshDir(home, user);
            try (SecureDirectoryStream<Path> sshDir = home.newDirectoryStream(Path.of(SSH_DIR), LinkOption.NOFOLLOW_LINKS)) {
                PosixFileAttributeView dirView = sshDir.getFileAttributeView(PosixFileAttributeView.class);
                chown(dirView, user);
                dirView.setPermissions(DIR_MODE);
                writeAndRename(sshDir, user, content.getBytes(StandardCharsets.UTF_8));
                deleteLegacy(sshDir, user);
                fsync(sshDir);
            }
        } catch (AgentException e) {
            throw e;
        } catch (IOException e) {
            throw AgentException.internal("cannot replace ~/.ssh/" + FILE + " of " + user.name() + ": " + e.getMessage(), e);
        }
    }

    private static SecureDirectoryStream<Path> openHome(UserAccount user) throws IOException {
        Path home = user.home();
        if (!home.isAbsolute()) {
            throw AgentException.conflict("user: home directory of " + user.name() + " is not an absolute path (" + home + ")");
        }
        DirectoryStream<Path> stream;
        try {
            // The home path itself comes from the name service, which we trust; everything below it we do not.
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

    private static void requireOwnedBy(SecureDirectoryStream<Path> home, UserAccount user) throws IOException {
        String owner = home.getFileAttributeView(PosixFileAttributeView.class).readAttributes().owner().getName();
        if (!owner.equals(user.name()) && !owner.equals(Integer.toString(user.uid()))) {
            throw AgentException.conflict("user: home directory " + user.home() + " belongs to " + owner + ", not "
                    + user.name() + "; refusing to write keys into a directory the user does not own");
        }
    }

    private static void prepareSshDir(SecureDirectoryStream<Path> home, UserAccount user) throws IOException {
        Optional<BasicFileAttributes> ssh = attributes(home, SSH_DIR);
        if (ssh.isPresent() && ssh.get().isSymbolicLink()) {
            // unlinkat() removes the link itself; whatever it pointed to is never touched.
            home.deleteFile(Path.of(SSH_DIR));
            Log.warnf("~/.ssh of %s was a symlink; replaced it by a real directory", user.name());
            ssh = Optional.empty();
        }
        if (ssh.isPresent() && !ssh.get().isDirectory()) {
            throw AgentException.conflict("user: " + user.home().resolve(SSH_DIR) + " exists and is not a directory; "
                    + "remove it and retry");
        }
        if (ssh.isEmpty()) {
            try {
                // mkdir() never follows a final symlink; the home path above it is trusted.
                Files.createDirectory(user.home().resolve(SSH_DIR), PosixFilePermissions.asFileAttribute(DIR_MODE));
            } catch (FileAlreadyExistsException e) {
                throw AgentException.conflict("user: " + user.home().resolve(SSH_DIR)
                        + " changed while it was being replaced; retry");
            }
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
            PosixFileAttributeView view = sshDir.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            chown(view, user);
            view.setPermissions(FILE_MODE);
            try {
                // renameat() within one directory: a reader sees the old file or the new one, never half of one.
                sshDir.move(temp, sshDir, Path.of(FILE));
                renamed = true;
            } catch (FileSystemException e) {
                throw AgentException.conflict("user: cannot replace " + user.home().resolve(SSH_DIR).resolve(FILE)
                        + " (" + e.getReason() + "); if it is a directory, remove it and retry");
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

    private static void deleteLegacy(SecureDirectoryStream<Path> sshDir, UserAccount user) throws IOException {
        Optional<BasicFileAttributes> legacy = attributes(sshDir, LEGACY_FILE);
        if (legacy.isPresent() && !legacy.get().isDirectory()) {
            sshDir.deleteFile(Path.of(LEGACY_FILE));
            Log.infof("removed ~/.ssh/%s of %s so no key survives the reset", LEGACY_FILE, user.name());
        }
    }

    private static void fsync(SecureDirectoryStream<Path> dir) throws IOException {
        try (SeekableByteChannel self = dir.newByteChannel(Path.of("."), Set.of(StandardOpenOption.READ))) {
            ((FileChannel) self).force(true);
        }
    }

    private static void chown(PosixFileAttributeView view, UserAccount user) throws IOException {
        // Numeric ids: a name cannot be all digits, so the lookup falls back to the number itself.
        UserPrincipalLookupService lookup = Path.of("/").getFileSystem().getUserPrincipalLookupService();
        view.setOwner(lookup.lookupPrincipalByName(Integer.toString(user.uid())));
        view.setGroup(lookup.lookupPrincipalByGroupName(Integer.toString(user.gid())));
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
