package io.nvent.cdi.internal.schedule;

import io.nvent.InvalidTriggerException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IntervalScheduleTest {

    @Test
    void ticksFallOnMultiplesOfTheIntervalSinceTheEpochWhenEverAsked() {
        IntervalSchedule every90s = IntervalSchedule.parse("PT90S");

        assertThat(every90s.nextTicks(Instant.parse("2026-11-30T10:00:10.250Z"), 3)).containsExactly(
                Instant.parse("2026-11-30T10:01:30Z"), Instant.parse("2026-11-30T10:03:00Z"),
                Instant.parse("2026-11-30T10:04:30Z"));
        assertThat(every90s.nextTicks(Instant.parse("2026-11-30T10:00:59Z"), 1))
                .as("asked at another time, the same instants").containsExactly(Instant.parse("2026-11-30T10:01:30Z"));
    }

    @Test
    void aTickIsTheLatestAtTheVeryInstantAndTheNextComesAFullIntervalLater() {
        IntervalSchedule every36h = new IntervalSchedule(Duration.ofHours(36));
        Instant tick = Instant.parse("2026-11-30T00:00:00Z");   // 20,787 days since the epoch: 13,858 × 36 h

        assertThat(every36h.latestAtOrBefore(tick)).hasValue(tick);
        assertThat(every36h.latestAtOrBefore(tick.minusNanos(1))).hasValue(tick.minus(Duration.ofHours(36)));
        assertThat(every36h.nextAfter(tick)).hasValue(Instant.parse("2026-12-01T12:00:00Z"));
    }

    @Test
    void anIntervalIsDescribedInItsLargestWholeUnit() {
        assertThat(IntervalSchedule.parse("PT90S").describe()).isEqualTo("every 90 seconds");
        assertThat(IntervalSchedule.parse("PT15M").describe()).isEqualTo("every 15 minutes");
        assertThat(IntervalSchedule.parse("PT36H").describe()).isEqualTo("every 36 hours");
        assertThat(IntervalSchedule.parse("P2D").describe()).isEqualTo("every 2 days");
        assertThat(IntervalSchedule.parse("PT1H").describe()).isEqualTo("every hour");
        assertThat(IntervalSchedule.parse("PT1S").expression()).isEqualTo("PT1S");
    }

    @Test
    void aTextThatIsNoDurationOrNoWholeSecondIsRefusedSayingWhy() {
        assertThatThrownBy(() -> IntervalSchedule.parse("90s")).isInstanceOf(InvalidTriggerException.class)
                .hasMessageContaining("interval '90s' is not an ISO-8601 duration such as PT90S");
        assertThatThrownBy(() -> IntervalSchedule.parse("PT0.500S")).isInstanceOf(InvalidTriggerException.class)
                .hasMessageEndingWith("interval 'PT0.500S': it must be a whole number of seconds, at least PT1S and "
                        + "at most P366D");
        assertThatThrownBy(() -> IntervalSchedule.parse("-PT10S")).as("named as written, not as PT-10S")
                .hasMessageEndingWith("interval '-PT10S': it must be a whole number of seconds, at least PT1S and "
                        + "at most P366D");
    }

    @Test
    void anIntervalThatWouldTickPastTheEndOfTimeIsRefused() {
        assertThatThrownBy(() -> new IntervalSchedule(Duration.ofDays(365L * 10_000_000_000L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most P366D");
        assertThat(new IntervalSchedule(Duration.ofDays(366)).nextAfter(Instant.parse("2026-11-30T10:00:00Z")))
                .isPresent();
    }

    @Test
    void anIntervalOfMoreThanAYearOrOneTooLargeToReadIsRefused() {
        assertThatThrownBy(() -> IntervalSchedule.parse("P367D"))
                .hasMessageContaining("interval 'P367D': it must be a whole number of seconds, at least PT1S and at "
                        + "most P366D");
        assertThatThrownBy(() -> IntervalSchedule.parse("PT99999999999999999H"))
                .hasMessageContaining("is not an ISO-8601 duration");
    }
}
