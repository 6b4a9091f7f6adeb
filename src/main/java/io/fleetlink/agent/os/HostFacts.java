package io.fleetlink.agent.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reads the machine's processor, memory, kernel and distribution facts from {@code /proc}, {@code /sys}
 * and {@code /etc/os-release}; the parsing is kept apart from the reading so it can be tested on
 * captured text. Blocking.
 */
@ApplicationScoped
public class HostFacts {

    /** Processor model, online cores and load averages. */
    public record Cpu(String model, int cores, double load1m, double load5m, double load15m) {
    }

    /** Memory in bytes; {@code available} is the kernel's estimate of what can be used without swapping. */
    public record Memory(long totalBytes, long availableBytes) {
    }

    private final Path proc;
    private final Path sys;
    private final Path etc;

    public HostFacts() {
        this(Path.of("/proc"), Path.of("/sys"), Path.of("/etc"));
    }

    HostFacts(Path proc, Path sys, Path etc) {
        this.proc = proc;
        this.sys = sys;
        this.etc = etc;
    }

    public Cpu cpu() {
        String cpuinfo = read(proc.resolve("cpuinfo"));
        int cores = readOptional(sys.resolve("devices/system/cpu/online"))
                .map(HostFacts::countCpuList)
                .filter(n -> n > 0)
                .orElseGet(() -> countProcessors(cpuinfo));
        double[] load = parseLoadavg(read(proc.resolve("loadavg")));
        return new Cpu(parseCpuModel(cpuinfo), cores, load[0], load[1], load[2]);
    }

    public Memory memory() {
        return parseMeminfo(read(proc.resolve("meminfo")));
    }

    /** The distribution's PRETTY_NAME, or "Linux" when the machine does not say. */
    public String os() {
        return readOptional(etc.resolve("os-release"))
                .or(() -> readOptional(etc.resolveSibling("usr/lib/os-release")))
                .flatMap(HostFacts::parsePrettyName)
                .orElse("Linux");
    }

    /** The kernel release, as {@code uname -r} prints it. */
    public String kernel() {
        return read(proc.resolve("sys/kernel/osrelease")).strip();
    }

    /** The machine architecture with {@code uname -m} names (x86_64, aarch64). */
    public String arch() {
        return readOptional(proc.resolve("sys/kernel/arch"))
                .map(String::strip)
                .filter(arch -> !arch.isEmpty())
                .orElseGet(() -> unameArch(System.getProperty("os.arch")));
    }

    static String parseCpuModel(String cpuinfo) {
        Map<String, String> first = new HashMap<>();
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                first.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        // x86 says "model name"; arm64 kernels often print no model at all, some boards say "Hardware".
        for (String key : new String[] {"model name", "Model", "Hardware", "cpu model", "cpu"}) {
            String value = first.get(key);
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return "unknown";
    }

    /** Counts a kernel cpu list such as {@code 0-3,8-11} or {@code 0}. */
    static int countCpuList(String list) {
        int count = 0;
        for (String part : list.strip().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            count += dash < 0 ? 1 : Integer.parseInt(part.substring(dash + 1)) - Integer.parseInt(part.substring(0, dash)) + 1;
        }
        return count;
    }

    static int countProcessors(String cpuinfo) {
        int count = (int) cpuinfo.lines().filter(line -> line.matches("processor\\s*:.*")).count();
        return count > 0 ? count : Runtime.getRuntime().availableProcessors();
    }

    static double[] parseLoadavg(String loadavg) {
        String[] fields = loadavg.strip().split("\\s+");
        return new double[] {Double.parseDouble(fields[0]), Double.parseDouble(fields[1]), Double.parseDouble(fields[2])};
    }

    static Memory parseMeminfo(String meminfo) {
        Map<String, Long> kib = new HashMap<>();
        for (String line : meminfo.split("\n")) {
            String[] fields = line.split("[:\\s]+");
            if (fields.length >= 2) {
                try {
                    kib.put(fields[0], Long.parseLong(fields[1]));
                } catch (NumberFormatException e) {
                    // Not a size line; nothing we report.
                }
            }
        }
        Long total = kib.get("MemTotal");
        if (total == null) {
            throw new IllegalStateException("meminfo has no MemTotal line");
        }
        // Kernels before 3.14 have no MemAvailable; free + page cache is the old approximation.
        long available = kib.containsKey("MemAvailable")
                ? kib.get("MemAvailable")
                : kib.getOrDefault("MemFree", 0L) + kib.getOrDefault("Buffers", 0L) + kib.getOrDefault("Cached", 0L);
        return new Memory(total * 1024, available * 1024);
    }

    static Optional<String> parsePrettyName(String osRelease) {
        for (String line : osRelease.split("\n")) {
            if (line.startsWith("PRETTY_NAME=")) {
                String value = line.substring("PRETTY_NAME=".length()).strip();
                if (value.length() >= 2 && (value.startsWith("\"") || value.startsWith("'")) && value.endsWith(value.substring(0, 1))) {
                    value = value.substring(1, value.length() - 1);
                }
                return value.isEmpty() ? Optional.empty() : Optional.of(value.replace("\\\"", "\""));
            }
        }
        return Optional.empty();
    }

    static String unameArch(String javaArch) {
        return switch (javaArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64";
            case "arm64", "aarch64" -> "aarch64";
            case "x86", "i386", "i686" -> "i686";
            default -> javaArch;
        };
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> readOptional(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
