package io.fleetlink.support;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests use real parts (sshd, dockerd, PostgreSQL, mounts, root). Where one is missing on a
 * developer's machine the test is skipped with the package to install; in CI
 * ({@code FLEETLINK_REQUIRE_REAL_PARTS=true}, set by .ci/run) a missing part fails the test instead.
 */
public final class RealParts {

    private static final boolean REQUIRED = Boolean.parseBoolean(System.getenv("FLEETLINK_REQUIRE_REAL_PARTS"));

    private RealParts() {
    }

    /** The absolute path of {@code program}, looked up on PATH and in the sbin directories. */
    public static Path require(String program, String debianPackage) {
        for (String dir : (System.getenv("PATH") + ":/usr/sbin:/sbin:/usr/local/sbin").split(":")) {
            Path candidate = Path.of(dir, program);
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        missing(program + " is not installed: apt-get install " + debianPackage);
        return null;
    }

    /** Tests that create users, mounts or signal other users' processes need root. */
    public static void requireRoot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            missing("this test needs root (it creates users, mounts or daemons); run the suite as root");
        }
    }

    private static void missing(String message) {
        if (REQUIRED) {
            Assertions.fail(message + " (FLEETLINK_REQUIRE_REAL_PARTS=true: nothing may be skipped)");
        }
        Assumptions.abort(message);
    }
}
