package io.fleetlink.agent.ops;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.AgentException;
import io.fleetlink.agent.os.CappedOutput;
import io.fleetlink.agent.os.Executables;
import io.fleetlink.agent.os.ProcFs;
import io.fleetlink.agent.os.Signals;
import io.fleetlink.agent.os.UserAccount;
import io.fleetlink.agent.os.Users;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.ExecuteCommandRequest;
import io.fleetlink.protocol.ExecuteCommandResponse;

/**
 * ExecuteCommand on the machine: checks the request against the allowlist and the input rules, then
 * runs the program without a shell in a new session (its own process group), optionally as a tenant,
 * with a clean environment, capped output and a hard timeout that SIGKILLs the whole group. Nothing
 * the command started in its group outlives the call. A {@code timeout_seconds} above the cap is
 * refused (400), not silently shortened: the caller learns its command could not have finished.
 * Blocking.
 */
@ApplicationScoped
public class CommandRunner {

    /** Linux refuses a single argument or environment string longer than this (MAX_ARG_STRLEN). */
    private static final int MAX_ARG_BYTES = 128 * 1024;

    private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /**
     * Variables a caller may not set: they make a program load or run other code than the one the
     * allowlist names (the dynamic loader, glibc's own secure-mode list, shell start-up hooks,
     * interpreter paths), or they are the agent's to set for the target account.
     */
    private static final Set<String> RESERVED_ENV = Set.of("PATH", "HOME", "USER", "LOGNAME", "IFS", "ENV",
            "BASH_ENV", "SHELLOPTS", "BASHOPTS", "PS4", "GCONV_PATH", "GETCONF_DIR", "HOSTALIASES", "LOCALDOMAIN",
            "LOCPATH", "MALLOC_TRACE", "NIS_PATH", "NLSPATH", "RESOLV_HOST_CONF", "RES_OPTIONS", "TZDIR",
            "PERL5LIB", "PERL5OPT", "PERLLIB", "RUBYLIB", "RUBYOPT", "NODE_OPTIONS", "NODE_PATH",
            "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS");
    private static final List<String> RESERVED_ENV_PREFIXES = List.of("LD_", "BASH_FUNC_", "PYTHON");

    private static final String ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final String USER_PATH = "/usr/local/bin:/usr/bin:/bin";

    /** How long the group may take to die after SIGKILL and its pipes to close. */
    private static final Duration AFTER_KILL_WAIT = Duration.ofSeconds(5);

    /** Room left inside the operation timeout for killing the group and collecting the output. */
    private static final Duration CLEANUP_BUDGET = AFTER_KILL_WAIT.multipliedBy(2).plusSeconds(1);

    /** A checked request: everything a spawn needs, nothing started yet. */
    private record Launch(Path program, List<String> argv, Map<String, String> env, Path workingDir, Duration timeout) {
    }

    private final AgentConfig config;
    private final Users users;
    private final ProcFs procFs;
    private final Signals signals;
    private final ExecutorService drainers = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "fleetlink-exec-output");
        thread.setDaemon(true);
        return thread;
    });

    public CommandRunner(AgentConfig config, Users users, ProcFs procFs, Signals signals) {
        this.config = config;
        this.users = users;
        this.procFs = procFs;
        this.signals = signals;
    }

    @PreDestroy
    void close() {
        drainers.shutdownNow();
    }

    public ExecuteCommandResponse run(ExecuteCommandRequest request) {
        return execute(prepare(request));
    }

    /** All checks, in the order a caller can fix them: input rules (400), allowlist (403), account (404/403). */
    private Launch prepare(ExecuteCommandRequest request) {
        List<String> command = request.command();
        for (int i = 0; i < command.size(); i++) {
            requireArgument("command[" + i + "]", command.get(i));
        }
        Map<String, String> extraEnv = checkEnv(request.env());
        Duration timeout = timeout(request.timeoutSeconds());
        Optional<Path> requestedDir = request.workingDir() == null ? Optional.empty() : Optional.of(checkDirectory(request.workingDir()));
        Path program = allowedProgram(command.get(0));
        Optional<UserAccount> account = Optional.ofNullable(request.user()).map(users::requireTenant);

        List<String> argv = new ArrayList<>(List.of(helper("setsid"), "--"));
        if (account.isPresent()) {
            argv.addAll(List.of(helper("setpriv"), "--reuid=" + account.get().uid(), "--regid=" + account.get().gid(),
                    "--init-groups", "--"));
        }
        argv.add(program.toString());
        argv.addAll(command.subList(1, command.size()));

        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", account.isPresent() ? USER_PATH : ROOT_PATH);
        env.put("HOME", account.map(a -> a.home().toString()).orElse(System.getProperty("user.home")));
        env.put("USER", account.map(UserAccount::name).orElse(System.getProperty("user.name")));
        env.put("LOGNAME", env.get("USER"));
        env.put("LANG", "C.UTF-8");
        env.putAll(extraEnv);

        Path workingDir = requestedDir.orElseGet(() -> account
                .map(UserAccount::home)
                .filter(Files::isDirectory)
                .orElse(Path.of("/")));
        return new Launch(program, argv, env, workingDir, timeout);
    }

    private ExecuteCommandResponse execute(Launch launch) {
        long started = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(launch.argv())
                .directory(launch.workingDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // Start from nothing: the agent's own environment may hold its token.
        builder.environment().clear();
        builder.environment().putAll(launch.env());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw AgentException.internal("cannot start " + launch.program() + ": " + e.getMessage(), e);
        }
        // setsid made the child the leader of a new session and process group, so its pid is the group id.
        int group = (int) process.pid();
        int cap = config.exec().maxOutputBytes();
        CappedOutput stdout = CappedOutput.drain(process.getInputStream(), cap, drainers);
        CappedOutput stderr = CappedOutput.drain(process.getErrorStream(), cap, drainers);
        long deadline = started + launch.timeout().toNanos();
        boolean timedOut;
        try {
            timedOut = !process.waitFor(launch.timeout().toNanos(), TimeUnit.NANOSECONDS);
            if (timedOut) {
                killGroup(group);
                process.waitFor(AFTER_KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                // The leader exited; a background child may still hold stdout open until the deadline.
                timedOut = !stdout.awaitEnd(untilDeadline(deadline)) || !stderr.awaitEnd(untilDeadline(deadline));
            }
            killGroup(group);
            stdout.awaitEnd(AFTER_KILL_WAIT);
            stderr.awaitEnd(AFTER_KILL_WAIT);
        } catch (InterruptedException e) {
            killGroup(group);
            Thread.currentThread().interrupt();
            throw AgentException.internal("interrupted while running " + launch.program(), e);
        }
        long durationMs = (System.nanoTime() - started) / 1_000_000;
        int exitCode = timedOut || process.isAlive() ? -1 : process.exitValue();
        return new ExecuteCommandResponse(exitCode, stdout.text(), stderr.text(), stdout.truncated(), stderr.truncated(),
                timedOut, durationMs);
    }

    /** SIGKILLs what is left of the command's group, if anything: its leader may already be reaped. */
    private void killGroup(int group) {
        if (!procFs.processGroup(group).isEmpty()) {
            signals.killGroup(group);
        }
    }

    private static Duration untilDeadline(long deadlineNanos) {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    /**
     * The file {@code command[0]} names, if the allowlist has it. Names are looked up on the agent's
     * PATH, and so are the allowlist's; two paths name the same program when they are equal, or when
     * they are one file under the same name ({@code /bin/sh} and {@code /usr/bin/sh} on a merged-/usr
     * system). The name must match too, because a multi-call binary (busybox) acts by the name it is
     * called with.
     */
    private Path allowedProgram(String requested) {
        if (requested.isBlank()) {
            throw AgentException.badRequest("command[0]", "must name a program");
        }
        if (requested.contains("..")) {
            throw AgentException.badRequest("command[0]", "must not contain '..'");
        }
        if (requested.contains("/") && !requested.startsWith("/")) {
            throw AgentException.badRequest("command[0]", "must be an absolute path or a program name looked up on the "
                    + "agent's PATH; relative paths such as ./" + Path.of(requested).getFileName() + " are refused");
        }
        Path program = Executables.find(requested)
                .orElseThrow(() -> AgentException.badRequest("command[0]", requested.startsWith("/")
                        ? "'" + requested + "' is not an executable file on this machine"
                        : "no executable '" + requested + "' on the agent's PATH"));
        Set<String> allowed = config.exec().allowedCommands().orElse(Set.of());
        for (String entry : allowed) {
            Optional<Path> allowedPath = Executables.find(entry.strip());
            if (allowedPath.isPresent() && sameProgram(program, allowedPath.get())) {
                return program;
            }
        }
        throw AgentException.forbidden("command[0]: '" + requested + "'"
                + (requested.equals(program.toString()) ? "" : " (" + program + ")")
                + (allowed.isEmpty()
                        ? " is not allowed: fleetlink.agent.exec.allowed-commands is empty"
                        : " is not in fleetlink.agent.exec.allowed-commands"));
    }

    private static boolean sameProgram(Path requested, Path allowed) {
        if (requested.equals(allowed)) {
            return true;
        }
        try {
            return requested.getFileName().equals(allowed.getFileName()) && Files.isSameFile(requested, allowed);
        } catch (IOException e) {
            return false;
        }
    }

    private static void requireArgument(String field, String value) {
        if (value == null) {
            throw AgentException.badRequest(field, "must be a string, not null");
        }
        if (value.indexOf('\0') >= 0) {
            throw AgentException.badRequest(field, "must not contain a NUL character");
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_ARG_BYTES) {
            throw AgentException.badRequest(field, "must be at most " + MAX_ARG_BYTES + " bytes");
        }
    }

    private static Map<String, String> checkEnv(Map<String, String> env) {
        if (env == null) {
            return Map.of();
        }
        // Sorted, so the first error reported does not depend on map order.
        for (Map.Entry<String, String> entry : new TreeMap<>(env).entrySet()) {
            String key = entry.getKey();
            String field = "env[" + key.replaceAll("[^A-Za-z0-9_]", "?") + "]";
            if (!ENV_KEY.matcher(key).matches()) {
                throw AgentException.badRequest(field, "variable names must match [A-Za-z_][A-Za-z0-9_]*");
            }
            if (RESERVED_ENV.contains(key) || RESERVED_ENV_PREFIXES.stream().anyMatch(key::startsWith)) {
                throw AgentException.badRequest(field, "may not be set: it could make the program run other code, "
                        + "or it is set by the agent for the account the command runs as");
            }
            requireArgument(field, entry.getValue());
        }
        return env;
    }

    private Duration timeout(Integer requestedSeconds) {
        Duration limit = config.exec().maxTimeout();
        String bound = "fleetlink.agent.exec.max-timeout";
        Duration operationLimit = config.operationTimeout().minus(CLEANUP_BUDGET);
        if (operationLimit.compareTo(limit) < 0) {
            limit = operationLimit.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : operationLimit;
            bound = "fleetlink.agent.operation-timeout less the " + CLEANUP_BUDGET.toSeconds() + " s needed to stop the command";
        }
        if (requestedSeconds == null) {
            Duration fallback = Duration.ofSeconds(ExecuteCommandRequest.DEFAULT_TIMEOUT_SECONDS);
            return fallback.compareTo(limit) > 0 ? limit : fallback;
        }
        if (Duration.ofSeconds(requestedSeconds).compareTo(limit) > 0) {
            throw AgentException.badRequest("timeout_seconds", "must be at most " + limit.toSeconds() + " (" + bound + ")");
        }
        return Duration.ofSeconds(requestedSeconds);
    }

    private static Path checkDirectory(String workingDir) {
        requireArgument("working_dir", workingDir);
        Path dir;
        try {
            dir = Path.of(workingDir);
        } catch (InvalidPathException e) {
            throw AgentException.badRequest("working_dir", "is not a valid path");
        }
        if (!dir.isAbsolute()) {
            throw AgentException.badRequest("working_dir", "must be an absolute path");
        }
        if (!Files.isDirectory(dir)) {
            throw AgentException.badRequest("working_dir", "'" + workingDir + "' is not an existing directory");
        }
        return dir.normalize();
    }

    private static String helper(String name) {
        return Executables.find(name)
                .map(Path::toString)
                .orElseThrow(() -> AgentException.internal(name + " (util-linux) is not installed on this machine; "
                        + "it is needed to run commands in their own process group and as another user", null));
    }
}
