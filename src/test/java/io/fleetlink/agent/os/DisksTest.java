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

        List<Mounts.Mount> mounts = Mounts.parse("""
                22 1 0:21 / /proc rw,relatime shared:12 - proc proc rw
                23 1 0:40 / / rw,relatime - overlay overlay rw,lowerdir=/a
                24 23 259:2 /bind /data/bind rw shared:3 - ext4 /dev/nvme0n1p2 rw
                25 23 259:2 / /data rw shared:3 - ext4 /dev/nvme0n1p2 rw
                26 23 0:25 / /dev/shm rw - tmpfs tmpfs rw
                27 23 7:3 / /snap/core/1 ro - squashfs /dev/loop3 ro
                28 23 8:17 / /mnt/with\\040space rw - xfs /dev/sdb1 rw
                29 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw
                """);
        assertThat(Disks.realDisks(mounts, types))
                .extracting(mount -> mount.mountPoint().toString())
                .containsExactly("/data", "/mnt/with space");
    }

    @Test
    void listsThisMachinesDisksWithSizes() {
        // Every machine this suite runs on has a disk-backed file system; without one the checks below would pass vacuously.
        List<Disks.Disk> disks = new Disks().list();
        assertThat(disks).isNotEmpty();
        assertThat(disks).allSatisfy(disk -> {
            assertThat(disk.totalBytes()).isPositive();
            assertThat(disk.freeBytes()).isBetween(0L, disk.totalBytes());
        });
    }
}
