package io.fleetlink.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds and ends processes a test started, by pid only: never by a name another run could share. */
public final class TestProcesses {

    private TestProcesses() {
    }

    /** Pids whose command line contains {@code text} (e.g. a test's private temp dir). */
    public static List<Integer> mentioning(String text) {
        List<Integer> pids = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), e -> e.getFileName().toString().matches("\\d+"))) {
            for (Path entry : entries) {
                try {
                    String cmdline = new String(Files.readAllBytes(entry.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    int pid = Integer.parseInt(entry.getFileName().toString());
                    if (pid != self && cmdline.contains(text)) {
                        pids.add(pid);
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

    /** SIGKILLs every process whose command line contains {@code text}. */
    public static void killMentioning(String text) {
        List<Integer> pids = mentioning(text);
        if (!pids.isEmpty()) {
            List<String> argv = new ArrayList<>(List.of("kill", "-KILL", "--"));
            pids.forEach(pid -> argv.add(pid.toString()));
            TestCommands.run(30, argv);
        }
    }
}
