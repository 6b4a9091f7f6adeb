package io.fleetlink.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestFiles;

/** The per-host token any tool can compute, and how secrets are read, refused and rotated. */
class HostTokensAndSecretsTest {

    private Path dir;

    @BeforeEach
    void createDir() throws IOException {
        dir = Files.createTempDirectory("fleetlink-secrets");
    }

    @AfterEach
    void removeDir() {
        TestFiles.deleteTree(dir);
    }

    @Test
    void derivedTokenEqualsWhatOpensslComputes() throws Exception {
        RealParts.require("openssl", "openssl");
        RealParts.require("basenc", "coreutils");
        String secret = "fleet-secret-with-ünïcode-and-$pecial-0123456789";
        for (String host : List.of("gpu-01", "gpu-02", "node.example.com")) {
            ProcessBuilder builder = new ProcessBuilder("sh", "-c",
                    "printf %s \"$HOST\" | openssl dgst -sha256 -hmac \"$SECRET\" -binary | basenc --base64url | tr -d =");
            builder.environment().put("HOST", host);
            builder.environment().put("SECRET", secret);
            Process process = builder.redirectErrorStream(true).start();
            String expected = new String(process.getInputStream().readAllBytes()).trim();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isZero();
            assertThat(HostTokens.derive(secret, host)).isEqualTo(expected).doesNotContain("=", "+", "/");
        }
        assertThat(HostTokens.derive(secret, "gpu-01")).isNotEqualTo(HostTokens.derive(secret, "gpu-02"));
    }

    @Test
    void aSecretSetInlineAndAsAFileIsAStartUpErrorNamingBoth() throws IOException {
        Path file = write("token", "from-the-file-0123456789");
        assertThatThrownBy(() -> SecretSource.of("fleetlink.agent.auth.token", Optional.of("inline-0123456789"), Optional.of(file)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fleetlink.agent.auth.token (inline)")
                .hasMessageContaining("fleetlink.agent.auth.token-file=" + file)
                .hasMessageNotContaining("inline-0123456789")
                .hasMessageNotContaining("from-the-file");
        assertThatThrownBy(() -> Secrets.resolve("fleetlink.store.password", Optional.of("pw"), Optional.of(file)))
                .hasMessageContaining("set twice");
    }

    @Test
    void theEnvironmentVariableIsNamedWhenItIsTheInlineValue() {
        assertThat(SecretSource.environmentName("fleetlink.agent.auth.token")).isEqualTo("FLEETLINK_AGENT_AUTH_TOKEN");
        assertThat(SecretSource.environmentName("fleetlink.controller.agent-token-secret"))
                .isEqualTo("FLEETLINK_CONTROLLER_AGENT_TOKEN_SECRET");
    }

    @Test
    void aRotatedFileIsReadAgainOnceItsRecheckIsDue() throws IOException {
        Path file = write("token", "first-token-0123456789");
        AtomicLong clock = new AtomicLong();
        SecretSource source = SecretSource.of("k", Optional.empty(), Optional.of(file), clock::get);
        assertThat(source.current()).contains("first-token-0123456789");

        replace(file, "second-token-0123456789");
        assertThat(source.current()).as("not yet looked at again").contains("first-token-0123456789");
        clock.addAndGet(SecretSource.RECHECK_NANOS);
        assertThat(source.current()).contains("second-token-0123456789");

        replace(file, "   \n");
        clock.addAndGet(SecretSource.RECHECK_NANOS);
        assertThat(source.current()).as("an emptied file keeps the last good value").contains("second-token-0123456789");

        Files.delete(file);
        clock.addAndGet(SecretSource.RECHECK_NANOS);
        assertThat(source.current()).as("a vanished file keeps the last good value").contains("second-token-0123456789");

        replace(file, "third-token-0123456789");
        clock.addAndGet(SecretSource.RECHECK_NANOS);
        assertThat(source.current()).contains("third-token-0123456789");
        assertThat(source.toString()).doesNotContain("third-token");
    }

    @Test
    void aFileOthersMayReadIsAStartUpWarningAndItsValueIsNeverLogged() throws IOException {
        Path file = write("token", "world-readable-token-0123456789");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(SecretSource.class.getName());
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                lines.add(new java.util.logging.SimpleFormatter().formatMessage(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            SecretSource.of("fleetlink.agent.auth.token", Optional.empty(), Optional.of(file)).current();
            Path ownerOnly = write("other", "owner-only-token-0123456789");
            SecretSource.of("fleetlink.controller.auth.token", Optional.empty(), Optional.of(ownerOnly)).current();
        } finally {
            logger.removeHandler(handler);
        }
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .contains("fleetlink.agent.auth.token-file", file.toString(), "rw-r--r--", "chmod 600"));
        assertThat(lines).noneSatisfy(line -> assertThat(line).contains("fleetlink.controller.auth.token"));
        assertThat(lines).noneSatisfy(line -> assertThat(line).contains("world-readable-token"));
    }

    @Test
    void anEmptyOrMissingFileStopsStartUp() throws IOException {
        Path empty = write("empty", "\n");
        assertThatThrownBy(() -> SecretSource.of("k", Optional.empty(), Optional.of(empty)))
                .hasMessageContaining("k-file").hasMessageContaining("is empty");
        assertThatThrownBy(() -> SecretSource.of("k", Optional.empty(), Optional.of(dir.resolve("missing"))))
                .hasMessageContaining("k-file").hasMessageContaining("cannot read");
    }

    @Test
    void followingTokenAcceptsOnlyTheCurrentValue() throws IOException {
        Path file = write("token", "first-token-0123456789");
        AtomicLong clock = new AtomicLong();
        ExpectedToken expected = ExpectedToken.following(SecretSource.of("k", Optional.empty(), Optional.of(file), clock::get));
        assertThat(expected.matchesHeader("Bearer first-token-0123456789")).isTrue();
        replace(file, "second-token-0123456789");
        clock.addAndGet(SecretSource.RECHECK_NANOS);
        assertThat(expected.matchesHeader("Bearer first-token-0123456789")).isFalse();
        assertThat(expected.matchesHeader("Bearer second-token-0123456789")).isTrue();
    }

    @Test
    void aTokenSha256NamesTheTokenWithoutHoldingIt() {
        // printf %s caller-token-0123456789 | sha256sum
        String hex = sha256Hex("caller-token-0123456789");
        assertThat(BearerToken.ofSha256Hex(hex).matchesHeader("Bearer caller-token-0123456789")).isTrue();
        assertThat(BearerToken.ofSha256Hex(hex.toUpperCase()).matchesHeader("Bearer other")).isFalse();
        assertThatThrownBy(() -> BearerToken.ofSha256Hex("abc")).hasMessageContaining("64 hex digits");
    }

    private static String sha256Hex(String value) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /** As an operator rotates: a new file renamed over the old one. */
    private void replace(Path file, String content) throws IOException {
        Path next = write(file.getFileName() + ".new", content);
        Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
