package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;

class CappedOutputTest {

    private static final Executor NEW_THREAD = task -> new Thread(task).start();

    @Test
    void keepsEverythingBelowTheCap() throws Exception {
        CappedOutput output = CappedOutput.drain(new ByteArrayInputStream("hello\n".getBytes()), 100, NEW_THREAD);
        assertThat(output.awaitEnd(Duration.ofSeconds(5))).isTrue();
        assertThat(output.text()).isEqualTo("hello\n");
        assertThat(output.truncated()).isFalse();
    }

    @Test
    void readsPastTheCapAndNeverSplitsACharacter() throws Exception {
        byte[] text = "aé€".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        CappedOutput output = CappedOutput.drain(new ByteArrayInputStream(text), 5, NEW_THREAD);
        assertThat(output.awaitEnd(Duration.ofSeconds(5))).isTrue();
        assertThat(output.truncated()).isTrue();
        // "a" (1) + "é" (2) = 3 bytes; the next "€" (3 bytes) does not fit in the remaining 2.
        assertThat(output.text()).isEqualTo("aé");
    }

    @Test
    void findsCompleteUtf8Prefixes() {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        assertThat(CappedOutput.completeUtf8Prefix(new byte[] {'a', euro[0], euro[1]})).isEqualTo(1);
        assertThat(CappedOutput.completeUtf8Prefix(new byte[] {'a', euro[0], euro[1], euro[2]})).isEqualTo(4);
        assertThat(CappedOutput.completeUtf8Prefix(new byte[] {'a', 'b'})).isEqualTo(2);
        assertThat(Optional.of(CappedOutput.completeUtf8Prefix(new byte[0]))).contains(0);
    }
}
