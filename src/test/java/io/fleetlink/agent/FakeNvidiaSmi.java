package io.fleetlink.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A stand-in for {@code nvidia-smi} in a private temp directory that answers the invocations the
 * agent makes the way the real program does on a two-GPU H100 machine; files next to it (see
 * {@link #install}) make it fail like a missing driver, hang, lose a GPU or report a sick one. Its
 * GPU state directory ({@code fleetlink.agent.gpu.state-dir}) is {@code state} beside it.
 */
public class FakeNvidiaSmi implements QuarkusTestResourceLifecycleManager {

    public static final String NO_DRIVER_MESSAGE = "NVIDIA-SMI has failed because it couldn't communicate with the "
            + "NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.";
    public static final String UUID_0 = "GPU-5c3b1c2e-8f0a-4c51-9d62-1f8e7a2b3c40";
    public static final String UUID_1 = "GPU-9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

    private static final String QUERY = "--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu,"
            + "temperature.gpu,power.draw,driver_version";

    private Path dir;

    /** The health query, with the throttle fields as drivers since R535 name them. */
    public static final String HEALTH_QUERY = "--query-gpu=index,uuid,ecc.errors.uncorrected.volatile.total,"
            + "clocks_event_reasons.hw_slowdown,clocks_event_reasons.hw_thermal_slowdown,"
            + "clocks_event_reasons.hw_power_brake_slowdown,clocks_event_reasons.sw_thermal_slowdown";
    private static final String OLD_HEALTH_QUERY = HEALTH_QUERY.replace("clocks_event_reasons", "clocks_throttle_reasons");

    /** The files next to the script that steer it; {@link #reset} removes them all. */
    public static final List<String> KNOBS = List.of("mode", "gone", "ecc", "remap", "throttle", "apps", "old-driver", "resets");

    /**
     * The script, for tests that build an {@code NvidiaSmi} themselves. Files next to it steer it:
     * {@code mode} ({@code no-driver}: fails like a missing driver; {@code hang}: sleeps past any deadline),
     * {@code gone} (GPU 1 has disappeared), {@code ecc} (GPU 1's uncorrectable volatile ECC count),
     * {@code remap} ({@code pending} or {@code failure} on GPU 1), {@code throttle} (a reason active on
     * GPU 1, e.g. {@code hw_slowdown}), {@code apps} (lines "pid uuid", reported while the pid lives),
     * {@code old-driver} (knows only {@code clocks_throttle_reasons.*}); {@code resets} logs each reset.
     */
    public static Path install(Path dir) throws IOException {
        Path script = dir.resolve("nvidia-smi");
        Files.writeString(script, """
                #!/bin/sh
                # Answers like nvidia-smi 550 on two H100s, steered by the files in %1$s (see FakeNvidiaSmi).
                D='%1$s'
                mode="$(cat "$D/mode" 2>/dev/null)"
                if [ "$mode" = no-driver ]; then
                  echo "%2$s"
                  exit 9
                fi
                if [ "$mode" = hang ]; then
                  exec sleep 60
                fi
                knob() { cat "$D/$1" 2>/dev/null; }
                health() {
                  t=$(knob throttle)
                  a() { if [ "$t" = "$1" ]; then echo Active; else echo Not Active; fi; }
                  echo "0, %4$s, 0, Not Active, Not Active, Not Active, Not Active"
                  [ -e "$D/gone" ] || echo "1, %5$s, $(knob ecc || echo 0), $(a hw_slowdown), $(a hw_thermal_slowdown), $(a hw_power_brake_slowdown), $(a sw_thermal_slowdown)"
                }
                case "$*" in
                  "%3$s --format=csv,noheader,nounits")
                    echo "0, %4$s, NVIDIA H100 80GB HBM3, 81559, 1024, 37, 41, 69.88, 550.54.15"
                    [ -e "$D/gone" ] || echo "1, %5$s, NVIDIA H100 80GB HBM3, 81559, 0, [N/A], 35, [Not Supported], 550.54.15"
                    ;;
                  "%6$s --format=csv,noheader,nounits")
                    if [ -e "$D/old-driver" ]; then
                      echo 'Field "clocks_event_reasons.hw_slowdown" is not a valid field to query.' >&2
                      exit 2
                    fi
                    health
                    ;;
                  "%7$s --format=csv,noheader,nounits")
                    health
                    ;;
                  "--query-remapped-rows=gpu_uuid,remapped_rows.pending,remapped_rows.failure --format=csv,noheader")
                    r=$(knob remap)
                    echo "%4$s, [N/A], [N/A]"
                    [ -e "$D/gone" ] || echo "%5$s, $([ "$r" = pending ] && echo 1 || echo 0), $([ "$r" = failure ] && echo 1 || echo 0)"
                    ;;
                  "--query-compute-apps=pid,used_memory,gpu_uuid --format=csv,noheader,nounits")
                    knob apps | while read -r pid uuid; do
                      [ -n "$pid" ] && [ -d "/proc/$pid" ] && echo "$pid, 512, $uuid"
                    done
                    true
                    ;;
                  "--gpu-reset -i "*)
                    echo "$3" >> "$D/resets"
                    echo "GPU 00000000:1$3:00.0 was successfully reset."
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
                """.formatted(dir, NO_DRIVER_MESSAGE, QUERY, UUID_0, UUID_1, HEALTH_QUERY, OLD_HEALTH_QUERY));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /** Sets one of the {@link #KNOBS} next to {@code script}. */
    public static void set(Path script, String knob, String content) throws IOException {
        Files.writeString(script.resolveSibling(knob), content + "\n");
    }

    /** Back to two healthy GPUs with a driver: every knob removed. */
    public static void reset(Path script) throws IOException {
        for (String knob : KNOBS) {
            Files.deleteIfExists(script.resolveSibling(knob));
        }
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
            return Map.of("fleetlink.agent.gpu.nvidia-smi", install(dir).toString(),
                    "fleetlink.agent.gpu.state-dir", dir.resolve("state").toString());
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
