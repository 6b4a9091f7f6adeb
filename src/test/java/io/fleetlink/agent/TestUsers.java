package io.fleetlink.agent;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Throw-away local accounts for tests: a random {@code fl} + 6 letters name, uid from 1000 up, no home. */
final class TestUsers {

    private TestUsers() {
    }

    static String create() throws Exception {
        StringBuilder name = new StringBuilder("fl");
        for (int i = 0; i < 6; i++) {
            name.append((char) ('a' + ThreadLocalRandom.current().nextInt(26)));
        }
        run("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--key", "UID_MIN=1000", name.toString());
        return name.toString();
    }

    static void delete(String name) throws Exception {
        if (name != null) {
            run("userdel", name);
        }
    }

    static String run(String... argv) throws Exception {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", argv) + " failed: " + output);
        }
        return output;
    }
}
