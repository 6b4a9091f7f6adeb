package io.fleetlink.agent.os;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fleetlink.config.AgentConfig;

/**
 * The {@link NvidiaSmi} of this machine: runs the {@code nvidia-smi} program, one CSV query for the
 * devices and driver version, then the plain banner for the CUDA version. A missing program or driver
 * is a reported condition, never an exception. Blocking.
 */
@ApplicationScoped
public class LinuxNvidiaSmi implements NvidiaSmi {

    /** The columns asked for, in this order; {@code driver_version} last so it is easy to pick off. */
    static final List<String> COLUMNS = List.of("index", "uuid", "name", "memory.total", "memory.used",
            "utilization.gpu", "temperature.gpu", "power.draw", "driver_version");

    private static final Pattern CUDA_VERSION = Pattern.compile("CUDA Version:\\s*([0-9][0-9.]*)");

    private final HostCommands commands;
    private final String program;
    private final Duration timeout;

    @Inject
    public LinuxNvidiaSmi(HostCommands commands, AgentConfig config) {
        this(commands, config.gpu().nvidiaSmi(), config.gpu().timeout());
    }

    /** For tests and tools that point it at another program. */
    public LinuxNvidiaSmi(HostCommands commands, String program, Duration timeout) {
        this.commands = commands;
        this.program = program;
        this.timeout = timeout;
    }

    /** Queries the GPUs within {@code fleetlink.agent.gpu.timeout} (both invocations together). */
    @Override
    public Report query() {
        Optional<Path> executable = Executables.find(program);
        if (executable.isEmpty()) {
            return Report.failed("nvidia-smi not found (" + (program.contains("/")
                    ? program + " is not an executable file"
                    : "no executable '" + program + "' on the agent's PATH")
                    + "; set fleetlink.agent.gpu.nvidia-smi if it is installed elsewhere)");
        }
        String binary = executable.get().toString();
        long deadline = System.nanoTime() + timeout.toNanos();
        HostCommands.Result devices;
        try {
            devices = commands.run(List.of(binary, "--query-gpu=" + String.join(",", COLUMNS),
                    "--format=csv,noheader,nounits"), timeout);
        } catch (HostCommands.CommandException e) {
            return Report.failed(describe(e));
        }
        if (!devices.ok()) {
            return Report.failed("nvidia-smi exited with " + devices.exitCode() + ": " + firstLines(devices.diagnostic()));
        }
        List<Gpu> gpus = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String driverVersion = null;
        List<String> lines = devices.stdout().lines().filter(line -> !line.isBlank()).toList();
        for (int i = 0; i < lines.size(); i++) {
            try {
                String[] fields = splitRow(lines.get(i));
                gpus.add(parseGpu(fields));
                if (driverVersion == null) {
                    driverVersion = textOrNull(fields[fields.length - 1]);
                }
            } catch (IllegalArgumentException e) {
                problems.add("line " + (i + 1) + ": " + e.getMessage());
            }
        }
        String cudaVersion = gpus.isEmpty() ? null : cudaVersion(binary, deadline);
        String error = problems.isEmpty() ? null : "nvidia-smi output not understood (" + String.join("; ", problems) + ")";
        return new Report(List.copyOf(gpus), driverVersion, cudaVersion, error);
    }

    /**
     * The CUDA version from the banner of a plain {@code nvidia-smi} run; null when it cannot be read in
     * the time left, since the devices are already known and this is only a detail.
     */
    private String cudaVersion(String binary, long deadline) {
        long leftMs = (deadline - System.nanoTime()) / 1_000_000;
        if (leftMs <= 0) {
            return null;
        }
        try {
            HostCommands.Result banner = commands.run(List.of(binary), Duration.ofMillis(leftMs));
            return banner.ok() ? parseCudaVersion(banner.stdout()).orElse(null) : null;
        } catch (HostCommands.CommandException e) {
            return null;
        }
    }

    private String describe(HostCommands.CommandException e) {
        // HostCommands reports a timeout without a cause, a failed start or an interrupt with one.
        return e.getCause() == null
                ? "nvidia-smi did not answer within " + timeout.toMillis() + " ms (fleetlink.agent.gpu.timeout)"
                : "nvidia-smi could not be run: " + e.getMessage();
    }

    /** The cells of one CSV row; a GPU name with commas in it is put back together. */
    static String[] splitRow(String line) {
        String[] raw = line.split(",", -1);
        int n = COLUMNS.size();
        if (raw.length < n) {
            throw new IllegalArgumentException("expected " + n + " columns, got " + raw.length);
        }
        int nameEnd = raw.length - (n - 3); // exclusive: the six columns after the name are fixed
        String[] fields = new String[n];
        fields[0] = raw[0].strip();
        fields[1] = raw[1].strip();
        fields[2] = String.join(",", Arrays.copyOfRange(raw, 2, nameEnd)).strip();
        for (int i = 3; i < n; i++) {
            fields[i] = raw[nameEnd + i - 3].strip();
        }
        return fields;
    }

    static Gpu parseGpu(String[] fields) {
        int index;
        try {
            index = Integer.parseInt(fields[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("index '" + fields[0] + "' is not a number");
        }
        return new Gpu(index, textOrNull(fields[1]), textOrNull(fields[2]),
                wholeOrZero(fields[3]), wholeOrZero(fields[4]),
                numberOrNull(fields[5]), numberOrNull(fields[6]), numberOrNull(fields[7]));
    }

    static Optional<String> parseCudaVersion(String banner) {
        Matcher matcher = CUDA_VERSION.matcher(banner);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /** A reading, or null for nvidia-smi's placeholders ({@code [N/A]}, {@code [Not Supported]}, {@code [Unknown Error]}). */
    static Double numberOrNull(String cell) {
        try {
            double value = Double.parseDouble(cell);
            return Double.isFinite(value) ? value : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Memory sizes cannot be null on the wire; a placeholder there reads as 0. */
    private static long wholeOrZero(String cell) {
        Double value = numberOrNull(cell);
        return value == null ? 0 : Math.round(value);
    }

    /** The throttle reasons the health gate reads, as named after {@code clocks_event_reasons.}. */
    public static final List<String> THROTTLE_REASONS = List.of("hw_slowdown", "hw_thermal_slowdown",
            "hw_power_brake_slowdown", "sw_thermal_slowdown");

    /** Drivers since R535 name the throttle fields {@code clocks_event_reasons.*}; older ones {@code clocks_throttle_reasons.*}. */
    static String healthQuery(String throttlePrefix) {
        StringBuilder query = new StringBuilder("--query-gpu=" + String.join(",", HEALTH_COLUMNS));
        THROTTLE_REASONS.forEach(reason -> query.append(',').append(throttlePrefix).append('.').append(reason));
        return query.toString();
    }

    @Override
    public boolean installed() {
        return Executables.find(program).isPresent();
    }

    @Override
    public Answer<HealthRow> health() {
        Answer<String[]> rows = csv(List.of(healthQuery("clocks_event_reasons"), "--format=csv,noheader,nounits"));
        if (!rows.ok() && !rows.timedOut() && rows.error().contains("is not a valid field")) {
            rows = csv(List.of(healthQuery("clocks_throttle_reasons"), "--format=csv,noheader,nounits"));
        }
        return parseRows(rows, HEALTH_FIXED_COLUMNS + THROTTLE_REASONS.size(), LinuxNvidiaSmi::parseHealth);
    }

    @Override
    public Answer<RemapRow> remappedRows() {
        return parseRows(csv(List.of("--query-remapped-rows=gpu_uuid,remapped_rows.pending,remapped_rows.failure",
                "--format=csv,noheader")), 3, LinuxNvidiaSmi::parseRemap);
    }

    @Override
    public Answer<ComputeApp> computeApps() {
        return parseRows(csv(List.of("--query-compute-apps=pid,used_memory,gpu_uuid", "--format=csv,noheader,nounits")), 3,
                fields -> new ComputeApp(index(fields[0], "pid"), wholeOrNull(fields[1]), textOrNull(fields[2])));
    }

    @Override
    public Optional<String> reset(int index) {
        Answer<String[]> answer = csv(List.of("--gpu-reset", "-i", Integer.toString(index)));
        return Optional.ofNullable(answer.error());
    }

    /**
     * The fixed columns of the health query, in this order; the throttle reasons follow. nvidia-smi's
     * names ({@code nvidia-smi --help-query-gpu}): {@code retired_pages.pending} is "Yes"/"No" on GPUs
     * that retire pages (before Ampere) and {@code [N/A]} on those that remap rows instead.
     */
    public static final List<String> HEALTH_COLUMNS = List.of("index", "uuid", "pci.bus_id",
            "ecc.errors.uncorrected.volatile.total", "ecc.errors.uncorrected.aggregate.total", "persistence_mode",
            "mig.mode.current", "memory.used", "retired_pages.pending");

    static final int HEALTH_FIXED_COLUMNS = HEALTH_COLUMNS.size();

    static HealthRow parseHealth(String[] fields) {
        java.util.Map<String, Boolean> throttle = new java.util.LinkedHashMap<>();
        java.util.Map<String, String> unreadable = new java.util.LinkedHashMap<>();
        for (int i = 0; i < THROTTLE_REASONS.size(); i++) {
            String cell = fields[HEALTH_FIXED_COLUMNS + i];
            throttle.put(THROTTLE_REASONS.get(i), activeOrNull(cell));
            if (isError(cell)) {
                unreadable.put(THROTTLE_REASONS.get(i), cell);
            }
        }
        for (int column : new int[] { 3, 8 }) {
            if (isError(fields[column])) {
                unreadable.put(HEALTH_COLUMNS.get(column), fields[column]);
            }
        }
        return new HealthRow(index(fields[0], "index"), textOrNull(fields[1]), textOrNull(fields[2]),
                wholeOrNull(fields[3]), wholeOrNull(fields[4]), enabledOrNull(fields[5]), enabledOrNull(fields[6]),
                java.util.Collections.unmodifiableMap(throttle), wholeOrNull(fields[7]), flagOrNull(fields[8]),
                java.util.Collections.unmodifiableMap(unreadable));
    }

    static RemapRow parseRemap(String[] fields) {
        String error = isError(fields[1]) ? fields[1] : isError(fields[2]) ? fields[2] : null;
        return new RemapRow(textOrNull(fields[0]), flagOrNull(fields[1]), flagOrNull(fields[2]), error);
    }

    /**
     * Whether a cell is nvidia-smi's answer that a value could not be read ({@code [Unknown Error]},
     * {@code [GPU is lost]}, {@code [Insufficient Permissions]}, ...), as opposed to one the GPU does not
     * have ({@code [N/A]}, {@code [Not Supported]}) or a value.
     */
    static boolean isError(String cell) {
        String text = cell.strip();
        return text.startsWith("[") && !text.equals("[N/A]") && !text.equals("[Not Supported]");
    }

    /** "Enabled" true, "Disabled" false, placeholders ({@code [N/A]}, {@code [Not Supported]}) null. */
    static Boolean enabledOrNull(String cell) {
        return switch (cell.strip()) {
            case "Enabled" -> Boolean.TRUE;
            case "Disabled" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** Runs one query within the timeout; each line of stdout split at commas and stripped. */
    private Answer<String[]> csv(List<String> args) {
        Optional<Path> executable = Executables.find(program);
        if (executable.isEmpty()) {
            return Answer.failed("nvidia-smi not found (" + program + ")", false);
        }
        List<String> argv = new ArrayList<>();
        argv.add(executable.get().toString());
        argv.addAll(args);
        HostCommands.Result result;
        try {
            result = commands.run(argv, timeout);
        } catch (HostCommands.CommandException e) {
            return Answer.failed(describe(e) + " [" + String.join(" ", args) + "]", e.getCause() == null);
        }
        if (!result.ok()) {
            return Answer.failed("nvidia-smi " + String.join(" ", args) + " exited with " + result.exitCode() + ": "
                    + firstLines(result.diagnostic()), false);
        }
        List<String[]> rows = result.stdout().lines()
                .filter(line -> !line.isBlank())
                .map(line -> Arrays.stream(line.split(",", -1)).map(String::strip).toArray(String[]::new))
                .toList();
        return Answer.of(rows);
    }

    /** Parses each row; a row that cannot be read fails the whole probe, since a health gate must not guess. */
    static <T> Answer<T> parseRows(Answer<String[]> raw, int columns, java.util.function.Function<String[], T> parser) {
        if (!raw.ok()) {
            return Answer.failed(raw.error(), raw.timedOut());
        }
        List<T> parsed = new ArrayList<>();
        for (int i = 0; i < raw.rows().size(); i++) {
            String[] fields = raw.rows().get(i);
            if (fields.length != columns) {
                return Answer.failed("nvidia-smi output not understood (line " + (i + 1) + ": expected " + columns
                        + " columns, got " + fields.length + ")", false);
            }
            try {
                parsed.add(parser.apply(fields));
            } catch (IllegalArgumentException e) {
                return Answer.failed("nvidia-smi output not understood (line " + (i + 1) + ": " + e.getMessage() + ")", false);
            }
        }
        return Answer.of(parsed);
    }

    private static int index(String cell, String what) {
        try {
            return Integer.parseInt(cell);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + cell + "' is not a number");
        }
    }

    /** A count with or without a unit ("1024 MiB"), or null for a placeholder; never zero for "not reported". */
    static Long wholeOrNull(String cell) {
        String number = cell.strip();
        int space = number.indexOf(' ');
        if (space > 0 && !number.startsWith("[")) {
            number = number.substring(0, space);
        }
        Double value = numberOrNull(number);
        return value == null ? null : Math.round(value);
    }

    /** "1"/"Yes" true, "0"/"No" false, placeholders null. */
    static Boolean flagOrNull(String cell) {
        return switch (cell.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "1", "yes", "true" -> Boolean.TRUE;
            case "0", "no", "false" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** "Active" true, "Not Active" false, placeholders null. */
    static Boolean activeOrNull(String cell) {
        return switch (cell.strip()) {
            case "Active" -> Boolean.TRUE;
            case "Not Active" -> Boolean.FALSE;
            default -> null;
        };
    }

    private static String textOrNull(String cell) {
        return cell.isEmpty() || cell.startsWith("[") ? null : cell;
    }

    private static String firstLines(String text) {
        String joined = String.join(" ", text.lines().limit(5).toList());
        return joined.length() > 500 ? joined.substring(0, 500) + "..." : joined;
    }
}
