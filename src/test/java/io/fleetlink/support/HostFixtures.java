package io.fleetlink.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives the host-operation tests a private piece of the machine: one temp directory holding the data
 * roots, the dataset mount root and allowed sources, and the Docker socket path, so concurrent runs
 * never share a path. Everything mounted or created below it is removed in {@link #stop()}.
 */
public class HostFixtures implements QuarkusTestResourceLifecycleManager {

    /** The prefix of allowed non-bind sources (tmpfs in the tests). */
    public static final String TMPFS_SOURCE_PREFIX = "fltmpfs-";

    private Path base;

    @Override
    public Map<String, String> start() {
        try {
            base = Files.createTempDirectory("flhost-");
            Files.createDirectories(base.resolve("scratch"));
            Files.createDirectories(base.resolve("homes"));
            Files.createDirectories(base.resolve("sources"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "fleetlink.agent.cleanup.data-roots", base.resolve("scratch") + "/{user}," + base.resolve("homes") + "/{user}/work",
                "fleetlink.agent.cleanup.docker-socket", base.resolve("docker.sock").toString(),
                "fleetlink.agent.datasets.mount-root", base.resolve("datasets").toString(),
                "fleetlink.agent.datasets.allowed-sources", base.resolve("sources") + "/," + TMPFS_SOURCE_PREFIX,
                "fleetlink.agent.datasets.allowed-fs-types", "tmpfs");
    }

    @Override
    public void stop() {
        TestFiles.deleteTree(base);
    }
}
