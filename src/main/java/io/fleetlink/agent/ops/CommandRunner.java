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
import io.fleetlink.agent.DaemonThreads;
import io.fleetlink.agent.os.CappedOutput;
import io.fleetlink.agent.os.ExecCgroups;
import io.fleetlink.agent.os.ExecLaunchers;
import io.fleetlink.agent.os.Executables;
import io.fleetlink.agent.os.ProcFs;
import io.fleetlink.agent.os.Signals;
import io.fleetlink.agent.os.UserAccount;
import io.fleetlink.agent.os.Users;
import io.fleetlink.config.AgentConfig;
import io.fleetlink.protocol.ExecuteCommandRequest;
import io.fleetlink.protocol.ExecuteCommandResponse;
import io.quarkus.logging.Log;

/**
 * ExecuteCommand on the machine: checks the request against the allowlists and the input rules, then
 * runs the program's checked real file (never the caller's spelling) without a shell, in its own
 * cgroup where cgroup v2 is usable and in a new session (its own process group) always, optionally as
 * a tenant, with a clean environment, capped output and a hard timeout. When the call ends everything
 * in the cgroup is killed with {@code cgroup.kill}, daemons that left the session included; without
 * a cgroup the process group is SIGKILLed, which such a daemon escapes. A {@code timeout_seconds}
 * above the cap is refused (400), not silently shortened: the caller learns its command could not
 * have finished. Blocking.
 */
@ApplicationScoped
public class CommandRunner {

    /** Linux refuses a single argument or environment string longer than this (MAX_ARG_STRLEN). */
    private static final int MAX_ARG_BYTES = 128 * 1024;

    /**
     * The most bytes argv and environment may take together in one {@code execve}: the kernel counts
     * each string with its NUL plus one pointer, against a quarter of the stack limit ({@code getconf
     * ARG_MAX}), 2 MiB under the usual 8 MiB stack. A constant, not a lookup: an agent started with a
     * smaller stack still gets a 400 because the kernel's E2BIG is mapped to one too.
     */
    private static final long ARG_MAX_BYTES = 2L * 1024 * 1024;

    /** Room kept inside {@link #ARG_MAX_BYTES} for the wrapper's script, cgroup path and the file name. */
    private static final int WRAPPER_ROOM = 4096;

    private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Variables the agent sets for the account the command runs as; never the caller's to choose. */
    private static final Set<String> AGENT_ENV = Set.of("PATH", "HOME", "USER", "LOGNAME");

    /**
     * Variables whose value names a file that libc or curses opens (locale, zoneinfo, terminfo): it must
     * stay a name inside the system's own directories, so a tenant's file is never parsed by root.
     */
    private static final Pattern FILE_NAMING_ENV = Pattern.compile("LANG|LANGUAGE|LC_[A-Z_]+|TZ|TERM");

    /**
     * Joins the cgroup given as $1 (its cgroup.procs), then becomes the rest of its arguments. The
     * script is a constant: every path is an argument, none is spliced into the text.
     */
    private static final String JOIN_CGROUP = "echo $$ > \"$1\" || exit 125; shift; exec \"$@\"";

    private static final String ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final String USER_PATH = "/usr/local/bin:/usr/bin:/bin";

    /** How long the group may take to die after SIGKILL and its pipes to close. */
    private static final Duration AFTER_KILL_WAIT = Duration.ofSeconds(5);

    /** Room left inside the operation timeout for killing the group or cgroup and collecting the output. */
    private static final Duration CLEANUP_BUDGET = AFTER_KILL_WAIT.multipliedBy(3).plusSeconds(1);

    /** A checked request: everything a spawn needs, nothing started yet. */
    private record Launch(Path program, List<String> argv, Map<String, String> env, Path workingDir, Duration timeout) {
    }

    private final AgentConfig config;
    private final Users users;
    private final ProcFs procFs;
    private final Signals signals;
    private final ExecCgroups cgroups;
    private final ExecLaunchers launchers;
    private final ExecutorService drainers = Executors.newCachedThreadPool(DaemonThreads.named("fleetlink-exec-output"));

    public CommandRunner(AgentConfig config, Users users, ProcFs procFs, Signals signals, ExecCgroups cgroups,
            ExecLaunchers launchers) {
        this.config = config;
        this.users = users;
        this.procFs = procFs;
        this.signals = signals;
        this.cgroups = cgroups;
        this.launchers = launchers;
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
        Map<String, String> extraEnv = checkEnv(request.env(), config.exec().allowedEnv());
        Duration timeout = timeout(request.timeoutSeconds());
        Optional<Path> requestedDir = request.workingDir() == null ? Optional.empty() : Optional.of(checkDirectory(request.workingDir()));
        Executables.Trusted program = allowedProgram(command.get(0));
        Optional<UserAccount> account = Optional.ofNullable(request.user()).map(users::requireTenant);

        List<String> argv = new ArrayList<>();
        if (account.isPresent()) {
            argv.addAll(List.of(helper("setpriv"), "--reuid=" + account.get().uid(), "--regid=" + account.get().gid(),
                    "--init-groups", "--"));
        }
        // The checked file, not the caller's spelling: nothing on its path can change before the exec.
        argv.add(program.execPath().toString());
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
        requireArgMax(argv, env);
        return new Launch(program.execPath(), argv, env, workingDir, timeout);
    }

    /** 400 when argv and environment together would not fit one {@code execve}. */
    private static void requireArgMax(List<String> argv, Map<String, String> env) {
        long bytes = WRAPPER_ROOM;
        for (String arg : argv) {
            bytes += arg.getBytes(StandardCharsets.UTF_8).length + 1 + Long.BYTES;
        }
        for (Map.Entry<String, String> variable : env.entrySet()) {
            bytes += (variable.getKey() + "=" + variable.getValue()).getBytes(StandardCharsets.UTF_8).length + 1 + Long.BYTES;
        }
        if (bytes > ARG_MAX_BYTES) {
            throw AgentException.badRequest("command", "arguments and environment together take about " + bytes
                    + " bytes, more than the kernel's limit of " + ARG_MAX_BYTES + " (ARG_MAX)");
        }
    }

    private ExecuteCommandResponse execute(Launch launch) {
        long started = System.nanoTime();
        byte[] request = ExecLaunchers.request(launch.workingDir(), launch.env(), launch.argv());
        Optional<ExecLaunchers.Launcher> launcher = cgroups.usable() && request.length <= ExecLaunchers.MAX_REQUEST_BYTES
                ? launchers.take()
                : Optional.empty();
        Optional<ExecCgroups.Cgroup> cgroup = launcher.map(ExecLaunchers.Launcher::cgroup);
        Process process = null;
        if (launcher.isPresent()) {
            try {
                process = launcher.get().start(request);
            } catch (IOException e) {
                // Nothing ran: the launcher died before it read the command. Its cgroup is emptied (whatever
                // is left of it killed) and the command starts cold instead.
                Log.warnf("a waiting launcher was gone (%s); the command starts cold", e.getMessage());
                release(cgroup);
            }
        }
        if (process == null) {
            cgroup = cgroups.create();
        }
        try {
            if (process == null) {
                process = startCold(launch, cgroup);
            }
            return collect(launch, process, cgroup, started);
        } finally {
            release(cgroup);
        }
    }

    /** Empties the command's cgroup, killing what is left, and keeps it for the next command. */
    private void release(Optional<ExecCgroups.Cgroup> cgroup) {
        cgroup.ifPresent(c -> cgroups.release(c, AFTER_KILL_WAIT));
    }

    /**
     * Starts the command without a waiting launcher: a new session ({@code setsid}) and, with a cgroup,
     * first an {@code sh} that moves itself into it and becomes the command, so every process the command
     * ever starts is born inside it.
     */
    private Process startCold(Launch launch, Optional<ExecCgroups.Cgroup> cgroup) {
        List<String> argv = new ArrayList<>();
        if (cgroup.isPresent()) {
            argv.addAll(List.of(helper("sh"), "-c", JOIN_CGROUP, "fleetlink-exec", cgroup.get().procs().toString()));
        }
        argv.addAll(List.of(helper("setsid"), "--"));
        argv.addAll(launch.argv());
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(launch.workingDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // Start from nothing: the agent's own environment may hold its token.
        builder.environment().clear();
        builder.environment().putAll(launch.env());
        try {
            return builder.start();
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("error=7,")) { // E2BIG: a smaller stack limit than assumed
                throw AgentException.badRequest("command", "arguments and environment together exceed the kernel's limit "
                        + "(ARG_MAX, a quarter of the agent's stack limit)");
            }
            throw AgentException.internal("cannot start " + launch.program() + ": " + e.getMessage(), e);
        }
    }

    private ExecuteCommandResponse collect(Launch launch, Process process, Optional<ExecCgroups.Cgroup> cgroup, long started) {
        // setsid made the child (or the launcher before it) the leader of a new session and process group,
        // so its pid is the group id.
        int group = (int) process.pid();
        int cap = config.exec().maxOutputBytes();
        CappedOutput stdout = CappedOutput.drain(process.getInputStream(), cap, drainers);
        CappedOutput stderr = CappedOutput.drain(process.getErrorStream(), cap, drainers);
        long deadline = started + launch.timeout().toNanos();
        boolean timedOut;
        try {
            timedOut = !process.waitFor(launch.timeout().toNanos(), TimeUnit.NANOSECONDS);
            if (timedOut) {
                stop(group, cgroup);
                process.waitFor(AFTER_KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                // The leader exited; a background child may still hold stdout open until the deadline.
                timedOut = !stdout.awaitEnd(untilDeadline(deadline)) || !stderr.awaitEnd(untilDeadline(deadline));
            }
            if (timedOut || cgroup.isEmpty()) {
                stop(group, cgroup);
            } // else the cgroup is emptied when it is released: a child that closed its output may still run
            stdout.awaitEnd(AFTER_KILL_WAIT);
            stderr.awaitEnd(AFTER_KILL_WAIT);
        } catch (InterruptedException e) {
            stop(group, cgroup);
            Thread.currentThread().interrupt();
            throw AgentException.internal("interrupted while running " + launch.program(), e);
        }
        long durationMs = (System.nanoTime() - started) / 1_000_000;
        int exitCode = timedOut || process.isAlive() ? -1 : process.exitValue();
        return new ExecuteCommandResponse(exitCode, stdout.text(), stderr.text(), stdout.truncated(), stderr.truncated(),
                timedOut, durationMs);
    }

    /**
     * SIGKILLs everything in the command's cgroup or, without one, what is left of its process group.
     * The cgroup holds the whole group: every member was born in it (a process can only join a group of
     * its own session, and the session began with the command inside the cgroup), so the cgroup needs no
     * {@code /proc} scan to find them, and it also holds what left the session.
     */
    private void stop(int group, Optional<ExecCgroups.Cgroup> cgroup) {
        if (cgroup.isPresent()) {
            cgroup.get().kill();
        } else {
            killGroup(group);
        }
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
     * The checked file {@code command[0]} names, if the allowlist has it. Names are looked up on the
     * agent's PATH, and so are the allowlist's. The request and an allowlist entry name the same
     * program when both resolve to one real file and they are the same path or carry the same name
     * ({@code /bin/sh} and {@code /usr/bin/sh} on a merged-/usr system): a multi-call binary (busybox)
     * acts by the name it is called with, so {@code /bin/ls} on the list does not allow {@code /bin/rm}.
     * The program must be {@link Executables#trusted trusted}: owned by root and writable only by root,
     * with every directory and link on the way, or a tenant could swap it between this check and the
     * exec.
     */
    private Executables.Trusted allowedProgram(String requested) {
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
        Path found = Executables.find(requested)
                .orElseThrow(() -> AgentException.badRequest("command[0]", requested.startsWith("/")
                        ? "'" + requested + "' is not an executable file on this machine"
                        : "no executable '" + requested + "' on the agent's PATH"));
        String named = "command[0]: '" + requested + "'" + (requested.equals(found.toString()) ? "" : " (" + found + ")");
        Executables.Trusted program;
        try {
            program = Executables.trusted(found);
        } catch (Executables.UntrustedException e) {
            throw AgentException.forbidden(named + " is refused: " + e.getMessage() + "; a program the agent runs, every "
                    + "directory on the way to it and every link in between must be owned by root and writable only by root");
        }
        Set<String> allowed = config.exec().allowedCommands().orElse(Set.of());
        for (String entry : allowed) {
            Optional<Path> allowedPath = Executables.find(entry.strip());
            if (allowedPath.isPresent() && sameProgram(found, program, allowedPath.get())) {
                return program;
            }
        }
        throw AgentException.forbidden(named + (allowed.isEmpty()
                ? " is not allowed: fleetlink.agent.exec.allowed-commands is empty"
                : " is not in fleetlink.agent.exec.allowed-commands"));
    }

    private static boolean sameProgram(Path requested, Executables.Trusted program, Path allowed) {
        if (!requested.equals(allowed) && !requested.getFileName().equals(allowed.getFileName())) {
            return false;
        }
        try {
            return Executables.trusted(allowed).realPath().equals(program.realPath());
        } catch (Executables.UntrustedException e) {
            return false; // an allowlist entry root could not run safely allows nothing
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

    /**
     * The caller's variables, each of them named in {@code fleetlink.agent.exec.allowed-env} (an
     * allowlist: a blocklist of variables that make programs load code is never complete).
     */
    private static Map<String, String> checkEnv(Map<String, String> env, Set<String> allowed) {
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
            if (AGENT_ENV.contains(key)) {
                throw AgentException.badRequest(field, "may not be set: the agent sets it for the account the command runs as");
            }
            if (!allowed.contains(key)) {
                throw AgentException.badRequest(field, "may not be set: it is not in fleetlink.agent.exec.allowed-env");
            }
            String value = entry.getValue();
            requireArgument(field, value);
            String name = value.startsWith(":") ? value.substring(1) : value;
            if (FILE_NAMING_ENV.matcher(key).matches() && (name.startsWith("/") || name.contains(".."))) {
                throw AgentException.badRequest(field, "must be a name inside the system's own locale, zoneinfo or "
                        + "terminfo directories: no leading '/', no '..'");
            }
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

    /** A helper the agent runs as root (sh, setsid, setpriv): found on its PATH and checked like a command. */
    private static String helper(String name) {
        try {
            return Executables.helper(name);
        } catch (IllegalStateException e) {
            throw AgentException.internal(e.getMessage() + "; it is needed to run commands in their own cgroup or process "
                    + "group and as another user", null);
        }
    }
}
