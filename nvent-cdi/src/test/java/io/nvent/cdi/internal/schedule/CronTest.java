package io.nvent.cdi.internal.schedule;

import io.nvent.InvalidTriggerException;
import jakarta.ejb.ScheduleExpression;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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
    void aCronHasNoNextTickOnlyWhenItsLastTickBeforeTheEndOfTheDatesIsPast() {
        // The 29th of February: the last leap day a date holds is in 999,999,996; the next would be in 1,000,000,000.
        Cron leapDay = Cron.parse("0 0 29 2 *");

        assertThat(leapDay.nextAfter(Instant.parse("+999999996-03-01T00:00:00Z"), UTC)).isEmpty();
        assertThat(leapDay.nextAfter(Instant.parse("+999999996-01-01T00:00:00Z"), UTC))
                .hasValue(Instant.parse("+999999996-02-29T00:00:00Z"));
        assertThat(Cron.parse("0 6 * * *").nextAfter(Instant.parse("+1000000000-06-01T00:00:00Z"), UTC))
                .as("after a later instant than any date").isEmpty();
    }

    @Test
    void aTickThatCannotBeComputedForAnotherReasonIsAnErrorNotNoNextTick() {
        // Before the first date a zone holds: the schedule has ticks after it, which no date can name. An empty
        // answer here would say the schedule never ticks again.
        assertThatThrownBy(() -> Cron.parse("0 6 * * *").nextAfter(Instant.parse("-1000000000-06-01T00:00:00Z"), UTC))
                .isInstanceOf(java.time.DateTimeException.class);
    }

    @Test
    void invalidExpressionsAreRejectedWithTheReason() {
        assertThatThrownBy(() -> Cron.parse("61 * * * *")).isInstanceOf(InvalidTriggerException.class)
                .hasMessageContaining("'61 * * * *' is invalid");
        assertThatThrownBy(() -> Cron.parse("* * *")).hasMessageContaining("has 3 fields");
        assertThatThrownBy(() -> Cron.parse("0 0 L * *")).hasMessageContaining("does not support");
        assertThatThrownBy(() -> Cron.parse("1,2,,3 * * * *")).hasMessageContaining("field '1,2,,3' has an empty item");
        assertThatThrownBy(() -> Cron.parse("*/0 * * * *")).hasMessageContaining("field '*/0' has a step of 0");
        assertThat(Cron.parse("*/10 * * * *").expression()).as("a step ending in 0 is fine").isEqualTo("*/10 * * * *");
    }

    @Test
    void aListOfThousandsOfItemsIsRefusedForItsLengthWithoutEchoingIt() {
        String long6000 = "1,".repeat(3000) + "1 * * * *";

        assertThatThrownBy(() -> Cron.parse(long6000)).isInstanceOf(InvalidTriggerException.class)
                .hasMessage("NVENT-0210 cron expression '1,1,1,1,1,1,1,1,1,1,…' has " + long6000.length()
                        + " characters; at most 255 are taken");
        String longest = "1," .repeat(121) + "1 * * * *";
        assertThat(longest).hasSize(251);
        assertThat(Cron.parse(longest).expression()).isEqualTo(longest);
    }

    @Test
    void aStepOfZeroIsFoundInAnyItemOfALongListWithoutOverflowingTheStack() {
        String items = "1,".repeat(100);

        assertThatThrownBy(() -> Cron.parse(items + "*/00 * * * *")).hasMessageContaining("has a step of 0");
        assertThatThrownBy(() -> Cron.parse("1/0," + items + "2 * * * *")).hasMessageContaining("has a step of 0");
        assertThat(Cron.parse("1-5/2,10/20 * * * *").expression()).isEqualTo("1-5/2,10/20 * * * *");
        // The check alone, on a list far longer than the length rule lets reach it: it goes item by item.
        assertThat(Cron.hasStepOfZero("1,".repeat(10_000) + "1")).isFalse();
        assertThat(Cron.hasStepOfZero("1,".repeat(10_000) + "*/0")).isTrue();
    }

    @Test
    void expressionsConvertToEjbScheduleExpressionsAndReadableText() {
        ScheduleExpression expression = Cron.parse("30 */5 9-17 * * 1-5").toScheduleExpression(UTC);

        assertThat(expression.getSecond()).isEqualTo("30");
        assertThat(expression.getMinute()).isEqualTo("0,5,10,15,20,25,30,35,40,45,50,55");
        assertThat(expression.getHour()).isEqualTo("9-17");
        assertThat(expression.getDayOfWeek()).isEqualTo("1-5");
        assertThat(expression.getTimezone()).isEqualTo("UTC");
        assertThat(Cron.parse("*/5 * * * *").describe()).containsIgnoringCase("every 5 minutes");
    }

    /** What the EJB syntax reads: *, values, ranges, and lists of values and ranges; steps only alone in second, minute, hour. */
    private static final String EJB_FIELD = "\\*|\\d+(-\\d+)?(,\\d+(-\\d+)?)*";

    @ParameterizedTest
    @ValueSource(strings = {"1-59/2 * * * *", "*/5,*/7 * * * *", "0 0 1-31/2 * *", "0 0 * JAN-DEC/2 *",
            "0,30 9-17/2 * * *", "10-40/10 * * * * *", "0 9 * * MON-FRI/2", "0 0 * * SUN,7"})
    void stepsRangesAndNamesBecomeListsTheEjbTimerServiceReads(String cron) {
        ScheduleExpression expression = Cron.parse(cron).toScheduleExpression(UTC);

        assertThat(List.of(expression.getSecond(), expression.getMinute(), expression.getHour(),
                expression.getDayOfMonth(), expression.getMonth(), expression.getDayOfWeek()))
                .allSatisfy(field -> assertThat(field).matches(EJB_FIELD));
    }

    @Test
    void descriptionsNameDaysAndMonthsTheWayPeopleSayThem() {
        assertThat(Cron.parse("0 0 29 2 *").describe()).isEqualTo("at 00:00 on day 29 in February");
        assertThat(Cron.parse("15 10 1,15 * *").describe()).isEqualTo("at 10:15 on days 1 and 15");
        assertThat(Cron.parse("0 12 * * 0").describe()).isEqualTo("at 12:00 on Sunday");
        assertThat(Cron.parse("0 9 * * MON-FRI").describe()).isEqualTo("at 09:00 every day between Monday and Friday");
    }

    @Test
    void writtenOutFieldsHoldExactlyTheValuesOfTheCronField() {
        ScheduleExpression expression = Cron.parse("1-59/20 20-23/2 1-31/10 JAN-DEC/4 MON,FRI-SAT").toScheduleExpression(UTC);

        assertThat(expression.getMinute()).isEqualTo("1,21,41");
        assertThat(expression.getHour()).isEqualTo("20,22");
        assertThat(expression.getDayOfMonth()).isEqualTo("1,11,21,31");
        assertThat(expression.getMonth()).isEqualTo("1,5,9");
        assertThat(expression.getDayOfWeek()).isEqualTo("1,5,6");
    }

    @Test
    void offsetZonesReachTheEjbTimerServiceAsGmtOffsetsItKnows() {
        Cron cron = Cron.parse("0 7 * * *");

        assertThat(cron.toScheduleExpression(ZoneId.of("+01:00")).getTimezone()).isEqualTo("GMT+01:00");
        assertThat(cron.toScheduleExpression(ZoneId.of("UTC+01:00")).getTimezone()).isEqualTo("GMT+01:00");
        assertThat(cron.toScheduleExpression(ZoneId.of("Etc/GMT-1")).getTimezone()).isEqualTo("GMT+01:00");
        assertThat(cron.toScheduleExpression(ZoneId.of("Z")).getTimezone()).isEqualTo("UTC");
        assertThat(cron.toScheduleExpression(ZoneId.of("Europe/Paris")).getTimezone()).isEqualTo("Europe/Paris");
        assertThat(java.util.TimeZone.getTimeZone(cron.toScheduleExpression(ZoneId.of("-05:30")).getTimezone())
                .getRawOffset()).isEqualTo(-(5 * 60 + 30) * 60_000);
    }
}
