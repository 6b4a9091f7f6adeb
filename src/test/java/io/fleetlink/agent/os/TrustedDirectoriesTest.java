package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fleetlink.agent.os.DirectoryWalkException.Reason;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestCommands;
import io.fleetlink.support.TestFiles;

/** The walk below a root-only root: what it opens, what it refuses, and that it never waits on a FIFO. */
class TrustedDirectoriesTest {

    private Path base;

    @BeforeEach
    void createBase() throws Exception {
        RealParts.requireRoot();
        base = Files.createTempDirectory("fltrusted-");
        Files.createDirectories(base.resolve("a/b"));
    }

    @AfterEach
    void deleteBase() {
        TestFiles.deleteTree(base);
    }

    @Test
    void opensTheDirectoryItCheckedAndNamesItThroughProc() throws Exception {
        Path root = TrustedDirectories.requireRootOwned(base);
        try (OpenDirectory opened = TrustedDirectories.open(root, Path.of("a/b"))) {
            assertThat(opened.path()).isEqualTo(root.resolve("a/b"));
            assertThat(opened.fileKey()).isEqualTo(Files.readAttributes(root.resolve("a/b"), BasicFileAttributes.class).fileKey());
            assertThat(Files.readSymbolicLink(opened.procPath())).isEqualTo(root.resolve("a/b"));
        }
        try (OpenDirectory itself = TrustedDirectories.open(root, Path.of(""))) {
            assertThat(itself.path()).isEqualTo(root);
        }
    }

    @Test
    void refusesLinksFifosAndMissingComponentsWithoutWaiting() throws Exception {
        Path root = TrustedDirectories.requireRootOwned(base);
        Files.createSymbolicLink(root.resolve("a/link"), root.resolve("a/b"));
        TestCommands.ok("mkfifo", root.resolve("a/fifo").toString());
        assertThatThrownBy(() -> TrustedDirectories.open(root, Path.of("a/link")))
                .isInstanceOfSatisfying(DirectoryWalkException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SYMBOLIC_LINK));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                assertThatThrownBy(() -> TrustedDirectories.open(root, Path.of("a/fifo/x")))
                        .isInstanceOfSatisfying(DirectoryWalkException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_A_DIRECTORY)));
        assertThatThrownBy(() -> TrustedDirectories.open(root, Path.of("a/missing")))
                .isInstanceOfSatisfying(DirectoryWalkException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MISSING));
    }

    @Test
    void aRootOthersCanWriteIsNotTrustedButAStickyAncestorIs() throws Exception {
        Files.setPosixFilePermissions(base.resolve("a"), PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThatThrownBy(() -> TrustedDirectories.requireRootOwned(base.resolve("a/b")))
                .isInstanceOfSatisfying(DirectoryWalkException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.UNTRUSTED);
                    assertThat(e.getMessage()).contains("a is writable by its group");
                });
        TestCommands.ok("chmod", "1777", base.resolve("a").toString());
        assertThat(TrustedDirectories.requireRootOwned(base.resolve("a/b"))).isEqualTo(base.toRealPath().resolve("a/b"));
        assertThatThrownBy(() -> TrustedDirectories.requireRootOwned(base.resolve("a")))
                .isInstanceOfSatisfying(DirectoryWalkException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNTRUSTED));
    }
}
