package io.fleetlink.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH server for tests: its own config, host key and pid file in a temp dir, on a free
 * loopback port, in the foreground ({@code -D -e}) so closing it ends it. Also makes client keys and
 * runs the real ssh client against it.
 */
public final class TestSshd implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final Process process;
    private final Path ssh;

    private TestSshd(Path dir, int port, Process process, Path ssh) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.ssh = ssh;
    }

    /** Starts sshd and waits until it accepts connections. */
    public static TestSshd start() throws IOException, InterruptedException {
        Path sshd = RealParts.require("sshd", "openssh-server");
        Path ssh = RealParts.require("ssh", "openssh-client");
        RealParts.require("ssh-keygen", "openssh-client");
        Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege-separation directory
        Path dir = Files.createTempDirectory("flsshd-");
        TestCommands.ok("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host_ed25519").toString());
        int port = TestPorts.freePort();
        Files.writeString(dir.resolve("sshd_config"), """
                Port %d
                ListenAddress 127.0.0.1
                HostKey %s
                PidFile %s
                UsePAM yes
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2
                StrictModes yes
                PermitRootLogin no
                AllowUsers fl*
                UseDNS no
                PrintMotd no
                LogLevel VERBOSE
                """.formatted(port, dir.resolve("host_ed25519"), dir.resolve("sshd.pid")));
        Process process = new ProcessBuilder(sshd.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sshd.log").toFile())
                .start();
        TestSshd server = new TestSshd(dir, port, process, ssh);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = Files.readString(dir.resolve("sshd.log"));
                server.close();
                throw new IllegalStateException("sshd exited: " + log);
            }
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return server;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        server.close();
        throw new IllegalStateException("sshd did not listen on port " + port + " within 15 s");
    }

    public int port() {
        return port;
    }

    /** Runs {@code command} as {@code user} over ssh with only {@code key}; returns ssh's exit code (255: refused). */
    public int run(Path key, String user, String... command) {
        return TestCommands.run(60, argv(key, user, command)).exitCode();
    }

    /** An ssh session running {@code sleep 1000}; the caller ends it with destroyForcibly(). */
    public Process openSession(Path key, String user) throws IOException {
        return new ProcessBuilder(argv(key, user, "sleep", "1000"))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** The server's log so far, for failure messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("sshd.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private List<String> argv(Path key, String user, String... command) {
        List<String> argv = new ArrayList<>(List.of(ssh.toString(), "-i", key.toString(), "-p", Integer.toString(port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
                "-F", "/dev/null", user + "@127.0.0.1"));
        argv.addAll(List.of(command));
        return argv;
    }

    /** A new key pair {@code dir/name} and {@code dir/name.pub}; returns the private key's path. */
    public static Path keygen(Path dir, String name, String type) {
        Path key = dir.resolve(name);
        List<String> argv = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", name + "@fleetlink-test", "-f", key.toString()));
        if ("rsa".equals(type)) {
            argv.addAll(List.of("-b", "2048"));
        }
        TestCommands.run(60, argv).requireOk();
        return key;
    }

    /** The public key line of a key made by {@link #keygen}. */
    public static String publicKey(Path key) {
        try {
            return Files.readString(Path.of(key + ".pub")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fingerprint {@code ssh-keygen -lf} prints for a public key file ({@code SHA256:...}). */
    public static String fingerprint(Path key) {
        return TestCommands.ok("ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub").stdout().strip().split(" ")[1];
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        TestFiles.deleteTree(dir);
    }
}
