package io.fleetlink.drills;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Fleetlink process of the drills, run from the packaged jar as an operator runs it: an agent
 * inside its host's network namespace ({@code ip netns exec}), or a controller replica. It can be
 * killed with SIGKILL and started again with the same settings; its output from every run is
 * appended to one log, which holds the agent's audit lines.
 */
final class Node implements AutoCloseable {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final String name;
    private final String namespace;
    private final List<String> properties;
    private final Path log;
    private final java.util.Map<String, String> env = new java.util.HashMap<>();
    private Process process;

    Node(String name, String namespace, Path log, List<String> properties) {
        this.name = name;
        this.namespace = namespace;
        this.log = log;
        this.properties = List.copyOf(properties);
    }

    /**
     * Sets an environment variable of every run: for settings an older jar may not know (an unknown
     * {@code -D} key under a mapped prefix stops start-up; an unknown environment variable is ignored).
     */
    Node env(String key, String value) {
        env.put(key, value);
        return this;
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    synchronized Node start() throws IOException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: the drills run after ./mvnw package");
        }
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> argv = new ArrayList<>();
        if (namespace != null) {
            argv.addAll(List.of("ip", "netns", "exec", namespace));
        }
        // Light hosts: the serial collector and the C1 compiler only; an agent (in its namespace) gets the
        // shipped JVM unit's settings (a small heap, two event loops, few workers), a controller more heap.
        argv.addAll(List.of(javaBin, "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:CICompilerCount=1", "-Xshare:auto"));
        if (namespace != null) {
            argv.addAll(List.of("-Xmx64m", "-XX:MaxMetaspaceSize=96m", "-XX:ReservedCodeCacheSize=32m",
                    "-Dquarkus.vertx.event-loops-pool-size=2", "-Dquarkus.thread-pool.max-threads=16"));
        } else {
            argv.add("-Xmx160m");
        }
        properties.forEach(p -> argv.add("-D" + p));
        argv.addAll(List.of("-jar", JAR.toString()));
        Files.writeString(log, "=== start " + name + " " + java.time.Instant.now() + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().remove("FLEETLINK_AGENT_AUTH_TOKEN");
        builder.environment().put("MALLOC_ARENA_MAX", "2");
        builder.environment().putAll(env);
        process = builder.start();
        return this;
    }

    /** Waits until this run says it started; fails with the log's tail if it exits first. */
    Node awaitStarted(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String marker = "=== start " + name;
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log);
            int from = text.lastIndexOf(marker);
            if (text.indexOf(" started in ", Math.max(0, from)) >= 0) {
                return this;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail(text));
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " did not start within " + timeout + ":\n" + tail(Files.readString(log)));
    }

    /** SIGKILL, no chance to hand anything back; the whole process tree (ip netns exec execs java). */
    synchronized void kill9() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    @Override
    public synchronized void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill9();
            }
        }
    }

    static String tail(String text) {
        return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
    }
}
