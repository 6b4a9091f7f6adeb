package io.fleetlink.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fleetlink.agent.AgentException;
import io.fleetlink.support.TempFiles;
import io.grpc.Status;

/** The epoch file over a real temp directory; a restart is a new fence over the same directory. */
class EpochFenceTest {

    private final Path root = temp();
    private final Path dir = root.resolve("state");

    @AfterEach
    void cleanUp() {
        TempFiles.deleteRecursively(root);
    }

    @Test
    void aFreshHostIsAtZeroAndItsDirectoryIsOwnerOnly() throws Exception {
        assertThat(EpochFence.open(dir).current()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
    }

    @Test
    void aHigherEpochIsStoredAndSurvivesARestart() throws Exception {
        EpochFence fence = EpochFence.open(dir);
        fence.admit(7);
        fence.admit(7);
        assertThat(Files.readString(dir.resolve(EpochFence.FILE))).isEqualTo("7\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(EpochFence.FILE)))).isEqualTo("rw-------");
        assertThat(dir.resolve(EpochFence.FILE + ".tmp")).doesNotExist();

        EpochFence restarted = EpochFence.open(dir);
        assertThat(restarted.current()).isEqualTo(7);
        assertThatThrownBy(() -> restarted.admit(6))
                .isInstanceOfSatisfying(AgentException.class, e -> {
                    assertThat(e.code()).isEqualTo(409);
                    assertThat(e.grpcStatus()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                })
                .hasMessage("stale epoch 6, this host is at 7");
        assertThat(restarted.current()).isEqualTo(7);
    }

    @Test
    void aCorruptFileStopsStartUpInsteadOfReadingAsZero() throws Exception {
        Files.createDirectories(dir);
        for (String content : new String[] {"", "seven\n", "-1\n", "99999999999999999999\n", "7 8\n"}) {
            Files.writeString(dir.resolve(EpochFence.FILE), content);
            Files.setPosixFilePermissions(dir.resolve(EpochFence.FILE), PosixFilePermissions.fromString("rw-------"));
            assertThatThrownBy(() -> EpochFence.open(dir)).as(content)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(dir.resolve(EpochFence.FILE).toString())
                    .hasMessageContaining("corrupt");
        }
    }

    @Test
    void aFileOthersMayWriteIsRefused() throws Exception {
        EpochFence.open(dir).admit(3);
        Files.setPosixFilePermissions(dir.resolve(EpochFence.FILE), PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThatThrownBy(() -> EpochFence.open(dir)).hasMessageContaining("writable by group or others");
    }

    @Test
    void concurrentAdmissionsNeverLowerTheEpoch() throws Exception {
        EpochFence fence = EpochFence.open(dir);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> results = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            long epoch = i;
            results.add(pool.submit(() -> {
                go.await();
                try {
                    fence.admit(epoch);
                } catch (AgentException refused) {
                    // A lower one after a higher one: refused, as it must be.
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> result : results) {
            result.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(fence.current()).isEqualTo(40);
        assertThat(EpochFence.open(dir).current()).isEqualTo(40);
    }

    private static Path temp() {
        try {
            return Files.createTempDirectory("fl-epoch");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
