package io.fleetlink.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

import io.fleetlink.security.HostTokens;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Role {@code all} secured as the README says: the agent is host {@code gpu-02} and holds only its own
 * token (a file), the controller derives per-host tokens from a secret (a file), and the controller
 * API has a credential per role besides the admin token: {@code backend} (platform, inline),
 * {@code oncall} (operator, a file) and {@code dashboard} (viewer, by SHA-256). Exec has its own
 * per-host credential derived from a second secret.
 */
public class SecuredFleetProfile implements QuarkusTestProfile {

    public static final String HOST_ID = "gpu-02";
    public static final String SECRET = "fleet-secret-for-tests-0123456789abcdef";
    public static final String EXEC_SECRET = "fleet-exec-secret-for-tests-0123456789";
    public static final String ADMIN_TOKEN = ControllerApiClient.TOKEN;
    public static final String PLATFORM_TOKEN = "platform-token-0123456789";
    public static final String OPERATOR_TOKEN = "operator-token-0123456789";
    public static final String VIEWER_TOKEN = "viewer-token-0123456789";

    public static final Path DIR = createDir();
    public static final Path SECRET_FILE = DIR.resolve("agent-token-secret");
    public static final Path AGENT_TOKEN_FILE = DIR.resolve("agent.token");
    public static final Path EXEC_SECRET_FILE = DIR.resolve("agent-exec-token-secret");
    public static final Path AGENT_EXEC_TOKEN_FILE = DIR.resolve("agent-exec.token");
    public static final Path OPERATOR_TOKEN_FILE = DIR.resolve("oncall.token");

    static {
        // The profile class may be loaded by the test's and by Quarkus's class loader: the directory is
        // shared through a system property, and the files are written by the first load only.
        if (!Files.exists(OPERATOR_TOKEN_FILE)) {
            writeSecret(SECRET_FILE, SECRET);
            writeSecret(AGENT_TOKEN_FILE, HostTokens.derive(SECRET, HOST_ID));
            writeSecret(EXEC_SECRET_FILE, EXEC_SECRET);
            writeSecret(AGENT_EXEC_TOKEN_FILE, HostTokens.derive(EXEC_SECRET, HOST_ID));
            writeSecret(OPERATOR_TOKEN_FILE, OPERATOR_TOKEN);
        }
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                Map.entry("fleetlink.agent.host-id", HOST_ID),
                Map.entry("fleetlink.agent.auth.token", ""),
                Map.entry("fleetlink.agent.auth.token-file", AGENT_TOKEN_FILE.toString()),
                Map.entry("fleetlink.controller.agent-token-secret-file", SECRET_FILE.toString()),
                // Exec has its own per-host credential, which may only exec.
                Map.entry("fleetlink.controller.agent-exec-token-secret-file", EXEC_SECRET_FILE.toString()),
                Map.entry("fleetlink.agent.auth.clients.exec.token-file", AGENT_EXEC_TOKEN_FILE.toString()),
                Map.entry("fleetlink.agent.auth.clients.exec.operations", "exec"),
                Map.entry("fleetlink.controller.auth.clients.backend.token", PLATFORM_TOKEN),
                Map.entry("fleetlink.controller.auth.clients.backend.role", "platform"),
                Map.entry("fleetlink.controller.auth.clients.oncall.token-file", OPERATOR_TOKEN_FILE.toString()),
                Map.entry("fleetlink.controller.auth.clients.oncall.role", "operator"),
                Map.entry("fleetlink.controller.auth.clients.dashboard.token-sha256", sha256Hex(VIEWER_TOKEN)),
                Map.entry("fleetlink.controller.auth.clients.dashboard.role", "viewer"));
    }

    /** Writes {@code value} as an operator rotates a secret: a 0600 file renamed over the old one. */
    public static void writeSecret(Path file, String value) {
        try {
            Path next = file.resolveSibling(file.getFileName() + ".next");
            Files.writeString(next, value + "\n");
            Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256Hex(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path createDir() {
        return Path.of((String) System.getProperties().computeIfAbsent("test.secured-fleet-dir", key -> newDir().toString()));
    }

    private static Path newDir() {
        try {
            Path dir = Files.createTempDirectory("fleetlink-secured");
            TestFiles.deleteAtExit(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
