package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutablesTest {

    @TempDir
    Path dir;

    @Test
    void findsNamesOnlyInAbsolutePathEntries() throws Exception {
        Path tool = dir.resolve("fltool");
        Files.writeString(tool, "#!/bin/sh\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(Executables.find("fltool", "relative:" + dir)).contains(tool);
        assertThat(Executables.find("fltool", "relative:")).isEmpty();
        assertThat(Executables.find(tool.toString(), "")).contains(tool);
        assertThat(Executables.find("./fltool", dir.toString())).isEmpty();
        assertThat(Executables.find("fltool\0", dir.toString())).isEmpty();
    }

    @Test
    void refusesWhatIsNotAnExecutableFile() throws Exception {
        Path data = Files.writeString(dir.resolve("data"), "x");
        assertThat(Executables.find(data.toString(), "")).isEmpty();
        assertThat(Executables.find(dir.toString(), "")).isEmpty();
        assertThat(Executables.find("data", dir.toString())).isEmpty();
    }
}
