package io.fleetlink.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Real local accounts for tests, with unique names ({@code fl} + 6 characters) so concurrent runs on
 * one machine never collide; {@link #delete} ends the account's processes and removes it with its home.
 */
public final class TestUsers {

    /** A created account. */
    public record TestUser(String name, int uid, int gid, Path home) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private TestUsers() {
    }

    public static String uniqueName() {
        StringBuilder name = new StringBuilder("fl");
        for (int i = 0; i < 6; i++) {
            name.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return name.toString();
    }

    /** A tenant-like user: uid from the normal range (>= 1000), home created. */
    public static TestUser create() {
        String name = uniqueName();
        retryingOnLock(List.of("useradd", "--create-home", "--shell", "/bin/sh", name));
        return lookup(name);
    }

    /** A system account (uid below 1000) with a home that does not exist. */
    public static TestUser createSystem() {
        String name = uniqueName();
        retryingOnLock(List.of("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent/" + name,
                "--shell", "/usr/sbin/nologin", name));
        return lookup(name);
    }

    /** Kills the user's processes (as the user, then by pid), then removes the account and its home. Null-safe. */
    public static void delete(TestUser user) {
        if (user == null) {
            return;
        }
        killAll(user);
        retryingOnLock(List.of("userdel", "--remove", user.name()), 12); // 12: mail spool or home already gone
        if (user.home().startsWith("/home/") && Files.exists(user.home())) {
            TestFiles.deleteTree(user.home());
        }
    }

    /** Ends every process of the user, even one forking in a loop; zombies whose parent never reaps them stay. */
    public static void killAll(TestUser user) {
        for (int round = 0; round < 20 && !pidsOf(user.uid()).isEmpty(); round++) {
            // kill(-1) as the user: reaches every process of theirs at once, even one forking in a loop.
            TestCommands.run(60, List.of("env", "-i", "setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups",
                    "--", "kill", "-KILL", "--", "-1"));
            sleep(100);
            List<Integer> left = pidsOf(user.uid());
            if (left.isEmpty()) {
                break;
            }
            List<String> argv = new ArrayList<>(List.of("kill", "-KILL", "--"));
            left.forEach(pid -> argv.add(Integer.toString(pid)));
            TestCommands.run(60, argv);
            if (left.stream().allMatch(TestUsers::zombie)) {
                break; // exited; only their parent (maybe a PID 1 that never reaps) can remove them
            }
        }
    }

    /** Pids whose real uid is {@code uid}. */
    public static List<Integer> pidsOf(int uid) {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), entry -> entry.getFileName().toString().matches("\\d+"))) {
            for (Path entry : entries) {
                try {
                    for (String line : Files.readAllLines(entry.resolve("status"), StandardCharsets.UTF_8)) {
                        if (line.startsWith("Uid:") && Integer.parseInt(line.substring(4).trim().split("\\s+")[0]) == uid) {
                            pids.add(Integer.parseInt(entry.getFileName().toString()));
                        }
                    }
                } catch (IOException e) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return pids;
    }

    /** Live (not zombie) pids whose real uid is {@code uid}. */
    public static List<Integer> runningPidsOf(int uid) {
        return pidsOf(uid).stream()
                .filter(pid -> !zombie(pid))
                .toList();
    }

    /** True when {@code pid} is a zombie or gone. */
    public static boolean zombie(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    private static TestUser lookup(String name) {
        String[] fields = TestCommands.ok("getent", "passwd", name).stdout().strip().split(":");
        return new TestUser(name, Integer.parseInt(fields[2]), Integer.parseInt(fields[3]), Path.of(fields[5]));
    }

    /** useradd/userdel fail when another run holds the passwd lock; try again for a while. */
    private static void retryingOnLock(List<String> argv, int... alsoOk) {
        TestCommands.Result result = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            result = TestCommands.run(60, argv);
            int exit = result.exitCode();
            if (exit == 0 || Arrays.stream(alsoOk).anyMatch(code -> code == exit)) {
                return;
            }
            if (!result.stderr().contains("lock")) {
                break;
            }
            sleep(250);
        }
        throw new IllegalStateException(argv + " failed: " + result);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
