package io.nvent.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StartWindowTest {

    private static final long MS = 1_000_000;

    private final StartWindow threePerSecond = new StartWindow(new RateLimit(3, Duration.ofSeconds(1)));

    @Test
    void grantsAsManyStartsAsTheLimitAllowsInOneSpan() {
        assertThat(threePerSecond.take(2, 0)).isEqualTo(2);
        assertThat(threePerSecond.take(5, 10 * MS)).isEqualTo(1);
        assertThat(threePerSecond.tryTake(999 * MS)).isFalse();
        assertThat(threePerSecond.free(999 * MS)).isZero();
    }

    @Test
    void freesEachStartOneSpanAfterItWasMade() {
        threePerSecond.take(2, 0);
        threePerSecond.take(1, 400 * MS);

        assertThat(threePerSecond.nanosUntilFree(500 * MS)).isEqualTo(500 * MS);
        assertThat(threePerSecond.free(1000 * MS)).isEqualTo(2);
        assertThat(threePerSecond.nanosUntilFree(1000 * MS)).isZero();
        assertThat(threePerSecond.take(3, 1000 * MS)).isEqualTo(2);
        assertThat(threePerSecond.nanosUntilFree(1100 * MS)).isEqualTo(300 * MS);
    }

    @Test
    void neverStartsMoreThanMaxInAnySpanHoweverTheStartsAreAskedFor() {
        StartWindow window = new StartWindow(new RateLimit(5, Duration.ofMillis(100)));
        List<Long> granted = new ArrayList<>();
        for (long now = 0; now < 1000 * MS; now += 7 * MS) {
            int got = window.take((int) (now % 4) + 1, now);
            for (int i = 0; i < got; i++) {
                granted.add(now);
            }
        }

        for (int i = 5; i < granted.size(); i++) {
            assertThat(granted.get(i) - granted.get(i - 5)).as("start %d and the 5th before it", i)
                    .isGreaterThanOrEqualTo(100 * MS);
        }
        assertThat(granted).hasSizeGreaterThanOrEqualTo(45);
    }

    @Test
    void aReservedStartCountsUntilItStartsAndThenFromWhenItStarted() {
        assertThat(threePerSecond.reserve(2, 0)).isEqualTo(2);
        assertThat(threePerSecond.take(3, 0)).isEqualTo(1);
        assertThat(threePerSecond.free(5000 * MS)).as("the start taken expired, the reserved ones did not")
                .isEqualTo(1);
        assertThat(threePerSecond.reserve(1, 5000 * MS)).isEqualTo(1);
        assertThat(threePerSecond.nanosUntilFree(5000 * MS)).as("not known while reserved ones fill it")
                .isEqualTo(1000 * MS);

        threePerSecond.started(5000 * MS);
        threePerSecond.started(5200 * MS);
        threePerSecond.release(1);

        assertThat(threePerSecond.free(5100 * MS)).isEqualTo(1);
        assertThat(threePerSecond.take(1, 5300 * MS)).isEqualTo(1);
        assertThat(threePerSecond.nanosUntilFree(5400 * MS)).as("until the start at 5000").isEqualTo(600 * MS);
    }

    @Test
    void theNextStartWaitsForNoLimitWhileAStartIsReservedForItAndOtherwiseUntilAStartIsFree() {
        assertThat(threePerSecond.reserve(3, 0)).isEqualTo(3);
        assertThat(threePerSecond.nanosUntilFree(0)).as("the reserved starts fill the limit").isEqualTo(1000 * MS);
        assertThat(threePerSecond.nanosUntilNextStart(0)).as("a reserved start is allowed").isZero();

        threePerSecond.started(100 * MS);
        threePerSecond.started(200 * MS);
        threePerSecond.started(300 * MS);

        assertThat(threePerSecond.nanosUntilNextStart(400 * MS)).isEqualTo(700 * MS);
        assertThat(threePerSecond.nanosUntilNextStart(1100 * MS)).isZero();
    }

    @Test
    void releasedReservationsFreeTheirStartsAtOnce() {
        assertThat(threePerSecond.reserve(5, 0)).isEqualTo(3);
        threePerSecond.release(2);

        assertThat(threePerSecond.free(1 * MS)).isEqualTo(2);
        threePerSecond.release(9);
        assertThat(threePerSecond.free(1 * MS)).isEqualTo(3);
    }

    @Test
    void aStartBeyondTheLimitAfterItChangedPushesTheOldestOut() {
        threePerSecond.take(3, 0);
        threePerSecond.started(10 * MS);

        assertThat(threePerSecond.free(20 * MS)).isZero();
        assertThat(threePerSecond.nanosUntilFree(20 * MS)).as("until the second start at 0").isEqualTo(980 * MS);
    }

    @Test
    void growsToALargeLimitAndKeepsTheOrderOfStarts() {
        StartWindow window = new StartWindow(new RateLimit(1000, Duration.ofSeconds(1)));
        for (int i = 0; i < 1000; i++) {
            assertThat(window.tryTake(i * MS)).isTrue();
        }

        assertThat(window.tryTake(999 * MS)).isFalse();
        assertThat(window.nanosUntilFree(999 * MS)).isEqualTo(1 * MS);
        assertThat(window.free(1500 * MS)).isEqualTo(501);
    }

    @Test
    void refusesLimitsItCannotKeep() {
        assertThatThrownBy(() -> new RateLimit(0, Duration.ofSeconds(1))).hasMessageContaining("NVENT-0240");
        assertThatThrownBy(() -> new RateLimit(RateLimit.MOST_STARTS + 1, Duration.ofSeconds(1)))
                .hasMessageContaining("NVENT-0240");
        assertThatThrownBy(() -> new RateLimit(1, Duration.ZERO)).hasMessageContaining("NVENT-0241");
        assertThatThrownBy(() -> new RateLimit(1, Duration.ofDays(2))).hasMessageContaining("NVENT-0241");
        assertThat(new RateLimit(100, Duration.ofMinutes(1))).hasToString("100 per 60000 ms");
    }
}
