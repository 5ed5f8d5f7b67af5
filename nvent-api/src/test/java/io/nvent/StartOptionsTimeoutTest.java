package io.nvent;

import io.nvent.spi.RunRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A start's timeout: positive, at most 366 days, whole milliseconds, absent unless given. */
class StartOptionsTimeoutTest {

    @Test
    void aStartHasNoTimeoutUnlessItGivesOne() {
        assertThat(StartOptions.DEFAULTS.timeout()).isEmpty();
        assertThat(StartOptions.newBuilder().timeout(Duration.ofHours(48)).build().timeout())
                .contains(Duration.ofHours(48));
        assertThat(StartOptions.newBuilder().timeout(StartOptions.LONGEST_RUN_TIMEOUT).build().timeout())
                .contains(Duration.ofDays(366));
    }

    @Test
    void aTimeoutThatIsNotPositiveOrLongerThan366DaysIsRefusedWhenGiven() {
        for (Duration refused : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), Duration.ofDays(367)}) {
            assertThatThrownBy(() -> StartOptions.newBuilder().timeout(refused)).as("%s", refused)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("NVENT-0290 a run timeout must be positive and at most 366 days")
                    .hasMessageEndingWith("was " + refused);
        }
    }

    @Test
    void aTimeoutFinerThanAMillisecondIsRefusedWhenGivenAsAStoreKeepsMillisecondsOnly() {
        Duration finer = Duration.ofMillis(1_000).plusNanos(500_000);

        assertThatThrownBy(() -> StartOptions.newBuilder().timeout(finer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0235 a run timeout is kept in whole milliseconds, was PT1.0005S; give it to the"
                        + " millisecond (Duration.truncatedTo(ChronoUnit.MILLIS))");
        assertThatThrownBy(() -> TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).runTimeout(finer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0235 the run timeout of trigger 'by-hand' is kept in whole milliseconds, was"
                        + " PT1.0005S; give it to the millisecond (Duration.truncatedTo(ChronoUnit.MILLIS))");
        assertThat(StartOptions.newBuilder().timeout(Duration.ofMillis(1_001)).build().timeout())
                .contains(Duration.ofMillis(1_001));
    }

    @Test
    void aRunRecordHasADeadlineExactlyWhenItHasATimeout() {
        RunRecord run = RunRecord.started("r", "f", "{}", Optional.empty(), Instant.EPOCH);

        assertThat(run.withTimeout(Duration.ofHours(1), Instant.EPOCH).deadline())
                .contains(Instant.EPOCH.plus(Duration.ofHours(1)));
        assertThat(run.toInfo().deadline()).isEmpty();
    }
}
