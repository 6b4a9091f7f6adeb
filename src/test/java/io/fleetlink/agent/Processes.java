package io.fleetlink.agent;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Real process trees for tests, found again through {@code /proc} by a marker variable in their
 * environment, and a sweep that SIGKILLs whatever carries a marker, so nothing a test started
 * outlives it (even when an assertion failed half-way).
 */
final class Processes {

    private Processes() {
    }

    /** Starts {@code sh -c script} with {@code variable=value} in its environment. */
    static Process startShell(String variable, String value, String script) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", script)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put(variable, value);
        return builder.start();
    }

    /**
     * A process of {@code uid} that forks a copy of itself and exits, over and over (every ~50 ms), so
     * its pid keeps changing: what a pid-by-pid kill cannot catch. Each copy appends a line to
     * {@code dir/beat}, so a test can tell for sure whether the loop still runs (a /proc scan cannot:
     * it is a snapshot the loop slips through). {@code dir} is handed to the user. The copies are
     * orphans: where PID 1 does not reap, each one that exits stays a zombie of that uid.
     */
    static Path startForkHopper(int uid, int gid, Path dir) throws IOException {
        Path script = dir.resolve("hop.sh");
        Files.writeString(script, "#!/bin/sh\necho >> \"${0%/*}/beat\"\nsleep 0.05\n\"$0\" &\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        io.fleetlink.support.TestCommands.ok("chown", uid + ":" + gid, dir.toString());
        new ProcessBuilder("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--", script.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        return dir.resolve("beat");
    }

    /** Lines the fork hopper has written; 0 before its first. */
    static long beats(Path beat) {
        try {
            return Files.exists(beat) ? Files.size(beat) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Pids of live (not zombie) processes whose environment holds {@code variable=value}. */
    static List<Integer> withEnv(String variable, String value) {
        byte[] wanted = (variable + "=" + value).getBytes(StandardCharsets.UTF_8);
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path entry : entries) {
                int pid = Integer.parseInt(entry.getFileName().toString());
                if (alive(pid) && holds(readEnviron(pid), wanted)) {
                    pids.add(pid);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return List.copyOf(new TreeSet<>(pids));
    }

    /** Waits until at least {@code count} live processes carry the marker; returns their pids. */
    static List<Integer> awaitCount(String variable, String value, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Integer> pids = withEnv(variable, value);
        while (pids.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
            pids = withEnv(variable, value);
        }
        if (pids.size() < count) {
            throw new AssertionError("expected " + count + " processes with " + variable + "=" + value + ", found " + pids);
        }
        return pids;
    }

    /** True while {@code pid} exists and is not a zombie. */
    static boolean alive(int pid) {
        return state(pid).map(s -> s != 'Z' && s != 'X').orElse(false);
    }

    /** SIGKILLs every live process carrying the marker: the cleanup of a test that failed half-way. */
    static void killAll(String variable, String value) throws IOException, InterruptedException {
        for (int round = 0; round < 5; round++) {
            List<Integer> left = withEnv(variable, value);
            if (left.isEmpty()) {
                return;
            }
            for (int pid : left) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            Thread.sleep(100);
        }
    }

    private static Optional<Character> state(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            return Optional.of(stat.charAt(stat.lastIndexOf(')') + 2));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static byte[] readEnviron(int pid) {
        try {
            return Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "environ"));
        } catch (IOException | RuntimeException e) {
            return new byte[0];
        }
    }

    private static boolean holds(byte[] environ, byte[] entry) {
        int start = 0;
        for (int i = 0; i <= environ.length; i++) {
            if (i == environ.length || environ[i] == 0) {
                if (i - start == entry.length && java.util.Arrays.equals(environ, start, i, entry, 0, entry.length)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }
}
