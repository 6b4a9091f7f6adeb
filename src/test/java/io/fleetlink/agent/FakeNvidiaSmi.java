package io.fleetlink.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A stand-in for {@code nvidia-smi} in a private temp directory that answers the two invocations the
 * agent makes the way the real program does on a two-GPU H100 machine, or, when the file {@code mode}
 * next to it says {@code no-driver}, fails like it does without a loaded driver (exit 9).
 */
public class FakeNvidiaSmi implements QuarkusTestResourceLifecycleManager {

    public static final String NO_DRIVER_MESSAGE = "NVIDIA-SMI has failed because it couldn't communicate with the "
            + "NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.";
    public static final String UUID_0 = "GPU-5c3b1c2e-8f0a-4c51-9d62-1f8e7a2b3c40";
    public static final String UUID_1 = "GPU-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

    private static final String QUERY = "--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu,"
            + "temperature.gpu,power.draw,driver_version";

    private Path dir;

    /** The script, for tests that build an {@code NvidiaSmi} themselves. */
    public static Path install(Path dir) throws IOException {
        Path script = dir.resolve("nvidia-smi");
        Files.writeString(script, """
                #!/bin/sh
                # Answers like nvidia-smi 550 on two H100s; "no-driver" in %1$s/mode makes it fail like a missing driver.
                if [ "$(cat '%1$s/mode' 2>/dev/null)" = no-driver ]; then
                  echo "%2$s"
                  exit 9
                fi
                case "$*" in
                  "%3$s --format=csv,noheader,nounits")
                    echo "0, %4$s, NVIDIA H100 80GB HBM3, 81559, 1024, 37, 41, 69.88, 550.54.15"
                    echo "1, %5$s, NVIDIA H100 80GB HBM3, 81559, 0, [N/A], 35, [Not Supported], 550.54.15"
                    ;;
                  "")
                    echo "Tue Mar  5 10:00:00 2024"
                    echo "+-----------------------------------------------------------------------------------------+"
                    echo "| NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: 12.4     |"
                    echo "|-----------------------------------------+------------------------+----------------------+"
                    ;;
                  *)
                    echo "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help."
                    exit 2
                    ;;
                esac
                """.formatted(dir, NO_DRIVER_MESSAGE, QUERY, UUID_0, UUID_1));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /** Switches the fake next to {@code script} between a working driver and none. */
    public static void setNoDriver(Path script, boolean noDriver) throws IOException {
        Path mode = script.resolveSibling("mode");
        if (noDriver) {
            Files.writeString(mode, "no-driver\n");
        } else {
            Files.deleteIfExists(mode);
        }
    }

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("fl-nvsmi");
            return Map.of("fleetlink.agent.gpu.nvidia-smi", install(dir).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        deleteTree(dir);
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
