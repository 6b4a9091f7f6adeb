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
    public static final String HEALTH_QUERY = "--query-gpu=index,uuid,pci.bus_id,ecc.errors.uncorrected.volatile.total,"
            + "ecc.errors.uncorrected.aggregate.total,persistence_mode,mig.mode.current,memory.used,retired_pages.pending,"
            + "clocks_event_reasons.hw_slowdown,clocks_event_reasons.hw_thermal_slowdown,"
            + "clocks_event_reasons.hw_power_brake_slowdown,clocks_event_reasons.sw_thermal_slowdown";
    private static final String OLD_HEALTH_QUERY = HEALTH_QUERY.replace("clocks_event_reasons", "clocks_throttle_reasons");

    /** The files next to the script that steer it; {@link #reset} removes them all. */
    public static final List<String> KNOBS = List.of("mode", "gone", "ecc", "remap", "throttle", "apps", "old-driver", "resets",
            "diag", "retired", "calls", "hold", "go", "dd-pid");

    /** The PCI addresses the fake's GPUs report ({@code pci.bus_id}) and the kernel names them by in Xid lines. */
    public static final String PCI_0 = "00000000:18:00.0";
    public static final String PCI_1 = "00000000:2A:00.0";

    /** The fake kernel log next to the script ({@code fleetlink.agent.gpu.kernel-log}), in /dev/kmsg's record format. */
    public static final String KERNEL_LOG = "kmsg";
    private static final String KERNEL_LOG_START = """
            5,0,0,-;Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)
            6,1,0,-;Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=/dev/nvme0n1p2 ro quiet
            6,1520,8120345,-;nvidia-nvlink: Nvlink Core is being initialized, major device number 237
            4,1521,8120991,-;NVRM: loading NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024
            3,1522,9102331,-;NVRM: Xid (PCI:0000:18:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.
            """;

    /** The fake dcgmi next to the script, steered by the {@code diag} knob ({@code fail}: GPU 1 fails; {@code hang}). */
    public static final String DCGMI = "dcgmi";

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
                # Every invocation is logged, one line each, so a test can count the runs.
                echo "$*" >> "$D/calls"
                # hold: wait until the test creates go (at most a minute), to catch callers in the act.
                if [ -e "$D/hold" ]; then
                  i=0
                  while [ ! -e "$D/go" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
                fi
                mode="$(cat "$D/mode" 2>/dev/null)"
                if [ "$mode" = no-driver ]; then
                  echo "%2$s"
                  exit 9
                fi
                if [ "$mode" = hang ]; then
                  exec sleep 60
                fi
                knob() { cat "$D/$1" 2>/dev/null; }
                # MiB in use on a GPU: 512 for each live process the apps knob puts on it.
                mem() {
                  n=0
                  while read -r pid uuid; do
                    [ -n "$pid" ] && [ "$uuid" = "$1" ] && [ -d "/proc/$pid" ] && n=$((n + 512))
                  done <<EOF_APPS
                $(knob apps)
                EOF_APPS
                  echo $n
                }
                # retired_pages.pending: [N/A] on Hopper (it remaps rows); the retired knob makes the GPUs
                # answer like pre-Ampere ones: "none" (No) or "pending" (Yes on GPU 1).
                retired() {
                  r=$(knob retired)
                  case "$r" in
                    "") echo "[N/A]" ;;
                    pending) [ "$1" = 1 ] && echo Yes || echo No ;;
                    none) echo No ;;
                    *) echo "$r" ;;
                  esac
                }
                health() {
                  t=$(knob throttle)
                  a() { if [ "$t" = "$1" ]; then echo Active; elif [ "$t" = error ]; then echo "[Unknown Error]"; else echo Not Active; fi; }
                  e=$(knob ecc || echo 0)
                  echo "0, %4$s, %8$s, 0, 0, Enabled, Disabled, $(mem %4$s) MiB, $(retired 0), Not Active, Not Active, Not Active, Not Active"
                  [ -e "$D/gone" ] || echo "1, %5$s, %9$s, $e, $e, Disabled, [N/A], $(mem %5$s) MiB, $(retired 1), $(a hw_slowdown), $(a hw_thermal_slowdown), $(a hw_power_brake_slowdown), $(a sw_thermal_slowdown)"
                }
                # The rows are written with units, as "--format=csv" prints them; render prints them in the
                # --format asked for: a header line unless noheader (units in brackets unless nounits), and
                # "81559 MiB", "37 %%", "69.88 W" as bare numbers with nounits. [N/A] and the like stay.
                render() {
                  case "$format" in
                    --format=csv|--format=csv,noheader|--format=csv,nounits|--format=csv,noheader,nounits) ;;
                    *) echo "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help."; exit 2 ;;
                  esac
                  case "$format" in
                    *noheader*) ;;
                    *nounits*) echo "$1" | sed -E 's/ \\[(MiB|W|%%)\\]//g' ;;
                    *) echo "$1" ;;
                  esac
                  case "$format" in
                    *nounits*) sed -E 's/ (MiB|W|%%)(,|$)/\\2/g' ;;
                    *) cat ;;
                  esac
                }
                format="$2"
                [ $# -le 2 ] || format=invalid
                case "$1" in
                  "%3$s")
                    {
                      echo "0, %4$s, NVIDIA H100 80GB HBM3, 81559 MiB, $(($(mem %4$s) + 1024)) MiB, 37 %%, 41, 69.88 W, 550.54.15"
                      [ -e "$D/gone" ] || echo "1, %5$s, NVIDIA H100 80GB HBM3, 81559 MiB, $(mem %5$s) MiB, [N/A], 35, [Not Supported], 550.54.15"
                    } | render "index, uuid, name, memory.total [MiB], memory.used [MiB], utilization.gpu [%%], temperature.gpu, power.draw [W], driver_version"
                    ;;
                  "%6$s")
                    if [ -e "$D/old-driver" ]; then
                      echo 'Field "clocks_event_reasons.hw_slowdown" is not a valid field to query.' >&2
                      exit 2
                    fi
                    health | render "$(echo "${1#--query-gpu=}" | sed 's/,/, /g; s/memory.used/memory.used [MiB]/')"
                    ;;
                  "%7$s")
                    health | render "$(echo "${1#--query-gpu=}" | sed 's/,/, /g; s/memory.used/memory.used [MiB]/')"
                    ;;
                  "--query-remapped-rows=gpu_uuid,remapped_rows.pending,remapped_rows.failure")
                    r=$(knob remap)
                    {
                      echo "%4$s, [N/A], [N/A]"
                      [ -e "$D/gone" ] || echo "%5$s, $([ "$r" = pending ] && echo 1 || echo 0), $([ "$r" = failure ] && echo 1 || echo 0)"
                    } | render "gpu_uuid, remapped_rows.pending, remapped_rows.failure"
                    ;;
                  "--query-compute-apps=pid,used_memory,gpu_uuid")
                    knob apps | while read -r pid uuid; do
                      [ -n "$pid" ] && [ -d "/proc/$pid" ] && echo "$pid, 512 MiB, $uuid"
                    done | render "pid, used_gpu_memory [MiB], gpu_uuid"
                    ;;
                  --gpu-reset)
                    [ "$2" = -i ] && [ $# -eq 3 ] || { echo "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help."; exit 2; }
                    echo "$3" >> "$D/resets"
                    echo "GPU 00000000:1$3:00.0 was successfully reset."
                    echo "All done."
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
                """.formatted(dir, NO_DRIVER_MESSAGE, QUERY, UUID_0, UUID_1, HEALTH_QUERY, OLD_HEALTH_QUERY, PCI_0, PCI_1));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve(KERNEL_LOG), KERNEL_LOG_START);
        Path dcgmi = dir.resolve(DCGMI);
        Files.writeString(dcgmi, """
                #!/bin/sh
                # Answers "dcgmi diag -r N" like DCGM 3.3 on the fake's two GPUs, steered by %1$s/diag (see FakeNvidiaSmi).
                D='%1$s'
                d="$(cat "$D/diag" 2>/dev/null)"
                if [ "$1 $2" != "diag -r" ]; then
                  echo "Usage: dcgmi diag -r <level>" >&2
                  exit 1
                fi
                if [ "$d" = hang ]; then
                  exec sleep 60
                fi
                echo "Successfully ran diagnostic for group."
                echo "+---------------------------+------------------------------------------------+"
                echo "| Diagnostic                | Result                                         |"
                echo "+===========================+================================================+"
                echo "|-----  Metadata  ----------+------------------------------------------------|"
                echo "| DCGM Version              | 3.3.5                                          |"
                echo "| Driver Version Detected   | 550.54.15                                      |"
                echo "| GPU Device IDs Detected   | 2330,2330                                      |"
                echo "|-----  Deployment  --------+------------------------------------------------|"
                echo "| Denylist                  | Pass                                           |"
                echo "| NVML Library              | Pass                                           |"
                echo "| CUDA Main Library         | Pass                                           |"
                echo "| Permissions and OS Blocks | Pass                                           |"
                echo "| Persistence Mode          | Pass                                           |"
                echo "| Environment Variables     | Pass                                           |"
                if [ "$d" = fail ]; then
                  echo "| Page Retirement/Row Remap | Fail - GPU: 1                                  |"
                  echo "| Warning                   | GPU 1 There are pending row remaps. Reset the  |"
                  echo "|                           | GPU to apply them.                             |"
                else
                  echo "| Page Retirement/Row Remap | Pass                                           |"
                fi
                echo "| Graphics Processes        | Pass                                           |"
                echo "| Inforom                   | Pass                                           |"
                echo "+---------------------------+------------------------------------------------+"
                [ "$d" = fail ] && exit 226
                exit 0
                """.formatted(dir));
        Files.setPosixFilePermissions(dcgmi, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /**
     * Appends an Xid line to the fake kernel log next to {@code script}, as the driver logs it and
     * /dev/kmsg shows it, e.g. {@code 3,1530,9342211,-;NVRM: Xid (PCI:0000:2a:00): 79, pid=1234, ...}.
     */
    public static void logXid(Path script, String pciBusId, int xid, String detail) throws IOException {
        Path log = script.resolveSibling(KERNEL_LOG);
        List<String> lines = Files.readAllLines(log);
        long seq = lines.isEmpty() ? 0 : Long.parseLong(lines.get(lines.size() - 1).split(",")[1]) + 1;
        String[] parts = pciBusId.split("[:.]");
        String pci = String.format("%04x:%s:%s", Long.parseLong(parts[0], 16), parts[1].toLowerCase(java.util.Locale.ROOT),
                parts[2].toLowerCase(java.util.Locale.ROOT));
        Files.writeString(log, "3," + seq + "," + (9_000_000 + seq * 1000) + ",-;NVRM: Xid (PCI:" + pci + "): " + xid + ", "
                + detail + "\n", java.nio.file.StandardOpenOption.APPEND);
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
        Files.writeString(script.resolveSibling(KERNEL_LOG), KERNEL_LOG_START);
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
                    "fleetlink.agent.gpu.state-dir", dir.resolve("state").toString(),
                    "fleetlink.agent.gpu.kernel-log", dir.resolve(KERNEL_LOG).toString(),
                    "fleetlink.agent.gpu.dcgmi", dir.resolve(DCGMI).toString(),
                    // Tests steer the fake and look at once: no system info cache (SystemInfoCacheTest covers it).
                    "fleetlink.agent.gpu.info-cache", "0s");
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
