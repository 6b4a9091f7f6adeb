package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcFsTest {

    @TempDir
    Path proc;

    private void process(int pid, String comm, char state, int ppid, int pgrp, long start, int uid, String environ) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        // Fields after comm: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
        // cutime cstime priority nice threads itrealvalue starttime ...
        Files.writeString(dir.resolve("stat"), pid + " (" + comm + ") " + state + " " + ppid + " " + pgrp
                + " " + pgrp + " 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 " + start + " 1000 100\n");
        Files.writeString(dir.resolve("status"), "Name:\t" + comm + "\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\n");
        Files.write(dir.resolve("environ"), environ.getBytes());
        Files.write(dir.resolve("cmdline"), (comm + "\0--flag\0").getBytes());
    }

    @Test
    void readsStatWithAnAwkwardCommand() throws IOException {
        process(42, "evil) R 1 (name", 'S', 7, 42, 123456, 1001, "");
        ProcessInfo info = new ProcFs(proc).stat(42).orElseThrow();
        assertThat(info).isEqualTo(new ProcessInfo(42, 7, 1001, 'S', 123456, "evil) R 1 (name"));
        assertThat(new ProcFs(proc).stat(43)).isEmpty();
    }

    @Test
    void findsEnvironmentVariablesExactly() throws IOException {
        process(10, "sh", 'S', 1, 10, 5, 1000, "FLEETLINK_TASK_ID_X=no\0FLEETLINK_TASK_ID=t-1\0HOME=/h");
        ProcFs procFs = new ProcFs(proc);
        assertThat(procFs.environ(10, "FLEETLINK_TASK_ID")).contains("t-1");
        assertThat(procFs.environ(10, "HOME")).contains("/h");
        assertThat(procFs.environ(10, "MISSING")).isEmpty();
        assertThat(procFs.cmdline(10)).containsExactly("sh", "--flag");
    }

    @Test
    void listsLiveMembersOfAProcessGroup() throws IOException {
        process(20, "leader", 'S', 1, 20, 5, 1000, "");
        process(21, "child", 'R', 20, 20, 6, 1000, "");
        process(22, "zombie", 'Z', 20, 20, 7, 1000, "");
        process(23, "other", 'S', 1, 23, 8, 1000, "");
        assertThat(new ProcFs(proc).processGroup(20)).extracting(ProcessInfo::pid).containsExactlyInAnyOrder(20, 21);
        assertThat(new ProcFs(proc).list()).hasSize(4);
        assertThat(new ProcFs(proc).processGroup(99)).isEqualTo(List.of());
    }
}
