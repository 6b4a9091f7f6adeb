package io.fleetlink.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The credential file of a joining agent: it does not exist when the agent starts, so the secret is
 * empty (no caller is accepted), then it appears and is used, and is followed like any secret file.
 */
class AwaitedSecretFileTest {

    @TempDir
    Path dir;

    @Test
    void emptyUntilTheFileAppearsThenFollowed() throws Exception {
        Path file = dir.resolve("agent.credential");
        SecretSource source = SecretSource.awaitedFile("fleetlink.agent.join.credential", file);
        ExpectedToken expected = ExpectedToken.following(source);
        assertThat(source.isSet()).isTrue();
        assertThat(source.current()).isEmpty();
        assertThat(expected.matchesHeader("Bearer ")).isFalse();
        assertThat(expected.matchesHeader(null)).isFalse();
        source.recheckNow();
        assertThat(source.current()).isEmpty();

        Files.writeString(file, "joined-credential-0123456789\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        source.recheckNow();
        assertThat(source.current()).contains("joined-credential-0123456789");
        assertThat(expected.matchesHeader("Bearer joined-credential-0123456789")).isTrue();
        assertThat(expected.matchesHeader("Bearer something-else")).isFalse();
        assertThat(source.toString()).doesNotContain("joined-credential");

        Files.writeString(file, "rotated-credential-0123456789\n");
        source.recheckNow();
        assertThat(source.current()).contains("rotated-credential-0123456789");
    }

    @Test
    void anExistingFileIsReadAtOnce() throws Exception {
        Path file = dir.resolve("agent.credential");
        Files.writeString(file, "stored-credential-0123456789\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThat(SecretSource.awaitedFile("fleetlink.agent.join.credential", file).current())
                .contains("stored-credential-0123456789");
    }
}
