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

    @Test
    void readsTheCgroupV2PathOnly() throws IOException {
        process(30, "task", 'S', 1, 30, 5, 1000, "");
        Files.writeString(proc.resolve("30/cgroup"), "4:memory:/v1/path\n0::/system.slice/task-30.scope\n");
        process(31, "v1only", 'S', 1, 31, 5, 1000, "");
        Files.writeString(proc.resolve("31/cgroup"), "4:memory:/v1/path\n");
        ProcFs procFs = new ProcFs(proc);
        assertThat(procFs.cgroupV2(30)).contains("/system.slice/task-30.scope");
        assertThat(procFs.cgroupV2(31)).isEmpty();
        assertThat(procFs.cgroupV2(32)).isEmpty();
    }

    @Test
    void takesCgroupMembersOnlyFromACgroupThatCanBeOneTasks() throws IOException {
        int self = (int) ProcessHandle.current().pid();
        process(self, "agent", 'S', 1, self, 5, 0, "");
        Files.writeString(proc.resolve(self + "/cgroup"), "0::/system.slice/fleetlink.service\n");
        process(1, "init", 'S', 0, 1, 1, 0, "");
        Files.writeString(proc.resolve("1/cgroup"), "0::/init.scope\n");
        Path fs = Files.createDirectories(proc.resolve("cgroupfs"));
        Path task = Files.createDirectories(fs.resolve("system.slice/docker-abc.scope/inner"));
        Files.writeString(task.getParent().resolve("cgroup.procs"), "100\n101\n");
        Files.writeString(task.resolve("cgroup.procs"), "102\n");
        Path mountInfo = proc.resolve("mountinfo");
        Files.writeString(mountInfo, "24 1 0:21 / /proc rw - proc proc rw\n"
                + "30 24 0:26 / " + fs + " rw,nosuid - cgroup2 cgroup2 rw\n");
        Cgroups cgroups = new Cgroups(new ProcFs(proc), mountInfo);

        assertThat(cgroups.mountPoint()).contains(fs);
        assertThat(cgroups.attributable("/system.slice/docker-abc.scope")).isTrue();
        assertThat(cgroups.members("/system.slice/docker-abc.scope")).containsExactlyInAnyOrder(100, 101, 102);
        assertThat(cgroups.attributable("/")).as("root").isFalse();
        assertThat(cgroups.attributable("/system.slice/fleetlink.service")).as("the agent's own").isFalse();
        assertThat(cgroups.attributable("/system.slice")).as("above the agent's").isFalse();
        assertThat(cgroups.attributable("/init.scope")).as("PID 1's").isFalse();
        assertThat(cgroups.attributable("/user.slice/user-1000.slice/session-3.scope")).as("a login session").isFalse();
        assertThat(cgroups.attributable("/user.slice/user-1000.slice/user@1000.service")).as("a user manager").isFalse();
        assertThat(cgroups.attributable("/system.slice/../x")).isFalse();
    }
}
