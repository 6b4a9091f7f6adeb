package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.HostOpsProfile;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestCommands;
import io.fleetlink.support.TestFiles;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * A real tenant races MountDataset: in a folder it owns under an allowed source prefix, it swaps its
 * dataset directory with a symlink to a root-owned directory (standing in for /etc) and with a FIFO,
 * atomically and as fast as it can, while the agent is asked again and again to mount that dataset
 * read-write. Every call must either be refused with a 4xx or mount the tenant's own directory; none
 * may mount the sensitive one, none may hang on the FIFO, and nothing may stay mounted.
 */
@QuarkusTest
@TestProfile(HostOpsProfile.class)
class DatasetMountRaceTest {

    private static final String BEARER = "Bearer " + AgentGrpc.TOKEN;
    private static final long RACE_MILLIS = 4_000;

    /** renameat2(RENAME_EXCHANGE) in a loop: "data" is always there, as a directory, a link or a FIFO. */
    private static final String SWAPPER = """
            import ctypes, os, sys
            libc = ctypes.CDLL(None, use_errno=True)
            os.chdir(sys.argv[1])
            AT_FDCWD, RENAME_EXCHANGE = -100, 2
            while True:
                libc.renameat2(AT_FDCWD, b"data", AT_FDCWD, b"link", RENAME_EXCHANGE)
                libc.renameat2(AT_FDCWD, b"data", AT_FDCWD, b"link", RENAME_EXCHANGE)
                libc.renameat2(AT_FDCWD, b"data", AT_FDCWD, b"fifo", RENAME_EXCHANGE)
                libc.renameat2(AT_FDCWD, b"data", AT_FDCWD, b"fifo", RENAME_EXCHANGE)
            """;

    @Inject
    AgentConfig config;

    @Test
    void aSwappedInLinkNeverGetsItsTargetMounted() throws Exception {
        RealParts.requireRoot();
        Path mountRoot = config.datasets().mountRoot();
        Path sources = Path.of(config.datasets().allowedSources().orElseThrow().get(0));
        Path base = sources.getParent();
        Set<java.nio.file.attribute.PosixFilePermission> baseMode = Files.getPosixFilePermissions(base);
        TestUser tenant = TestUsers.create();
        Path sensitive = null;
        Path folder = sources.resolve(tenant.name());
        Process swapper = null;
        try {
            // The tenant must reach its folder; base stays root's (755 changes nothing about who can write).
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            sensitive = Files.createTempDirectory("flsensitive-");
            Files.setPosixFilePermissions(sensitive, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(sensitive.resolve("sentinel"), "root only");
            Files.createDirectory(folder);
            Path data = Files.createDirectory(folder.resolve("data"));
            Files.writeString(data.resolve("tenant.txt"), "tenant data");
            Object tenantKey = Files.readAttributes(data, BasicFileAttributes.class).fileKey();
            Object sensitiveKey = Files.readAttributes(sensitive, BasicFileAttributes.class).fileKey();
            Files.createSymbolicLink(folder.resolve("link"), sensitive);
            TestCommands.ok("mkfifo", folder.resolve("fifo").toString());
            Path script = Files.writeString(folder.resolve("swap.py"), SWAPPER);
            TestCommands.ok("chown", "-hR", tenant.uid() + ":" + tenant.gid(), folder.toString());

            String id = "race-" + TestUsers.uniqueName();
            Path point = mountRoot.resolve(id);
            // Unraced first: the tenant's folder mounts, and the agent's code path is warm before the clock runs.
            mountAndUnmount(id, folder.resolve("data"), point, tenantKey);

            // niced: on a small shared machine the loop must not starve the agent; it still swaps thousands of times a second.
            swapper = new ProcessBuilder(List.of("nice", "-n", "10", "setpriv", "--reuid=" + tenant.uid(), "--regid=" + tenant.gid(), "--clear-groups",
                    "--", "/usr/bin/python3", script.toString(), folder.toString()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Thread.sleep(200);
            assertThat(swapper.isAlive()).as("the tenant's swap loop runs").isTrue();

            Map<Integer, Integer> outcomes = new TreeMap<>();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RACE_MILLIS);
            while (System.nanoTime() < end) {
                Response response = given().header("Authorization", BEARER).contentType("application/json")
                        .body(Map.of("dataset_id", id, "source", folder.resolve("data").toString(), "read_only", false))
                        .when().post("/api/v1/dataset/mount");
                int status = response.statusCode();
                outcomes.merge(status, 1, Integer::sum);
                if (status == 200) {
                    Object mounted = Files.readAttributes(point, BasicFileAttributes.class).fileKey();
                    assertThat(mounted).as("mounted object").isNotEqualTo(sensitiveKey);
                    checkTenantsAndUnmount(id, point, tenantKey);
                } else {
                    assertThat(status).as(response.asString()).isIn(400, 403, 409);
                    assertThat(response.jsonPath().getString("message")).as(response.asString()).startsWith("source: ");
                    assertThat(point).as("a refused mount leaves no mount point").doesNotExist();
                }
                assertThat(TestFiles.mountsUnder(mountRoot)).as("nothing stays mounted").isEmpty();
            }
            System.out.println("dataset mount race outcomes (HTTP status -> calls): " + outcomes);
            // How many calls fit in the time depends on the machine's load (tens when idle); any call raced.
            assertThat(outcomes.values().stream().mapToInt(Integer::intValue).sum()).as("calls made").isGreaterThanOrEqualTo(3);
            assertThat(Files.readString(sensitive.resolve("sentinel"))).isEqualTo("root only");
        } finally {
            if (swapper != null) {
                swapper.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            TestUsers.delete(tenant);
            TestFiles.unmountAllUnder(mountRoot);
            TestFiles.deleteTree(folder);
            TestFiles.deleteTree(sensitive);
            Files.setPosixFilePermissions(base, baseMode);
        }
        assertThat(TestFiles.mountsUnder(mountRoot)).isEmpty();
    }

    private static void mountAndUnmount(String id, Path source, Path point, Object tenantKey) throws Exception {
        given().header("Authorization", BEARER).contentType("application/json")
                .body(Map.of("dataset_id", id, "source", source.toString(), "read_only", false))
                .when().post("/api/v1/dataset/mount")
                .then().statusCode(200);
        checkTenantsAndUnmount(id, point, tenantKey);
    }

    /** The mount shows the tenant's own directory (its inode and its file); then it goes. */
    private static void checkTenantsAndUnmount(String id, Path point, Object tenantKey) throws Exception {
        assertThat(Files.readAttributes(point, BasicFileAttributes.class).fileKey()).as("mounted object").isEqualTo(tenantKey);
        assertThat(point.resolve("sentinel")).doesNotExist();
        assertThat(point.resolve("tenant.txt")).hasContent("tenant data");
        given().header("Authorization", BEARER).contentType("application/json")
                .body(Map.of("dataset_id", id))
                .when().post("/api/v1/dataset/unmount")
                .then().statusCode(200);
    }
}
