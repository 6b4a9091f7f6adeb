package io.fleetlink.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Role {@code all} where the agent has no token of its own but joins the fleet: the controller derives
 * per-host credentials from a secret (a file), and the agent is started with
 * {@code fleetlink.agent.join.url} (this very process) and a join token file that does not exist yet:
 * the test creates a join token as an admin and writes it there, as an operator would.
 */
public class JoiningAgentProfile implements QuarkusTestProfile {

    public static final String HOST_ID = "gpu-join-1";
    public static final String SECRET = "join-fleet-secret-for-tests-0123456789abcdef";

    public static final Path DIR = createDir();
    public static final Path SECRET_FILE = DIR.resolve("agent-token-secret");
    public static final Path JOIN_TOKEN_FILE = DIR.resolve("join.token");
    public static final Path STATE_DIR = DIR.resolve("state");

    static {
        if (!Files.exists(SECRET_FILE)) {
            SecuredFleetProfile.writeSecret(SECRET_FILE, SECRET);
        }
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                Map.entry("fleetlink.agent.host-id", HOST_ID),
                Map.entry("fleetlink.agent.auth.token", ""),
                Map.entry("fleetlink.agent.state-dir", STATE_DIR.toString()),
                Map.entry("fleetlink.agent.join.url", "http://127.0.0.1:${quarkus.http.test-port}"),
                Map.entry("fleetlink.agent.join.token-file", JOIN_TOKEN_FILE.toString()),
                Map.entry("fleetlink.agent.join.labels.zone", "test-1"),
                Map.entry("fleetlink.agent.join.retry-min", "100ms"),
                Map.entry("fleetlink.agent.join.retry-max", "500ms"),
                Map.entry("fleetlink.controller.agent-token-secret-file", SECRET_FILE.toString()));
    }

    private static Path createDir() {
        return Path.of((String) System.getProperties().computeIfAbsent("test.joining-agent-dir", key -> newDir().toString()));
    }

    private static Path newDir() {
        try {
            Path dir = Files.createTempDirectory("fleetlink-joining");
            TestFiles.deleteAtExit(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
