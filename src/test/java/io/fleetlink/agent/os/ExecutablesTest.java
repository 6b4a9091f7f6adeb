package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void trustsRootOwnedProgramsAndRunsLinksUnderTheirName() throws Exception {
        Executables.Trusted id = Executables.trusted(Executables.find("/usr/bin/id").orElseThrow());
        assertThat(id.realPath()).isEqualTo(Path.of("/usr/bin/id").toRealPath());
        Path sh = Path.of("/bin/sh");
        Executables.Trusted trusted = Executables.trusted(sh);
        assertThat(trusted.realPath()).isEqualTo(sh.toRealPath());
        // Run under the name it was called by (a multi-call binary acts by it), from its real directory.
        assertThat(trusted.execPath().getFileName()).isEqualTo(Path.of("sh"));
        assertThat(trusted.execPath().getParent()).isEqualTo(sh.getParent().toRealPath());
        assertThat(trusted.execPath().toRealPath()).isEqualTo(trusted.realPath());
    }

    @Test
    void refusesProgramsOthersCanChange() throws Exception {
        // The JUnit temp dir lives under /tmp, which everyone may write to.
        Path tool = dir.resolve("fltool");
        Files.writeString(tool, "#!/bin/sh\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path link = Files.createSymbolicLink(dir.resolve("id"), Path.of("/usr/bin/id"));
        for (Path path : new Path[] {tool, link}) {
            assertThatThrownBy(() -> Executables.trusted(path))
                    .isInstanceOf(Executables.UntrustedException.class)
                    .hasMessageContaining("writable by");
        }
        assertThatThrownBy(() -> Executables.trusted(Path.of("/usr/bin")))
                .isInstanceOf(Executables.UntrustedException.class)
                .hasMessageContaining("is a directory");
        assertThatThrownBy(() -> Executables.trusted(dir.resolve("missing")))
                .isInstanceOf(Executables.UntrustedException.class);
    }
}
