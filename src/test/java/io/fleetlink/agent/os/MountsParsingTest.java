package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class MountsParsingTest {

    @Test
    void parsesMountinfoWithOptionalFieldsAndOctalEscapes() {
        String text = """
                22 27 0:21 / /proc rw,relatime shared:12 - proc proc rw
                42 27 254:0 /tmp/data\\040set /mnt/datasets/my\\040data ro,nosuid,nodev,relatime shared:1 master:2 - ext4 /dev/vda rw
                43 27 0:39 / /mnt/tab\\011new\\012line\\134slash rw - tmpfs fltmpfs-x rw,size=1024k
                """;
        List<Mounts.Mount> mounts = Mounts.parse(text);
        assertThat(mounts).hasSize(3);
        Mounts.Mount bind = mounts.get(1);
        assertThat(bind.id()).isEqualTo(42);
        assertThat(bind.parentId()).isEqualTo(27);
        assertThat(bind.root()).isEqualTo("/tmp/data set");
        assertThat(bind.mountPoint()).isEqualTo(Path.of("/mnt/datasets/my data"));
        assertThat(bind.readOnly()).isTrue();
        assertThat(bind.fsType()).isEqualTo("ext4");
        assertThat(bind.source()).isEqualTo("/dev/vda");
        assertThat(mounts.get(2).mountPoint()).isEqualTo(Path.of("/mnt/tab\tnew\nline\\slash"));
        assertThat(mounts.get(2).readOnly()).isFalse();
    }

    @Test
    void unescapeLeavesIncompleteOrNonOctalSequencesAlone() {
        assertThat(Mounts.unescape("plain")).isEqualTo("plain");
        assertThat(Mounts.unescape("a\\04")).isEqualTo("a\\04");
        assertThat(Mounts.unescape("a\\089b")).isEqualTo("a\\089b");
        assertThat(Mounts.unescape("\\303\\251t\\303\\251")).isEqualTo("été");
    }

    @Test
    void skipsMalformedLines() {
        assertThat(Mounts.parse("garbage\n1 2 3\n\n")).isEmpty();
    }
}
