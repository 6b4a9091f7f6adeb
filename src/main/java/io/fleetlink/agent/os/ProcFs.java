package io.fleetlink.agent.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reads processes from {@code /proc}. Every read tolerates the process vanishing meanwhile: a
 * process that exits between listing and reading is simply not there. Blocking.
 */
@ApplicationScoped
public class ProcFs {

    private final Path root;

    public ProcFs() {
        this(Path.of("/proc"));
    }

    ProcFs(Path root) {
        this.root = root;
    }

    /** Every process visible now. */
    public List<ProcessInfo> list() {
        List<ProcessInfo> processes = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, ProcFs::isPidDirectory)) {
            for (Path entry : entries) {
                stat(Integer.parseInt(entry.getFileName().toString())).ifPresent(processes::add);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + root + ": " + e.getMessage(), e);
        }
        return processes;
    }

    /** The process with this pid, or empty if it is gone. */
    public Optional<ProcessInfo> stat(int pid) {
        return readStat(pid).map(Stat::process);
    }

    /**
     * Live members of process group {@code pgid}; a process that exits meanwhile is left out.
     * Lets a caller see whether a group it started still has anyone in it before signalling it.
     */
    public List<ProcessInfo> processGroup(int pgid) {
        List<ProcessInfo> members = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, ProcFs::isPidDirectory)) {
            for (Path entry : entries) {
                readStat(Integer.parseInt(entry.getFileName().toString()))
                        .filter(stat -> stat.pgrp() == pgid && !stat.process().exited())
                        .ifPresent(stat -> members.add(stat.process()));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + root + ": " + e.getMessage(), e);
        }
        return members;
    }

    private record Stat(ProcessInfo process, int pgrp) {
    }

    private Optional<Stat> readStat(int pid) {
        Path dir = root.resolve(Integer.toString(pid));
        try {
            String stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
            // comm is in parentheses and may itself contain spaces and parentheses: split at the last ')'.
            int open = stat.indexOf('(');
            int close = stat.lastIndexOf(')');
            String comm = stat.substring(open + 1, close);
            String[] rest = stat.substring(close + 2).split(" ");
            char state = rest[0].charAt(0);
            int ppid = Integer.parseInt(rest[1]);
            int pgrp = Integer.parseInt(rest[2]);
            long startTime = Long.parseLong(rest[19]);
            return Optional.of(new Stat(new ProcessInfo(pid, ppid, realUid(dir), state, startTime, comm), pgrp));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // exited while being read, or a kernel thread with an unreadable entry
        }
    }

    /** True while a process with this pid and start time exists and has not exited. */
    public boolean alive(ProcessInfo process) {
        return stat(process.pid())
                .filter(now -> now.startTime() == process.startTime())
                .map(now -> !now.exited())
                .orElse(false);
    }

    /** The value of {@code variable} in the process's initial environment, if set and readable. */
    public Optional<String> environ(int pid, String variable) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(root.resolve(Integer.toString(pid)).resolve("environ"));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        String prefix = variable + "=";
        int start = 0;
        for (int i = 0; i <= raw.length; i++) {
            if (i == raw.length || raw[i] == 0) {
                String entry = new String(raw, start, i - start, StandardCharsets.UTF_8);
                if (entry.startsWith(prefix)) {
                    return Optional.of(entry.substring(prefix.length()));
                }
                start = i + 1;
            }
        }
        return Optional.empty();
    }

    /**
     * The process's cgroup v2 path (the {@code 0::} line of {@code /proc/<pid>/cgroup}, relative to the
     * cgroup2 mount), or empty when it is gone or only on cgroup v1.
     */
    public Optional<String> cgroupV2(int pid) {
        try {
            for (String line : Files.readAllLines(root.resolve(Integer.toString(pid)).resolve("cgroup"), StandardCharsets.UTF_8)) {
                if (line.startsWith("0::")) {
                    return Optional.of(line.substring(3));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The process's argv, empty for kernel threads or a process that is gone. */
    public List<String> cmdline(int pid) {
        try {
            byte[] raw = Files.readAllBytes(root.resolve(Integer.toString(pid)).resolve("cmdline"));
            List<String> args = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == 0) {
                    args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            if (start < raw.length) {
                args.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
            }
            return args;
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static int realUid(Path dir) throws IOException {
        for (String line : Files.readAllLines(dir.resolve("status"), StandardCharsets.UTF_8)) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("no Uid line in " + dir.resolve("status"));
    }

    private static boolean isPidDirectory(Path entry) {
        String name = entry.getFileName().toString();
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
