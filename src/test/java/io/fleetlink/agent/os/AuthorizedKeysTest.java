package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.fleetlink.agent.AgentException;

class AuthorizedKeysTest {

    private static final Set<String> ALLOWED = Set.of("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256");
    /** An ed25519 key blob: the type, then 32 key bytes. */
    private static final byte[] ED25519 = blob("ssh-ed25519", new byte[32]);

    @Test
    void normalisesAndFingerprintsAValidKey() {
        String base64 = Base64.getEncoder().encodeToString(ED25519);
        AuthorizedKeys.Key key = AuthorizedKeys.parse("  ssh-ed25519   " + base64 + "  alice@laptop  ", 0, ALLOWED);
        assertThat(key.line()).isEqualTo("ssh-ed25519 " + base64 + " alice@laptop");
        assertThat(key.fingerprint()).startsWith("SHA256:").doesNotEndWith("=").hasSize("SHA256:".length() + 43);
    }

    @Test
    void rejectsWrongLengthsAndCurves() {
        assertThat(AuthorizedKeys.structureProblem("ssh-ed25519", blob("ssh-ed25519", new byte[31]))).contains("32 bytes");
        assertThat(AuthorizedKeys.structureProblem("ecdsa-sha2-nistp256",
                blob("ecdsa-sha2-nistp256", "nistp384".getBytes(StandardCharsets.US_ASCII), new byte[65]))).contains("curve");
        assertThat(AuthorizedKeys.structureProblem("ssh-rsa", blob("ssh-rsa", new byte[] {1}, new byte[0]))).contains("modulus");
        assertThat(AuthorizedKeys.structureProblem("ssh-rsa", blob("ssh-rsa", new byte[] {1}, new byte[] {5}))).isNull();
    }

    @Test
    void namesTheEntryInEveryRejection() {
        assertThatThrownBy(() -> AuthorizedKeys.parse(null, 3, ALLOWED))
                .isInstanceOfSatisfying(AgentException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.getMessage()).startsWith("authorized_keys[3]: ");
                });
        assertThatThrownBy(() -> AuthorizedKeys.parse("ssh-ed25519 AAAA\u0007", 0, ALLOWED))
                .hasMessageContaining("U+0007");
        assertThatThrownBy(() -> AuthorizedKeys.parse("x".repeat(AuthorizedKeys.MAX_ENTRY_CHARS + 1), 0, ALLOWED))
                .hasMessageContaining("at most");
    }

    @Test
    void readsFingerprintsLenientlyFromAnExistingFile() {
        String base64 = Base64.getEncoder().encodeToString(ED25519);
        String file = "# comment\n\nfrom=\"10.0.0.0/8\",no-pty ssh-ed25519 " + base64 + " with options\ngarbage line\nssh-rsa !!!\n";
        assertThat(AuthorizedKeys.fingerprintsIn(file)).containsExactly(AuthorizedKeys.fingerprint(ED25519));
    }

    private static byte[] blob(String type, byte[]... fields) {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        int size = 4 + name.length;
        for (byte[] field : fields) {
            size += 4 + field.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(name.length).put(name);
        for (byte[] field : fields) {
            out.putInt(field.length).put(field);
        }
        return out.array();
    }
}
