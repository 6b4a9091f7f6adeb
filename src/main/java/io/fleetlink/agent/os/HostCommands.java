package io.fleetlink.agent.os;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.fleetlink.agent.DaemonThreads;

/**
 * Runs the agent's own helper programs (getent, mount, umount, kill, nvidia-smi): trusted argv,
 * no shell, small output, a hard timeout. Tenant-supplied commands go through CommandRunner instead.
 * Blocking: call it from a worker thread.
 */
@ApplicationScoped
public class HostCommands {

    /** Output kept per stream; helper programs print far less. */
    private static final int MAX_OUTPUT = 1 << 20;

    /**
     * Reads the helpers' output. Not CompletableFuture's default pool: blocking reads there hold the
     * JVM's common ForkJoin pool (one thread on a 2-core machine, shared with everything else), and where
     * the common pool has a single thread the default is a new thread per task.
     */
    private final ExecutorService readers = Executors.newCachedThreadPool(DaemonThreads.named("fleetlink-helper-output"));

    @PreDestroy
    void close() {
        readers.shutdownNow();
    }

    /** What a helper program did. */
    public record Result(int exitCode, String stdout, String stderr) {

        public boolean ok() {
            return exitCode == 0;
        }

        /** stderr, or stdout when stderr is empty, trimmed: what to put in an error message. */
        public String diagnostic() {
            String text = stderr.isBlank() ? stdout : stderr;
            return text.strip();
        }
    }

    /** Thrown when the program cannot be started or does not finish in time. */
    public static class CommandException extends IOException {
        public CommandException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public Result run(List<String> argv, Duration timeout) throws CommandException {
        return run(argv, Map.of(), timeout);
    }

    public Result run(List<String> argv, Map<String, String> extraEnv, Duration timeout) throws CommandException {
        ProcessBuilder builder = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("LC_ALL", "C");
        builder.environment().putAll(extraEnv);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new CommandException("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> drain(process.getInputStream()), readers);
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()), readers);
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new CommandException(argv.get(0) + " did not finish within " + timeout.toMillis() + " ms", null);
            }
            return new Result(process.exitValue(), stdout.get(5, TimeUnit.SECONDS), stderr.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CommandException(argv.get(0) + " was interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new CommandException("cannot read the output of " + argv.get(0) + ": " + e.getMessage(), e);
        }
    }

    private static String drain(InputStream in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (out.size() < MAX_OUTPUT) {
                    out.write(buffer, 0, Math.min(n, MAX_OUTPUT - out.size()));
                }
            }
        } catch (IOException e) {
            // The process ended or was killed; keep what was read.
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
