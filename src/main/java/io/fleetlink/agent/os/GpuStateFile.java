package io.fleetlink.agent.os;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The GPU health gate's memory across restarts, one small JSON file ({@value #NAME}) in
 * {@code fleetlink.agent.gpu.state-dir}: the GPUs the agent first saw (index and UUID) and each GPU's
 * uncorrectable-ECC baseline. Written atomically (temp file, fsync, rename, fsync of the directory).
 */
@RegisterForReflection(targets = { GpuStateFile.State.class, GpuHealth.Recorded.class })
public final class GpuStateFile {

    public static final String NAME = "gpu-state.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * The file's content; an absent file reads as {@link #EMPTY}. The baseline (ECC counts, kernel log
     * position and the boot it belongs to) is where "since the allocation began" starts: it is moved
     * after every gpu step that passed, i.e. whenever the host goes back to the pool clean.
     */
    public record State(@JsonProperty("inventory") List<GpuHealth.Recorded> inventory,
            @JsonProperty("ecc_baseline") Map<String, Long> eccBaseline,
            @JsonProperty("kernel_log_seq") Long kernelLogSeq,
            @JsonProperty("boot_id") String bootId) {

        public State {
            inventory = inventory == null ? List.of() : List.copyOf(inventory);
            eccBaseline = eccBaseline == null ? Map.of() : Map.copyOf(eccBaseline);
        }

        public State(List<GpuHealth.Recorded> inventory, Map<String, Long> eccBaseline) {
            this(inventory, eccBaseline, null, null);
        }

        public State withBaseline(Map<String, Long> baseline) {
            return new State(inventory, baseline, kernelLogSeq, bootId);
        }

        public State withInventory(List<GpuHealth.Recorded> gpus) {
            return new State(gpus, eccBaseline, kernelLogSeq, bootId);
        }

        public State withKernelLog(Long seq, String boot) {
            return new State(inventory, eccBaseline, seq, boot);
        }
    }

    public static final State EMPTY = new State(List.of(), Map.of());

    private GpuStateFile() {
    }

    public static State read(Path dir) throws IOException {
        Path file = dir.resolve(NAME);
        if (!Files.exists(file)) {
            return EMPTY;
        }
        return JSON.readValue(Files.readAllBytes(file), State.class);
    }

    public static void write(Path dir, State state) throws IOException {
        Files.createDirectories(dir);
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(
                new State(state.inventory(), new TreeMap<>(state.eccBaseline()), state.kernelLogSeq(), state.bootId()));
        Path temp = Files.createTempFile(dir, NAME, ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
