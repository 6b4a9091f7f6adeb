package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class DisksTest {

    @Test
    void keepsOnlyBlockDeviceFileSystemsOncePerDevice() {
        Set<String> types = Disks.parseBlockFsTypes("nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\toverlay\n\tsquashfs\n\txfs\n");
        assertThat(types).contains("ext4", "xfs", "squashfs", "zfs").doesNotContain("sysfs", "tmpfs", "overlay");

        List<Disks.Mount> mounts = Disks.parseMounts("""
                proc /proc proc rw,relatime 0 0
                overlay / overlay rw,lowerdir=/a 0 0
                /dev/nvme0n1p2 /data/bind ext4 rw 0 0
                /dev/nvme0n1p2 /data ext4 rw 0 0
                tmpfs /dev/shm tmpfs rw 0 0
                /dev/loop3 /snap/core/1 squashfs ro 0 0
                /dev/sdb1 /mnt/with\\040space xfs rw 0 0
                cgroup2 /sys/fs/cgroup cgroup2 rw 0 0
                """);
        assertThat(Disks.realDisks(mounts, types))
                .extracting(Disks.Mount::mountPoint)
                .containsExactly("/data", "/mnt/with space");
    }

    @Test
    void unescapesMountTableFields() {
        assertThat(Disks.unescape("/a\\011b\\134c")).isEqualTo("/a\tb\\c");
        assertThat(Disks.unescape("/plain")).isEqualTo("/plain");
        assertThat(Disks.unescape("/trailing\\04")).isEqualTo("/trailing\\04");
    }

    @Test
    void listsThisMachinesDisksWithSizes() {
        assertThat(new Disks().list()).allSatisfy(disk -> {
            assertThat(disk.totalBytes()).isPositive();
            assertThat(disk.freeBytes()).isBetween(0L, disk.totalBytes());
        });
    }
}
