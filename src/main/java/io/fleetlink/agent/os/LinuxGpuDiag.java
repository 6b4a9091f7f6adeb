package io.fleetlink.agent.os;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fleetlink.config.AgentConfig;

/**
 * The {@link GpuDiag} of this machine: {@code dcgmi diag -r <level>} (the program
 * {@code fleetlink.agent.gpu.dcgmi}) within {@code fleetlink.agent.gpu.diag-timeout}, its result table
 * read for the tests that say {@code Fail}. Blocking.
 */
@ApplicationScoped
public class LinuxGpuDiag implements GpuDiag {

    /** "Fail - GPU: 1", "Fail - GPUs: 0, 1". */
    private static final Pattern GPU_LIST = Pattern.compile("GPUs?: ?([0-9][0-9, ]*)");
    /** A warning row: "GPU 1 There are pending row remaps...". */
    private static final Pattern GPU_WORD = Pattern.compile("\\bGPU (\\d+)\\b");

    private final HostCommands commands;
    private final String program;
    private final Duration timeout;

    @Inject
    public LinuxGpuDiag(HostCommands commands, AgentConfig config) {
        this(commands, config.gpu().dcgmi(), config.gpu().diagTimeout());
    }

    public LinuxGpuDiag(HostCommands commands, String program, Duration timeout) {
        this.commands = commands;
        this.program = program;
        this.timeout = timeout;
    }

    @Override
    public boolean installed() {
        return Executables.find(program).isPresent();
    }

    @Override
    public Result run(int level) {
        Optional<Path> executable = Executables.find(program);
        if (executable.isEmpty()) {
            return Result.failed("dcgmi not found (" + program + ")", false);
        }
        HostCommands.Result result;
        try {
            result = commands.run(List.of(executable.get().toString(), "diag", "-r", Integer.toString(level)), timeout);
        } catch (HostCommands.CommandException e) {
            return e.getCause() == null
                    ? Result.failed("dcgmi diag -r " + level + " did not finish within " + timeout.toMillis()
                            + " ms (fleetlink.agent.gpu.diag-timeout)", true)
                    : Result.failed("dcgmi could not be run: " + e.getMessage(), false);
        }
        List<Failure> failures = parse(result.stdout());
        if (result.ok() && failures.isEmpty()) {
            return new Result(true, List.of(), null, false);
        }
        if (failures.isEmpty()) {
            String said = String.join(" ", result.diagnostic().lines().limit(5).toList());
            return Result.failed("dcgmi diag -r " + level + " exited with " + result.exitCode() + ": "
                    + (said.length() > 500 ? said.substring(0, 500) + "..." : said), false);
        }
        return new Result(false, failures, null, false);
    }

    /** The failed tests of dcgmi's result table, each with the warning rows under it. */
    static List<Failure> parse(String table) {
        List<Failure> failures = new ArrayList<>();
        String test = null;
        List<Integer> gpus = null;
        StringBuilder detail = null;
        for (String line : table.lines().toList()) {
            String[] cells = line.split("\\|", -1);
            if (cells.length < 3 || line.startsWith("+") || line.startsWith("|---")) {
                continue;
            }
            String name = cells[1].strip();
            String value = cells[2].strip();
            if (value.startsWith("Fail")) {
                if (test != null) {
                    failures.add(new Failure(test, List.copyOf(gpus), detail.toString()));
                }
                test = name;
                gpus = new ArrayList<>(numbers(GPU_LIST, value, true));
                detail = new StringBuilder(value);
            } else if (test != null && (name.isEmpty() || name.equals("Warning") || name.equals("Error") || name.equals("Info"))) {
                detail.append(detail.length() > 0 ? " " : "").append(value);
                for (Integer gpu : numbers(GPU_WORD, value, false)) {
                    if (!gpus.contains(gpu)) {
                        gpus.add(gpu);
                    }
                }
            } else if (test != null) {
                failures.add(new Failure(test, List.copyOf(gpus), detail.toString()));
                test = null;
            }
        }
        if (test != null) {
            failures.add(new Failure(test, List.copyOf(gpus), detail.toString()));
        }
        return failures;
    }

    private static List<Integer> numbers(Pattern pattern, String text, boolean list) {
        List<Integer> numbers = new ArrayList<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            if (list) {
                for (String part : matcher.group(1).split(",")) {
                    if (!part.isBlank()) {
                        numbers.add(Integer.parseInt(part.strip()));
                    }
                }
            } else {
                numbers.add(Integer.parseInt(matcher.group(1)));
            }
        }
        return numbers;
    }
}
