package io.fleetlink.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away fleet PKI made with openssl for mutual TLS tests: a fleet CA; the agent's certificate
 * (localhost / 127.0.0.1) and a second one for rotation; the controller's client certificate
 * ({@code fleetlink-controller}); a certificate the fleet CA gave a GPU machine ({@code gpu-07});
 * a controller certificate from another CA; an expired and a not yet valid controller certificate
 * ({@code expired}, {@code controller-future}); an expired and a not yet valid agent certificate
 * ({@code agent-expired}, {@code agent-future}); and an agent certificate that names only the host id
 * {@code mtls-agent} ({@code agent-by-id}).
 */
public final class FleetCertificates {

    public static final String CONTROLLER_NAME = "fleetlink-controller";

    private final Path dir;

    private FleetCertificates(Path dir) {
        this.dir = dir;
    }

    public static FleetCertificates create() {
        RealParts.require("openssl", "openssl");
        try {
            Path dir = Files.createTempDirectory("fleetlink-pki");
            TestFiles.deleteAtExit(dir);
            run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                    "-days", "2", "-subj", "/CN=fleetlink-test-fleet-ca");
            run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.pem",
                    "-days", "2", "-subj", "/CN=someone-else");
            sign(dir, "agent", "localhost", "DNS:localhost,IP:127.0.0.1", "ca");
            sign(dir, "agent-rotated", "localhost", "DNS:localhost,IP:127.0.0.1", "ca");
            sign(dir, "controller", CONTROLLER_NAME, "DNS:" + CONTROLLER_NAME, "ca");
            sign(dir, "gpu-07", "gpu-07", "DNS:gpu-07", "ca");
            sign(dir, "stranger", CONTROLLER_NAME, "DNS:" + CONTROLLER_NAME, "other-ca");
            dated(dir, "expired", CONTROLLER_NAME, "DNS:" + CONTROLLER_NAME, "20200101000000Z", "20200102000000Z");
            dated(dir, "controller-future", CONTROLLER_NAME, "DNS:" + CONTROLLER_NAME, "20990101000000Z", "20990102000000Z");
            dated(dir, "agent-expired", "localhost", "DNS:localhost,IP:127.0.0.1", "20200101000000Z", "20200102000000Z");
            dated(dir, "agent-future", "localhost", "DNS:localhost,IP:127.0.0.1", "20990101000000Z", "20990102000000Z");
            sign(dir, "agent-by-id", "mtls-agent", "DNS:mtls-agent", "ca");
            Files.copy(dir.resolve("agent.pem"), dir.resolve("served.pem"));
            Files.copy(dir.resolve("agent.key"), dir.resolve("served.key"));
            return new FleetCertificates(dir);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("cannot make test certificates: " + e.getMessage(), e);
        }
    }

    /** The PKI another class loader already made in {@code dir}. */
    public static FleetCertificates at(Path dir) {
        return new FleetCertificates(dir);
    }

    public Path ca() {
        return dir.resolve("ca.pem");
    }

    /** The certificate and key the agent serves (start: {@code agent}; {@link #rotateServed()} swaps them). */
    public Path servedCertificate() {
        return dir.resolve("served.pem");
    }

    public Path servedKey() {
        return dir.resolve("served.key");
    }

    public Path certificate(String name) {
        return dir.resolve(name + ".pem");
    }

    public Path key(String name) {
        return dir.resolve(name + ".key");
    }

    /** Renames {@code name}'s certificate and key over the served ones, as an operator rotates them. */
    public void serve(String name) throws IOException {
        Files.copy(key(name), dir.resolve("served.key.next"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(certificate(name), dir.resolve("served.pem.next"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(dir.resolve("served.key.next"), servedKey(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(dir.resolve("served.pem.next"), servedCertificate(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void sign(Path dir, String name, String cn, String san, String ca) throws IOException, InterruptedException {
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + san + "\n");
        run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + cn);
        run(dir, "openssl", "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
    }

    /** A certificate from the fleet CA with the given dates ({@code openssl ca} sets them), e.g. one that expired in 2020. */
    private static void dated(Path dir, String name, String cn, String san, String start, String end)
            throws IOException, InterruptedException {
        if (!Files.exists(dir.resolve("ca.cnf"))) {
            Files.writeString(dir.resolve("index.txt"), "");
            Files.writeString(dir.resolve("serial"), "1000\n");
            Files.writeString(dir.resolve("ca.cnf"), String.join("\n",
                    "[ ca ]", "default_ca = fleet", "[ fleet ]", "database = index.txt", "new_certs_dir = .",
                    "serial = serial", "default_md = sha256", "policy = any", "copy_extensions = copy", "unique_subject = no",
                    "[ any ]", "commonName = supplied", ""));
        }
        run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + cn, "-addext", "subjectAltName=" + san);
        run(dir, "openssl", "ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-notext",
                "-startdate", start, "-enddate", end, "-in", name + ".csr", "-out", name + ".pem");
    }

    private static void run(Path dir, String... argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(argv)).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + output);
        }
    }
}
