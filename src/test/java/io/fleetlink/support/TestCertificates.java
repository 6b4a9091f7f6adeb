package io.fleetlink.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away CA and an agent certificate for localhost / 127.0.0.1, made with openssl, so TLS tests
 * run real handshakes with real verification.
 */
public final class TestCertificates {

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    public static TestCertificates create() {
        RealParts.require("openssl", "openssl");
        try {
            Path dir = Files.createTempDirectory("fleetlink-tls");
            // Profiles and ITs keep using the files until the JVM ends; remove them then.
            TestFiles.deleteAtExit(dir);
            Files.writeString(dir.resolve("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
            run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                    "-days", "2", "-subj", "/CN=fleetlink-test-ca");
            run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "agent.key", "-out", "agent.csr",
                    "-subj", "/CN=localhost");
            run(dir, "openssl", "x509", "-req", "-in", "agent.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", "agent.pem", "-days", "2", "-extfile", "san.ext");
            run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other-ca.pem",
                    "-days", "2", "-subj", "/CN=someone-else");
            return new TestCertificates(dir);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("cannot make test certificates: " + e.getMessage(), e);
        }
    }

    public Path caCertificate() {
        return dir.resolve("ca.pem");
    }

    /** A CA that did not sign the agent's certificate. */
    public Path otherCaCertificate() {
        return dir.resolve("other-ca.pem");
    }

    public Path agentCertificate() {
        return dir.resolve("agent.pem");
    }

    public Path agentKey() {
        return dir.resolve("agent.key");
    }

    private static void run(Path dir, String... argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(argv)).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + output);
        }
    }
}
