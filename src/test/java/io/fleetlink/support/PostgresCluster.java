package io.fleetlink.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A private PostgreSQL cluster from Debian's binaries: initdb into a temp dir (as user postgres when
 * run as root), started on a free port with its socket in that dir, stopped and deleted afterwards.
 * Without the binaries it leaves the store on H2 and {@link #available()} is false, so the test can
 * skip (locally) or fail (in CI) with the package to install.
 */
public class PostgresCluster implements QuarkusTestResourceLifecycleManager {

    private static volatile boolean available;
    private static volatile PostgresCluster current;
    private Path dir;
    private Path bin;
    private int port;

    /** Whether the last start ran a real PostgreSQL. */
    public static boolean available() {
        return available;
    }

    @Override
    public Map<String, String> start() {
        bin = findBin();
        if (bin == null) {
            available = false;
            return Map.of();
        }
        port = TestPorts.freePort();
        try {
            dir = Files.createTempDirectory("fleetlink-pg-");
            Path data = dir.resolve("data");
            if (isRoot()) {
                run(List.of("chown", "postgres:postgres", dir.toString()));
            }
            run(asPostgres(bin.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "fleetlink",
                    "-E", "UTF8", "--no-sync"));
            startServer();
            run(asPostgres(bin.resolve("createdb").toString(), "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "fleetlink",
                    "fleetlink"));
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        }
        available = true;
        current = this;
        return Map.of(
                "fleetlink.store.kind", "postgresql",
                "fleetlink.store.url", "postgresql://127.0.0.1:" + port + "/fleetlink",
                "fleetlink.store.username", "fleetlink",
                "fleetlink.store.password", "unused-with-trust-auth");
    }

    /** The cluster started last in this JVM (by a test profile), for tests that stop and restart it. */
    public static PostgresCluster current() {
        return current;
    }

    public int port() {
        return port;
    }

    /** The server's log so far, for a failing test's message. */
    public String serverLog() throws IOException {
        return Files.readString(dir.resolve("server.log"));
    }

    /** Stops the server, keeping its data and port: the store goes away until {@link #startServer()}. */
    public void stopServer() throws IOException {
        run(asPostgres(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"));
    }

    /** (Re)starts the server on its port with its data; returns once it accepts connections. */
    public void startServer() throws IOException {
        run(asPostgres(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
                dir.resolve("server.log").toString(), "-o", "-p " + port + " -k " + dir
                        + " -c listen_addresses=" + listenAddresses + " -c fsync=off -c max_connections=200",
                "-w", "-t", "60", "start"));
    }

    private String listenAddresses = "127.0.0.1";

    /** Listen on these addresses too (comma-separated), e.g. a bridge address for hosts in namespaces; before start. */
    public PostgresCluster listeningOn(String addresses) {
        this.listenAddresses = "127.0.0.1," + addresses;
        return this;
    }

    @Override
    public void stop() {
        if (dir == null) {
            return;
        }
        try {
            run(asPostgres(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"));
        } catch (IOException | RuntimeException e) {
            // Already stopped, or never started: the directory is removed below either way.
        }
        TempFiles.deleteRecursively(dir);
        dir = null;
    }

    private static Path findBin() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.naturalOrder())
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** PostgreSQL refuses to run as root: drop to user postgres when we are root. */
    private static List<String> asPostgres(String... command) {
        List<String> argv = new ArrayList<>();
        if (isRoot()) {
            argv.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        argv.addAll(List.of(command));
        return argv;
    }

    private void run(List<String> argv) throws IOException {
        Process process = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectOutput(dir == null ? ProcessBuilder.Redirect.DISCARD
                        : ProcessBuilder.Redirect.appendTo(dir.resolve("commands.log").toFile()))
                .start();
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("timed out: " + argv);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + argv, e);
        }
        if (process.exitValue() != 0) {
            String log = dir == null ? "" : Files.readString(dir.resolve("commands.log"));
            throw new IOException("failed (exit " + process.exitValue() + "): " + argv + "\n" + log);
        }
    }
}
