package io.fleetlink.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged {@code target/quarkus-app/quarkus-run.jar} as a separate process, the way an
 * operator would, and captures what it prints. Used by integration tests after {@code package}.
 */
public final class PackagedFleetlink implements AutoCloseable {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private static final String MANAGEMENT_PORT = "quarkus.management.port=";
    private static final String STATE_DIR = "fleetlink.agent.state-dir=";

    private final Process process;
    private final Path log;
    private final int managementPort;
    private final Path ownStateDir;

    private PackagedFleetlink(Process process, Path log, int managementPort, Path ownStateDir) {
        this.process = process;
        this.log = log;
        this.managementPort = managementPort;
        this.ownStateDir = ownStateDir;
    }

    /**
     * Starts the jar with {@code -D} settings; does not wait. Unless the settings name one, the
     * management interface (health, metrics) gets a free port, so runs never collide on 9000, and the
     * agent's state directory is a temp one deleted on {@link #close}, never /var/lib/fleetlink.
     */
    public static PackagedFleetlink start(String... systemProperties) throws IOException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: integration tests run after ./mvnw package");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> argv = new ArrayList<>(List.of(java));
        int managementPort = 0;
        boolean stateDirGiven = false;
        for (String property : systemProperties) {
            argv.add("-D" + property);
            if (property.startsWith(MANAGEMENT_PORT)) {
                managementPort = Integer.parseInt(property.substring(MANAGEMENT_PORT.length()));
            }
            stateDirGiven |= property.startsWith(STATE_DIR);
        }
        Path ownStateDir = null;
        if (!stateDirGiven) {
            ownStateDir = Files.createTempDirectory("fleetlink-packaged-state");
            argv.add("-D" + STATE_DIR + ownStateDir);
        }
        if (managementPort == 0) {
            managementPort = TestPorts.freePort();
            argv.add("-D" + MANAGEMENT_PORT + managementPort);
        }
        argv.addAll(List.of("-jar", JAR.toString()));
        Path log = Files.createTempFile("fleetlink-packaged", ".log");
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("FLEETLINK_AGENT_AUTH_TOKEN");
        return new PackagedFleetlink(builder.start(), log, managementPort, ownStateDir);
    }

    /** The port of the management interface: {@code /q/health/*} and {@code /q/metrics}. */
    public int managementPort() {
        return managementPort;
    }

    /** Waits until the process says it started; fails with its output if it exits first. */
    public PackagedFleetlink awaitStarted(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (output().contains(" started in ")) {
                return this;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("Fleetlink exited with " + process.exitValue() + ":\n" + output());
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("Fleetlink did not start within " + timeout + ":\n" + output());
    }

    /** Waits for the process to exit on its own; returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("Fleetlink still runs after " + timeout);
        }
        return process.exitValue();
    }

    public String output() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(log);
        TempFiles.deleteRecursively(ownStateDir);
    }
}
