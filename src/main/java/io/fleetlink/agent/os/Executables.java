package io.fleetlink.agent.os;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds programs the way {@code execvp} would, but only on the agent's own {@code PATH} and only in
 * absolute directories, so a caller-supplied name can be turned into the one file that will run.
 */
public final class Executables {

    private Executables() {
    }

    /**
     * The absolute path of {@code program}: itself when it contains a slash (it must then be absolute),
     * otherwise the first executable regular file of that name in the agent's {@code PATH}.
     */
    public static Optional<Path> find(String program) {
        return find(program, System.getenv("PATH"));
    }

    static Optional<Path> find(String program, String searchPath) {
        if (program == null || program.isEmpty() || program.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        try {
            if (program.indexOf('/') >= 0) {
                Path path = Path.of(program);
                return path.isAbsolute() && isExecutableFile(path) ? Optional.of(path.normalize()) : Optional.empty();
            }
            for (String dir : (searchPath == null ? "" : searchPath).split(":")) {
                // An empty or relative PATH entry means "the current directory": never for a root agent.
                if (dir.startsWith("/")) {
                    Path candidate = Path.of(dir, program).normalize();
                    if (isExecutableFile(candidate)) {
                        return Optional.of(candidate);
                    }
                }
            }
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static boolean isExecutableFile(Path path) {
        return Files.isRegularFile(path) && Files.isExecutable(path);
    }
}
