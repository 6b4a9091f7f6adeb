package io.fleetlink.controller.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

class BackoffTest {

    /** Answers a fixed point of whatever range it is asked for, and remembers the bounds. */
    private static final class FixedRandom implements RandomGenerator {
        final double fraction;
        final List<Long> bounds = new ArrayList<>();

        FixedRandom(double fraction) {
            this.fraction = fraction;
        }

        @Override
        public long nextLong() {
            throw new UnsupportedOperationException("Backoff asks for a bounded value");
        }

        @Override
        public long nextLong(long bound) {
            bounds.add(bound);
            return Math.min(bound - 1, (long) (bound * fraction));
        }
    }

    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1_000));

    @Test
    void ceilingDoublesPerAttemptUpToTheMax() {
        assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.ceiling(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.ceiling(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(backoff.ceiling(4)).isEqualTo(Duration.ofMillis(800));
        assertThat(backoff.ceiling(5)).isEqualTo(Duration.ofMillis(1_000));
        assertThat(backoff.ceiling(1_000)).isEqualTo(Duration.ofMillis(1_000));
    }

    @Test
    void attemptsBelowOneCountAsTheFirst() {
        assertThat(backoff.ceiling(0)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.ceiling(-3)).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void hugeSettingsDoNotOverflow() {
        Backoff days = new Backoff(Duration.ofDays(365_000), Duration.ofDays(3_650_000));
        assertThat(days.ceiling(30)).isEqualTo(Duration.ofDays(3_650_000));
    }

    @Test
    void ceilingIsAtLeastOneMillisecond() {
        assertThat(new Backoff(Duration.ofNanos(1), Duration.ofNanos(1)).ceiling(1)).isEqualTo(Duration.ofMillis(1));
    }

    @Test
    void fullJitterSpansZeroToTheCeilingInclusive() {
        FixedRandom lowest = new FixedRandom(0.0);
        FixedRandom highest = new FixedRandom(1.0);

        assertThat(backoff.delay(3, lowest)).isEqualTo(Duration.ZERO);
        assertThat(backoff.delay(3, highest)).isEqualTo(Duration.ofMillis(400));
        // nextLong(bound) excludes the bound: ceiling + 1 makes the ceiling itself reachable.
        assertThat(lowest.bounds).containsExactly(401L);
        assertThat(highest.bounds).containsExactly(401L);
    }

    @Test
    void waitsAreSpreadOverTheWholeRangeNotJustItsUpperHalf() {
        RandomGenerator seeded = new SplittableRandom(42);
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            waits.add(backoff.delay(4, seeded).toMillis());
        }

        assertThat(waits).allSatisfy(ms -> assertThat(ms).isBetween(0L, 800L));
        assertThat(waits).anySatisfy(ms -> assertThat(ms).isLessThan(100L));
        assertThat(waits).anySatisfy(ms -> assertThat(ms).isGreaterThan(700L));
    }
}
