package io.nvent.cdi.internal.schedule;

import io.nvent.InvalidTriggerException;
import jakarta.ejb.ScheduleExpression;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CronTest {

    private static final ZoneId UTC = ZoneId.of("UTC");

    @Test
    void fiveFieldExpressionsTickOnTheMinute() {
        Cron cron = Cron.parse("*/15 9-17 * * MON-FRI");

        assertThat(cron.nextTicks(Instant.parse("2026-11-27T16:50:10Z"), UTC, 3)).containsExactly(
                Instant.parse("2026-11-27T17:00:00Z"), Instant.parse("2026-11-27T17:15:00Z"),
                Instant.parse("2026-11-27T17:30:00Z"));
        assertThat(cron.nextAfter(Instant.parse("2026-11-27T17:50:00Z"), UTC))
                .as("Friday evening jumps to Monday").hasValue(Instant.parse("2026-11-30T09:00:00Z"));
    }

    @Test
    void sixFieldExpressionsTickOnSeconds() {
        Cron cron = Cron.parse("*/2 * * * * *");

        assertThat(cron.nextAfter(Instant.parse("2026-11-30T10:00:01.500Z"), UTC))
                .hasValue(Instant.parse("2026-11-30T10:00:02Z"));
        assertThat(cron.latestAtOrBefore(Instant.parse("2026-11-30T10:00:03.250Z"), UTC))
                .hasValue(Instant.parse("2026-11-30T10:00:02Z"));
    }

    @Test
    void everySecondTicksOnWholeSecondsWhateverTheFractionOfTheStart() {
        Cron cron = Cron.parse("* * * * * *");

        assertThat(cron.nextAfter(Instant.parse("2026-11-30T12:12:54.549820Z"), UTC))
                .hasValue(Instant.parse("2026-11-30T12:12:55Z"));
        assertThat(cron.nextTicks(Instant.parse("2026-11-30T12:12:54.999Z"), UTC, 2))
                .containsExactly(Instant.parse("2026-11-30T12:12:55Z"), Instant.parse("2026-11-30T12:12:56Z"));
        assertThat(cron.latestAtOrBefore(Instant.parse("2026-11-30T12:12:55.549820Z"), UTC))
                .hasValue(Instant.parse("2026-11-30T12:12:55Z"));
    }

    @Test
    void timeZonesShiftTheTicks() {
        Cron cron = Cron.parse("0 9 * * *");

        assertThat(cron.nextAfter(Instant.parse("2026-07-01T00:00:00Z"), ZoneId.of("Europe/Paris")))
                .hasValue(Instant.parse("2026-07-01T07:00:00Z"));
    }

    @Test
    void invalidExpressionsAreRejectedWithTheReason() {
        assertThatThrownBy(() -> Cron.parse("61 * * * *")).isInstanceOf(InvalidTriggerException.class)
                .hasMessageContaining("'61 * * * *' is invalid");
        assertThatThrownBy(() -> Cron.parse("* * *")).hasMessageContaining("has 3 fields");
        assertThatThrownBy(() -> Cron.parse("0 0 L * *")).hasMessageContaining("does not support");
    }

    @Test
    void expressionsConvertToEjbScheduleExpressionsAndReadableText() {
        ScheduleExpression expression = Cron.parse("30 */5 9-17 * * 1-5").toScheduleExpression(UTC);

        assertThat(expression.getSecond()).isEqualTo("30");
        assertThat(expression.getMinute()).isEqualTo("*/5");
        assertThat(expression.getHour()).isEqualTo("9-17");
        assertThat(expression.getDayOfWeek()).isEqualTo("1-5");
        assertThat(expression.getTimezone()).isEqualTo("UTC");
        assertThat(Cron.parse("*/5 * * * *").describe()).containsIgnoringCase("every 5 minutes");
    }
}
