package io.fleetlink.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Per-operation permissions at the agent: the main credential with the shipped default operations
 * (no exec), an {@code exec} credential from a token file that may only exec, and a {@code reader}
 * credential that lists no operations. Exec is on, so a refusal can only come from the permission. The
 * controller presents its normal (local) credential, and the exec credential for ExecuteCommand only.
 */
public class AgentOperationsProfile implements QuarkusTestProfile {

    public static final String EXEC_TOKEN = "test-exec-token-0123456789abcdef";
    public static final String READER_TOKEN = "test-reader-token-0123456789abcd";

    @Override
    public Map<String, String> getConfigOverrides() {
        String execTokenFile = execTokenFile().toString();
        return Map.of(
                "fleetlink.agent.auth.operations", "cleanup,ssh-reset,stop,mount,gpu-health",
                "fleetlink.agent.auth.clients.exec.token-file", execTokenFile,
                // The controller presents the exec credential for ExecuteCommand only.
                "fleetlink.controller.agent-exec-token-file", execTokenFile,
                "fleetlink.agent.auth.clients.exec.operations", "exec",
                "fleetlink.agent.auth.clients.reader.token", READER_TOKEN,
                "fleetlink.agent.exec.enabled", "true",
                "fleetlink.agent.exec.allowed-commands", "/usr/bin/touch,/bin/echo");
    }

    /** The exec credential's token in a 0600 file, as an operator installs it. */
    private static Path execTokenFile() {
        try {
            Path dir = Files.createTempDirectory("fleetlink-exec-token");
            dir.toFile().deleteOnExit();
            Path file = Files.createFile(dir.resolve("exec.token"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            file.toFile().deleteOnExit();
            Files.writeString(file, EXEC_TOKEN + "\n");
            return file;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the exec token file: " + e.getMessage(), e);
        }
    }
}
