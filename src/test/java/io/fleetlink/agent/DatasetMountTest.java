package io.fleetlink.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.fleetlink.config.AgentConfig;
import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.support.AgentGrpc;
import io.fleetlink.support.HostFixtures;
import io.fleetlink.support.HostOpsProfile;
import io.fleetlink.support.RealParts;
import io.fleetlink.support.TestCommands;
import io.fleetlink.support.TestFiles;
import io.fleetlink.support.TestUsers;
import io.fleetlink.support.TestUsers.TestUser;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;

/** MountDataset / UnmountDataset and the cleanup's datasets step with real bind and tmpfs mounts, over HTTP and gRPC. */
@QuarkusTest
@TestProfile(HostOpsProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatasetMountTest {

    private static final String BEARER = "Bearer " + AgentGrpc.TOKEN;

    @Inject
    AgentConfig config;

    private Path mountRoot;
    private Path sources;
    private Path outside;
    private Path datasetA;
    private Path datasetB;

    @BeforeAll
    void prepareSources() throws IOException {
        RealParts.requireRoot();
        mountRoot = config.datasets().mountRoot();
        sources = Path.of(config.datasets().allowedSources().orElseThrow().get(0));
        datasetA = Files.createDirectories(sources.resolve("imagenet-" + TestUsers.uniqueName()));
        Files.writeString(datasetA.resolve("labels.txt"), "cat\ndog\n");
        datasetB = Files.createDirectories(sources.resolve("coco-" + TestUsers.uniqueName()));
        outside = Files.createTempDirectory("floutside-");
        Files.writeString(outside.resolve("secret.txt"), "not a dataset");
    }

    @AfterAll
    void unmountEverything() {
        if (mountRoot != null) {
            TestFiles.unmountAllUnder(mountRoot);
        }
        TestFiles.deleteTree(outside);
    }

    @Test
    void mountsReadOnlyBindAndAnswersRepeatsIdempotently() throws Exception {
        String id = "ds-" + TestUsers.uniqueName();
        Path point = mountRoot.resolve(id);
        http().body(Map.of("dataset_id", id, "source", datasetA.toString()))
                .when().post("/api/v1/dataset/mount")
                .then().statusCode(200)
                .body("success", equalTo(true))
                .body("data.dataset_id", equalTo(id))
                .body("data.mount_point", equalTo(point.toString()))
                .body("data.already_mounted", equalTo(false));
        assertThat(Files.readString(point.resolve("labels.txt"))).isEqualTo("cat\ndog\n");
        assertThatThrownBy(() -> Files.writeString(point.resolve("new.txt"), "x"))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Read-only file system");
        assertThat(mountOptions(point)).contains("ro", "nosuid", "nodev");

        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.MountDatasetResponse again = grpc.authorized().mountDataset(AgentProto.MountDatasetRequest.newBuilder()
                    .setDatasetId(id)
                    .setSource(datasetA.toString())
                    .build());
            assertThat(again.getAlreadyMounted()).isTrue();
            assertThat(again.getMountPoint()).isEqualTo(point.toString());
            assertThatThrownBy(() -> grpc.authorized().mountDataset(AgentProto.MountDatasetRequest.newBuilder()
                    .setDatasetId(id)
                    .setSource(datasetB.toString())
                    .build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
        }
        http().body(Map.of("dataset_id", id, "source", datasetB.toString()))
                .when().post("/api/v1/dataset/mount")
                .then().statusCode(409)
                .body("message", containsString("another source"));
        http().body(Map.of("dataset_id", id, "source", datasetA.toString(), "read_only", false))
                .when().post("/api/v1/dataset/mount")
                .then().statusCode(409)
                .body("message", containsString("read-only"));
        assertThat(TestFiles.mountsUnder(mountRoot)).containsExactly(point);
        unmount(id);
    }

    @Test
    void mountsReadWriteOnlyWhenAsked() throws Exception {
        String id = "rw-" + TestUsers.uniqueName();
        http().body(Map.of("dataset_id", id, "source", datasetB.toString(), "read_only", false, "options", "noexec,noatime"))
                .when().post("/api/v1/dataset/mount")
                .then().statusCode(200);
        Path point = mountRoot.resolve(id);
        Files.writeString(point.resolve("written.txt"), "ok");
        assertThat(datasetB.resolve("written.txt")).hasContent("ok");
        assertThat(mountOptions(point)).contains("rw", "nosuid", "nodev", "noexec").doesNotContain("ro");
        Files.delete(datasetB.resolve("written.txt"));
        unmount(id);
    }

    @Test
    void mountsAnAllowedNonBindFileSystem() throws Exception {
        String id = "tmp-" + TestUsers.uniqueName();
        try (AgentGrpc grpc = AgentGrpc.local()) {
            grpc.authorized().mountDataset(AgentProto.MountDatasetRequest.newBuilder()
                    .setDatasetId(id)
                    .setSource(HostFixtures.TMPFS_SOURCE_PREFIX + id)
                    .setFsType("tmpfs")
                    .setOptions("size=1m")
                    .build());
        }
        Path point = mountRoot.resolve(id);
        assertThat(mountLine(point)).contains(" - tmpfs " + HostFixtures.TMPFS_SOURCE_PREFIX + id + " ");
        assertThat(mountOptions(point)).contains("ro", "nosuid", "nodev");
        unmount(id);
    }

    @Test
    void refusesSourcesOutsideTheAllowedPrefixes() throws Exception {
        Path escape = sources.resolve("escape-" + TestUsers.uniqueName());
        Files.createSymbolicLink(escape, outside);
        try {
            List<String> before = listing(mountRoot);
            http().body(Map.of("dataset_id", "x1", "source", outside.toString()))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(403)
                    .body("message", containsString("allowed-sources"));
            http().body(Map.of("dataset_id", "x2", "source", escape.toString()))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(403)
                    .body("message", containsString("resolves to " + outside));
            http().body(Map.of("dataset_id", "x3", "source", sources.resolve("missing").toString()))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(400)
                    .body("message", containsString("source: "));
            http().body(Map.of("dataset_id", "x4", "source", "relative/path"))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(400)
                    .body("message", containsString("source: must be an absolute path"));
            http().body(Map.of("dataset_id", "x5", "source", "otherhost:/export/data", "fs_type", "tmpfs"))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(403);
            try (AgentGrpc grpc = AgentGrpc.local()) {
                assertThatThrownBy(() -> grpc.authorized().mountDataset(AgentProto.MountDatasetRequest.newBuilder()
                        .setDatasetId("x6")
                        .setSource(escape.toString())
                        .build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
            }
            assertThat(listing(mountRoot)).isEqualTo(before);
            assertThat(TestFiles.mountsUnder(mountRoot)).isEmpty();
        } finally {
            Files.deleteIfExists(escape);
        }
    }

    @Test
    void rejectsBadIdsTypesAndOptionsBeforeTouchingAnything() throws Exception {
        List<String> before = listing(mountRoot);
        for (String id : List.of("..", ".", "a/b", "../../etc", "/abs", "")) {
            http().body(Map.of("dataset_id", id, "source", datasetA.toString()))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(400)
                    .body("message", containsString("dataset_id: "));
            http().body(Map.of("dataset_id", id))
                    .when().post("/api/v1/dataset/unmount")
                    .then().statusCode(400)
                    .body("message", containsString("dataset_id: "));
        }
        Map<String, String> badFields = Map.of(
                "fs_type", "ext4",
                "options", "rw",
                "source", "");
        for (Map.Entry<String, String> bad : badFields.entrySet()) {
            Map<String, Object> body = new HashMap<>(Map.of("dataset_id", "okid", "source", datasetA.toString()));
            body.put(bad.getKey(), bad.getValue());
            http().body(body)
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(400)
                    .body("message", containsString(bad.getKey() + ": "));
        }
        for (String options : List.of("suid", "dev", "remount", "bind", "x-systemd.automount", "exec;rm")) {
            http().body(Map.of("dataset_id", "okid", "source", datasetA.toString(), "options", options))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(400)
                    .body("message", containsString("options: "));
        }
        http().body(Map.of("dataset_id", "okid", "source", datasetA.toString(), "read_only", "sometimes"))
                .when().post("/api/v1/dataset/mount")
                .then().statusCode(400)
                .body("code", equalTo(400))
                .body("message", containsString("read_only: must be a JSON boolean (true or false)"));
        try (AgentGrpc grpc = AgentGrpc.local()) {
            assertThatThrownBy(() -> grpc.authorized().mountDataset(AgentProto.MountDatasetRequest.newBuilder()
                    .setDatasetId("..")
                    .setSource(datasetA.toString())
                    .build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).contains("dataset_id");
                    });
        }
        assertThat(listing(mountRoot)).isEqualTo(before);
        assertThat(TestFiles.mountsUnder(mountRoot)).isEmpty();
    }

    @Test
    void unmountRemovesTheMountPointAndIsIdempotent() throws Exception {
        String id = "um-" + TestUsers.uniqueName();
        mount(id, datasetA);
        Path point = mountRoot.resolve(id);
        http().body(Map.of("dataset_id", id))
                .when().post("/api/v1/dataset/unmount")
                .then().statusCode(200)
                .body("data.dataset_id", equalTo(id))
                .body("data.already_unmounted", equalTo(false));
        assertThat(point).doesNotExist();
        assertThat(datasetA.resolve("labels.txt")).exists();
        try (AgentGrpc grpc = AgentGrpc.local()) {
            AgentProto.UnmountDatasetResponse again = grpc.authorized().unmountDataset(AgentProto.UnmountDatasetRequest.newBuilder().setDatasetId(id).build());
            assertThat(again.getAlreadyUnmounted()).isTrue();
        }
    }

    @Test
    void refusesToUnmountADatasetInUse() throws Exception {
        String id = "busy-" + TestUsers.uniqueName();
        mount(id, datasetA);
        Path point = mountRoot.resolve(id);
        Process user = new ProcessBuilder("sleep", "1000").directory(point.toFile()).start();
        try {
            http().body(Map.of("dataset_id", id))
                    .when().post("/api/v1/dataset/unmount")
                    .then().statusCode(409)
                    .body("message", containsString("in use"));
            assertThat(TestFiles.mountsUnder(mountRoot)).contains(point);
        } finally {
            user.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        unmount(id);
    }

    @Test
    void cleanupDatasetsStepUnmountsEverythingUnderTheMountRoot() throws Exception {
        TestUser tenant = TestUsers.create();
        try {
            String first = "c1-" + TestUsers.uniqueName();
            String second = "c2-" + TestUsers.uniqueName();
            mount(first, datasetA);
            mount(second, datasetB);
            Path one = mountRoot.resolve(first);
            Path two = mountRoot.resolve(second);
            http().body(Map.of("user", tenant.name(), "types", List.of("datasets"), "dry_run", true))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(200)
                    .body("data.steps[0].type", equalTo("datasets"))
                    .body("data.steps[0].removed", containsInAnyOrder(one.toString(), two.toString()));
            assertThat(TestFiles.mountsUnder(mountRoot)).containsExactlyInAnyOrder(one, two);

            http().body(Map.of("user", tenant.name(), "types", List.of("datasets")))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(200)
                    .body("success", equalTo(true))
                    .body("data.steps[0].success", equalTo(true))
                    .body("data.steps[0].removed", containsInAnyOrder(one.toString(), two.toString()));
            assertThat(TestFiles.mountsUnder(mountRoot)).isEmpty();
            assertThat(one).doesNotExist();
            assertThat(two).doesNotExist();
            assertThat(datasetA.resolve("labels.txt")).exists();
        } finally {
            TestUsers.delete(tenant);
        }
    }

    @Test
    void refusesPropagationAndUnlistedOptionsNamingThem() throws Exception {
        List<String> before = listing(mountRoot);
        for (String option : List.of("shared", "rshared", "private", "rprivate", "slave", "rslave", "unbindable", "runbindable",
                "make-shared", "exec", "suid", "rbind", "move", "user", "loop=/dev/loop0", "context=system_u", "sec=a/b",
                "size=1m,bind", "NOATIME")) {
            String first = option.contains(",") ? "bind" : option;
            http().body(Map.of("dataset_id", "opt-" + TestUsers.uniqueName(), "source", datasetA.toString(), "options", option))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(400)
                    .body("message", containsString("options: '" + first + "' is not allowed"));
        }
        try (AgentGrpc grpc = AgentGrpc.local()) {
            assertThatThrownBy(() -> grpc.authorized().mountDataset(AgentProto.MountDatasetRequest.newBuilder()
                    .setDatasetId("opt-grpc")
                    .setSource(datasetA.toString())
                    .setOptions("noatime,rshared")
                    .build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).contains("options: 'rshared'");
                    });
        }
        assertThat(listing(mountRoot)).isEqualTo(before);
        assertThat(TestFiles.mountsUnder(mountRoot)).isEmpty();
    }

    @Test
    void refusesFifosSocketsDevicesFilesAndLinksWithoutOpeningThem() throws Exception {
        Path odd = Files.createDirectories(sources.resolve("odd-" + TestUsers.uniqueName()));
        Path fifo = odd.resolve("fifo");
        TestCommands.ok("mkfifo", fifo.toString());
        Path device = odd.resolve("null");
        TestCommands.ok("mknod", device.toString(), "c", "1", "3");
        Path file = Files.writeString(odd.resolve("file.txt"), "x");
        Path socket = odd.resolve("sock");
        Path inside = Files.createDirectories(odd.resolve("real"));
        Path link = Files.createSymbolicLink(odd.resolve("link"), inside);
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            List<String> before = listing(mountRoot);
            Map<Path, String> refused = Map.of(
                    fifo, "a FIFO, socket or device",
                    fifo.resolve("below"), "a FIFO, socket or device",
                    socket, "a FIFO, socket or device",
                    device, "a FIFO, socket or device",
                    file, "a regular file");
            for (Map.Entry<Path, String> entry : refused.entrySet()) {
                // A FIFO opened for reading would wait for a writer: the call must come back at once.
                String message = CompletableFuture.supplyAsync(() -> http()
                                .body(Map.of("dataset_id", "odd-" + TestUsers.uniqueName(), "source", entry.getKey().toString()))
                                .when().post("/api/v1/dataset/mount")
                                .then().statusCode(400)
                                .extract().jsonPath().getString("message"))
                        .get(20, TimeUnit.SECONDS);
                assertThat(message).startsWith("source: ").contains("is not a directory").contains(entry.getValue());
            }
            http().body(Map.of("dataset_id", "odd-link", "source", link.toString()))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(403)
                    .body("message", containsString("source: " + link))
                    .body("message", containsString("symbolic link"));
            http().body(Map.of("dataset_id", "odd-dots", "source", odd + "/../" + odd.getFileName() + "/real"))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(400)
                    .body("message", containsString("source: must not contain . or .."));
            try (AgentGrpc grpc = AgentGrpc.local()) {
                assertThatThrownBy(() -> grpc.authorized().mountDataset(AgentProto.MountDatasetRequest.newBuilder()
                        .setDatasetId("odd-grpc")
                        .setSource(fifo.toString())
                        .build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                            assertThat(e.getStatus().getDescription()).contains("source: ").contains("not a directory");
                        });
            }
            assertThat(listing(mountRoot)).isEqualTo(before);
            assertThat(TestFiles.mountsUnder(mountRoot)).isEmpty();
            assertThat(Files.readString(file)).isEqualTo("x");
        } finally {
            TestFiles.deleteTree(odd);
        }
    }

    @Test
    void refusesToWorkUnderARootOrPrefixOthersCanChange() throws Exception {
        Files.createDirectories(mountRoot);
        String id = "trust-" + TestUsers.uniqueName();
        Set<PosixFilePermission> rootMode = Files.getPosixFilePermissions(mountRoot);
        Set<PosixFilePermission> sourcesMode = Files.getPosixFilePermissions(sources);
        try {
            // Sticky like /tmp: fine above a root, not for the root itself (tenants could create names in it).
            TestCommands.ok("chmod", "1777", mountRoot.toString());
            http().body(Map.of("dataset_id", id, "source", datasetA.toString()))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(500)
                    .body("message", containsString("the dataset mount root " + mountRoot + " is not safe"))
                    .body("message", containsString("writable by"));
            http().body(Map.of("dataset_id", id))
                    .when().post("/api/v1/dataset/unmount")
                    .then().statusCode(500)
                    .body("message", containsString("is not safe"));
            Files.setPosixFilePermissions(mountRoot, rootMode);

            Files.setPosixFilePermissions(sources, PosixFilePermissions.fromString("rwxr-xrwx"));
            http().body(Map.of("dataset_id", id, "source", datasetA.toString()))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(403)
                    .body("message", containsString("source: the allowed source prefix"))
                    .body("message", containsString("writable by others"));
            assertThat(mountRoot.resolve(id)).doesNotExist();
            assertThat(TestFiles.mountsUnder(mountRoot)).isEmpty();
        } finally {
            Files.setPosixFilePermissions(mountRoot, rootMode);
            Files.setPosixFilePermissions(sources, sourcesMode);
        }
    }

    @Test
    void cleanupUnmountsMountsNestedInsideADatasetThroughItsParent() throws Exception {
        String id = "nest-" + TestUsers.uniqueName();
        TestUser tenant = TestUsers.create();
        Path nestSource = Files.createDirectories(sources.resolve("nest-" + TestUsers.uniqueName()));
        Files.createDirectories(nestSource.resolve("inner/deeper"));
        try {
            http().body(Map.of("dataset_id", id, "source", nestSource.toString(), "read_only", false))
                    .when().post("/api/v1/dataset/mount")
                    .then().statusCode(200);
            Path point = mountRoot.resolve(id);
            Path nested = point.resolve("inner/deeper");
            TestCommands.ok("mount", "-t", "tmpfs", "-o", "size=1m", "flnested", nested.toString());
            assertThat(TestFiles.mountsUnder(mountRoot)).containsExactly(nested, point);

            http().body(Map.of("user", tenant.name(), "types", List.of("datasets")))
                    .when().post("/api/v1/machine/cleanup")
                    .then().statusCode(200)
                    .body("data.steps[0].success", equalTo(true))
                    .body("data.steps[0].removed", contains(nested.toString(), point.toString()));
            assertThat(TestFiles.mountsUnder(mountRoot)).isEmpty();
            assertThat(point).doesNotExist();
        } finally {
            TestFiles.unmountAllUnder(mountRoot);
            TestFiles.deleteTree(nestSource);
            TestUsers.delete(tenant);
        }
    }

    // ---- helpers

    private RequestSpecification http() {
        return given().header("Authorization", BEARER).contentType("application/json");
    }

    private void mount(String id, Path source) {
        http().body(Map.of("dataset_id", id, "source", source.toString()))
                .when().post("/api/v1/dataset/mount")
                .then().statusCode(200);
    }

    private void unmount(String id) {
        http().body(Map.of("dataset_id", id))
                .when().post("/api/v1/dataset/unmount")
                .then().statusCode(200);
        assertThat(mountRoot.resolve(id)).doesNotExist();
    }

    private static String mountLine(Path point) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8).stream()
                .filter(line -> line.split(" ")[4].equals(point.toString()))
                .reduce((first, last) -> last)
                .orElseThrow(() -> new AssertionError(point + " is not mounted"));
    }

    private static List<String> mountOptions(Path point) throws IOException {
        return List.of(mountLine(point).split(" ")[5].split(","));
    }

    private static List<String> listing(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (var entries = Files.list(dir)) {
            return entries.map(Path::toString).sorted().toList();
        }
    }
}
