package io.fleetlink.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real, private Docker daemon for tests: its own data root, exec root, pid file and socket (dockerd
 * starts its own containerd below them), no bridge and no iptables, and a busybox image imported from
 * the host's static busybox. {@link #close()} removes every container, stops the daemon and deletes
 * its directories.
 */
public final class TestDockerd implements AutoCloseable {

    private final Path dir;
    private final Path socket;
    private final Path docker;
    private final Process process;
    private String image;

    private TestDockerd(Path dir, Path socket, Path docker, Process process) {
        this.dir = dir;
        this.socket = socket;
        this.docker = docker;
        this.process = process;
    }

    /** Starts dockerd listening on {@code socket} and imports the test image. */
    public static TestDockerd start(Path socket) throws IOException, InterruptedException {
        Path dockerd = RealParts.require("dockerd", "docker.io");
        Path docker = RealParts.require("docker", "docker.io");
        Path busybox = RealParts.require("busybox", "busybox-static");
        // Short and private: containerd's socket below the exec root must fit a unix socket path.
        Path dir = Files.createTempDirectory("fldkr-");
        Files.writeString(dir.resolve("daemon.json"), "{}");
        Process process = new ProcessBuilder(dockerd.toString(),
                "--config-file", dir.resolve("daemon.json").toString(),
                "--data-root", dir.resolve("data").toString(),
                "--exec-root", dir.resolve("exec").toString(),
                "--pidfile", dir.resolve("docker.pid").toString(),
                "-H", "unix://" + socket,
                "--bridge", "none", "--iptables=false", "--ip6tables=false")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("dockerd.log").toFile())
                .start();
        TestDockerd daemon = new TestDockerd(dir, socket, docker, process);
        try {
            daemon.awaitReady();
            daemon.image = daemon.importImage(busybox);
            return daemon;
        } catch (RuntimeException | IOException e) {
            daemon.close();
            throw e;
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("dockerd exited: " + Files.readString(dir.resolve("dockerd.log")));
            }
            if (Files.exists(socket) && docker("version").exitCode() == 0) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("dockerd was not ready within 60 s: " + Files.readString(dir.resolve("dockerd.log")));
    }

    private String importImage(Path busybox) throws IOException {
        Path rootfs = dir.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(busybox, rootfs.resolve("bin/busybox"));
        TestCommands.ok("chmod", "0755", rootfs.resolve("bin/busybox").toString());
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sleep"), Path.of("busybox"));
        Path tar = dir.resolve("rootfs.tar");
        TestCommands.ok("tar", "-C", rootfs.toString(), "-cf", tar.toString(), ".");
        String name = "flbusybox:" + TestUsers.uniqueName();
        docker("import", tar.toString(), name).requireOk();
        return name;
    }

    /** Starts {@code sleep 1000} in a container with these labels ({@code key=value}); returns its full id. */
    public String run(String... labels) {
        return container("run", labels);
    }

    /** Creates (does not start) a container with these labels; returns its full id. */
    public String create(String... labels) {
        return container("create", labels);
    }

    private String container(String verb, String... labels) {
        List<String> args = new ArrayList<>(List.of(verb));
        if ("run".equals(verb)) {
            args.add("-d");
        }
        args.addAll(List.of("--network", "none"));
        for (String label : labels) {
            args.addAll(List.of("--label", label));
        }
        args.addAll(List.of(image, "sleep", "1000"));
        return docker(args.toArray(String[]::new)).requireOk().stdout().strip();
    }

    /** Whether a container with this id exists (running or not). */
    public boolean exists(String id) {
        return docker("container", "inspect", id).exitCode() == 0;
    }

    /** Removes containers, ignoring those already gone. */
    public void remove(List<String> ids) {
        if (!ids.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("rm", "-f", "-v"));
            args.addAll(ids);
            docker(args.toArray(String[]::new));
        }
    }

    public TestCommands.Result docker(String... args) {
        List<String> argv = new ArrayList<>(List.of(docker.toString(), "-H", "unix://" + socket));
        argv.addAll(List.of(args));
        return TestCommands.run(120, argv);
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                String all = docker("ps", "-aq").stdout().strip();
                if (!all.isEmpty()) {
                    remove(List.of(all.split("\\s+")));
                }
            }
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // If dockerd had to be killed, its containerd and shims would outlive it: end them by pid.
            TestProcesses.killMentioning(dir.toString());
            TestFiles.deleteTree(dir);
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // dockerd removes its socket itself on a clean stop
            }
        }
    }
}
