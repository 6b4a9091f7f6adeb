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
    void unescapesSpaceTabNewlineAndBackslash() {
        assertThat(Mounts.unescape("/a\\011b\\134c")).isEqualTo("/a\tb\\c");
        assertThat(Mounts.unescape("/back\\134slash")).isEqualTo("/back\\slash");
        assertThat(Mounts.unescape("/with\\040space\\012")).isEqualTo("/with space\n");
        assertThat(Mounts.unescape("/trailing\\04")).isEqualTo("/trailing\\04");
    }

    @Test
    void decodesAMultibyteNameEscapedOneByteAtATime() {
        // "データ" is three characters of three UTF-8 bytes each; the kernel escapes bytes, not characters.
        assertThat(Mounts.unescape("/mnt/\\343\\203\\207\\343\\203\\274\\343\\202\\277")).isEqualTo("/mnt/データ");
        // Unescaped UTF-8 next to an escaped space is kept as it is.
        assertThat(Mounts.unescape("/mnt/été\\040x")).isEqualTo("/mnt/été x");
        List<Mounts.Mount> mounts = Mounts.parse("50 27 8:1 / /mnt/\\303\\251t\\303\\251\\040\\134 rw - ext4 /dev/sda1 rw\n");
        assertThat(mounts).singleElement()
                .extracting(Mounts.Mount::mountPoint)
                .isEqualTo(Path.of("/mnt/été \\"));
    }

    @Test
    void skipsMalformedLines() {
        assertThat(Mounts.parse("garbage\n1 2 3\n\n")).isEmpty();
    }
}
