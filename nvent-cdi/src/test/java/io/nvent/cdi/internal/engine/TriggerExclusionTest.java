package io.nvent.cdi.internal.engine;

import io.nvent.Backfill;
import io.nvent.ExclusionCalendar;
import io.nvent.FlowStep;
import io.nvent.InvalidTriggerException;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A schedule's exclusions: an excluded tick starts nothing and is recorded as skipped, the next one fires, and the
 * trigger's next fire passes over the excluded ones. Ticks are handed to the trigger as its timer would.
 */
class TriggerExclusionTest {

    private static final ZoneId LONDON = ZoneId.of("Europe/London");
    /** Tuesday 1 December 2026, 06:00 in London (UTC in winter). */
    private static final Instant TUESDAY_SIX = Instant.parse("2026-12-01T06:00:00Z");
    private static final Instant WEDNESDAY_SIX = Instant.parse("2026-12-02T06:00:00Z");

    @FlowStep(flow = "payroll", name = "pay", role = StepRole.ENTRY)
    public static class Pay implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return (String) input.get("scheduledAt");
        }
    }

    /** Bank holidays from a table, as a team's calendar would read them. */
    static final class BankHolidays implements ExclusionCalendar {
        volatile Set<LocalDate> holidays = Set.of(LocalDate.of(2026, 12, 1));
        volatile boolean failing;

        @Override
        public String name() {
            return "uk-bank-holidays";
        }

        @Override
        public boolean excludes(ZonedDateTime tick) {
            if (failing) {
                throw new IllegalStateException("the holiday table is away");
            }
            return holidays.contains(tick.toLocalDate());
        }
    }

    private static TriggerSpec.Builder payroll(String... exclude) {
        return TriggerSpec.newBuilder("payroll", TriggerType.SCHEDULE).flow("payroll").cron("0 6 * * MON-FRI")
                .timezone(LONDON).exclude(exclude);
    }

    private static List<RunInfo> fireTick(EngineHarness h, Instant tick) {
        Set<String> before = Set.copyOf(runs(h).stream().map(RunInfo::runId).toList());
        h.triggers.onTick("payroll", tick);
        return runs(h).stream().filter(run -> !before.contains(run.runId())).toList();
    }

    private static List<RunInfo> runs(EngineHarness h) {
        return h.engine.runs(new RunQuery(Optional.of("payroll"), Optional.empty(), 0, 100));
    }

    private static List<TriggerEvent> entries(EngineHarness h, String type) {
        return h.triggers.history("payroll", 100).stream().filter(e -> e.type().equals(type)).toList();
    }

    @Test
    void anExcludedTickStartsNothingAndIsRecordedAsSkippedWhileTheNextTickStartsItsRun() {
        try (EngineHarness h = new EngineHarness(new Pay())) {
            h.triggers.create(payroll("2026-12-01", "--12-25").build());

            assertThat(h.triggers.trigger("payroll").orElseThrow().nextFireAt()).as("Tuesday passed over")
                    .contains(WEDNESDAY_SIX);
            assertThat(fireTick(h, TUESDAY_SIX)).isEmpty();
            assertThat(entries(h, "trigger.skipped")).singleElement().extracting(TriggerEvent::data)
                    .isEqualTo("{\"reason\":\"excluded\",\"rule\":\"2026-12-01\",\"scheduledAt\":\"" + TUESDAY_SIX
                            + "\",\"timezone\":\"Europe/London\"}");
            assertThat(h.triggers.trigger("payroll").orElseThrow().fires()).as("no fire").isZero();

            assertThat(fireTick(h, WEDNESDAY_SIX)).hasSize(1);
            assertThat(h.triggers.trigger("payroll").orElseThrow().fires()).isEqualTo(1);
            assertThat(fireTick(h, Instant.parse("2026-12-25T06:00:00Z"))).as("Christmas, every year").isEmpty();
        }
    }

    /** Whether the tick starts a run of a fresh trigger "payroll" built by {@code spec}. */
    private static boolean fires(TriggerSpec.Builder spec, String tick) {
        try (EngineHarness h = new EngineHarness(new Pay())) {
            h.triggers.create(spec.build());
            return !fireTick(h, Instant.parse(tick)).isEmpty();
        }
    }

    @Test
    void rulesAreMatchedOnTheTicksLocalDateInTheTriggersZoneFarFromUtcAcrossAYearEndAndOnTheTwentyNinthOfFebruary() {
        TriggerSpec.Builder auckland = TriggerSpec.newBuilder("payroll", TriggerType.SCHEDULE).flow("payroll")
                .every(Duration.ofHours(1)).timezone(ZoneId.of("Pacific/Auckland")).exclude("2026-12-25");
        assertThat(fires(auckland, "2026-12-24T11:00:00Z")).as("00:00 on the 25th in Auckland").isFalse();
        assertThat(fires(auckland, "2026-12-25T10:00:00Z")).as("23:00 on the 25th in Auckland").isFalse();
        assertThat(fires(auckland, "2026-12-25T11:00:00Z")).as("00:00 on the 26th in Auckland").isTrue();
        assertThat(fires(auckland, "2026-12-24T10:00:00Z")).as("23:00 on the 24th in Auckland").isTrue();

        TriggerSpec.Builder losAngeles = TriggerSpec.newBuilder("payroll", TriggerType.SCHEDULE).flow("payroll")
                .cron("0 23 * * *").timezone(ZoneId.of("America/Los_Angeles")).exclude("2026-12-31/2027-01-01");
        assertThat(fires(losAngeles, "2026-12-31T07:00:00Z")).as("23:00 on 30 December").isTrue();
        assertThat(fires(losAngeles, "2027-01-01T07:00:00Z")).as("23:00 on 31 December").isFalse();
        assertThat(fires(losAngeles, "2027-01-02T07:00:00Z")).as("23:00 on 1 January").isFalse();
        assertThat(fires(losAngeles, "2027-01-03T07:00:00Z")).as("23:00 on 2 January").isTrue();

        TriggerSpec.Builder leapDay = payroll("--02-29").cron("0 6 * * *");
        assertThat(fires(leapDay, "2028-02-29T06:00:00Z")).isFalse();
        assertThat(fires(leapDay, "2027-02-28T06:00:00Z")).isTrue();
        assertThat(fires(leapDay, "2027-03-01T06:00:00Z")).isTrue();
    }

    @Test
    void aCronRuleExcludesTheMinutesItMatches() {
        try (EngineHarness h = new EngineHarness(new Pay())) {
            h.triggers.create(TriggerSpec.newBuilder("payroll", TriggerType.SCHEDULE).flow("payroll")
                    .every(Duration.ofMinutes(5)).exclude("cron:* 10 * * *").build());

            assertThat(fireTick(h, Instant.parse("2026-11-30T10:05:00Z"))).isEmpty();
            assertThat(fireTick(h, Instant.parse("2026-11-30T11:00:00Z"))).hasSize(1);
            assertThat(h.triggers.trigger("payroll").orElseThrow().nextFireAt())
                    .contains(Instant.parse("2026-11-30T11:00:00Z"));
        }
    }

    @Test
    void theNextFireIsNoneWhenTheNextThousandTicksAreAllExcluded() {
        try (EngineHarness h = new EngineHarness(new Pay())) {
            h.triggers.create(TriggerSpec.newBuilder("payroll", TriggerType.SCHEDULE).flow("payroll")
                    .every(Duration.ofMinutes(1)).exclude("2026-11-30/2026-12-31").build());

            assertThat(h.triggers.trigger("payroll").orElseThrow().nextFireAt()).isEmpty();
        }
    }

    @Test
    void aBackfillSkipsTheExcludedTicksOfItsRange() {
        try (EngineHarness h = new EngineHarness(new Pay())) {
            h.triggers.create(payroll("2026-12-01").build());
            h.clock.advanceTo(Instant.parse("2026-12-03T00:00:00Z"));

            h.triggers.backfill(Backfill.of("payroll", Instant.parse("2026-11-30T12:00:00Z"),
                    Instant.parse("2026-12-03T00:00:00Z")).refiring());

            assertThat(entries(h, "trigger.fired")).singleElement().extracting(TriggerEvent::data).asString()
                    .contains("\"backfill\":{\"scheduledAt\":\"" + WEDNESDAY_SIX + "\"}");
            assertThat(entries(h, "trigger.skipped")).singleElement().extracting(TriggerEvent::data).asString()
                    .contains("\"rule\":\"2026-12-01\"").contains("\"backfill\"");
        }
    }

    @Test
    void ticksMissedWhileNoInstanceRanAreSkippedWhereExcludedAndFireOnceFiresTheLatestNotExcluded() {
        EngineHarness before = new EngineHarness(new Pay());
        before.triggers.create(TriggerSpec.newBuilder("payroll", TriggerType.SCHEDULE).flow("payroll")
                .every(Duration.ofMinutes(5)).misfire(io.nvent.Misfire.FIRE_ALL).exclude("cron:* 10 * * *").build());
        before.triggers.create(TriggerSpec.newBuilder("payroll-once", TriggerType.SCHEDULE).flow("payroll")
                .every(Duration.ofMinutes(5)).misfire(io.nvent.Misfire.FIRE_ONCE).exclude("cron:0 11 * * *").build());
        before.close();
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(Instant.parse("2026-11-30T11:01:00Z"), before,
                     "instance-a", TriggerMisfires.DEFAULTS, new Pay())) {
            assertThat(runs(after)).as("fire-all: 10:05 to 10:55 excluded, 11:00 fired late; fire-once: 11:00"
                    + " excluded, 10:55 fired late instead").hasSize(2);
            assertThat(entries(after, "trigger.skipped")).hasSize(11)
                    .allSatisfy(entry -> assertThat(entry.data()).contains("\"rule\":\"cron:* 10 * * *\"",
                            "\"missed\""));
            List<TriggerEvent> once = after.triggers.history("payroll-once", 100);
            assertThat(once).filteredOn(entry -> entry.type().equals("trigger.skipped")).singleElement()
                    .extracting(TriggerEvent::data).asString().contains("\"rule\":\"cron:0 11 * * *\"",
                            "\"scheduledAt\":\"2026-11-30T11:00:00Z\"");
            assertThat(log.messagesContaining("NVENT-0133 trigger payroll ")).singleElement().asString()
                    .contains("1 of them fired late").contains("11 of them are excluded by the trigger's exclusion"
                            + " rules and skipped").doesNotContain("another instance");
            assertThat(log.messagesContaining("NVENT-0133 trigger payroll-once")).singleElement().asString()
                    .startsWith("NVENT-0133 trigger payroll-once missed its tick 2026-11-30T11:00:00Z")
                    .contains(": its exclusion rule cron:0 11 * * * excludes it, so the latest missed tick it does"
                            + " not exclude, 2026-11-30T10:55:00Z, fired late");
            assertThat(once).filteredOn(entry -> entry.type().equals("trigger.fired")).singleElement()
                    .extracting(TriggerEvent::data).asString()
                    .contains("\"missed\":{\"scheduledAt\":\"2026-11-30T10:55:00Z\"");
            assertThat(log.messagesContaining("NVENT-0134")).isEmpty();
        }
    }

    @Test
    void excludedTicksRecordedWhileAnInstanceRanAreNoMissedTicksAtTheNextStart() {
        EngineHarness before = new EngineHarness(new Pay());
        before.triggers.create(TriggerSpec.newBuilder("payroll", TriggerType.SCHEDULE).flow("payroll")
                .every(Duration.ofMinutes(5)).misfire(io.nvent.Misfire.FIRE_ALL).exclude("cron:* 10 * * *").build());
        for (int minute = 5; minute <= 30; minute += 5) {
            Instant tick = Instant.parse("2026-11-30T10:00:00Z").plus(Duration.ofMinutes(minute));
            before.clock.advanceTo(tick);
            before.triggers.onTick("payroll", tick);
        }
        assertThat(entries(before, "trigger.skipped")).as("10:05 to 10:30, each while the instance ran").hasSize(6);
        before.close();
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness after = EngineHarness.startingAt(Instant.parse("2026-11-30T10:32:00Z"), before,
                     "instance-a", TriggerMisfires.DEFAULTS, new Pay())) {
            assertThat(log.messagesContaining("missed its tick")).isEmpty();
            assertThat(entries(after, "trigger.skipped")).hasSize(6);
            assertThat(runs(after)).isEmpty();
        }
    }

    @Test
    void aRestartMoreThanADayAfterAnExcludedTickWhoseClaimTheSweepForgotRecordsItsSkipOnce() {
        EngineHarness before = new EngineHarness(new Pay());
        before.triggers.create(payroll("2026-12-01").misfire(io.nvent.Misfire.FIRE_ALL)
                .misfireGrace(Duration.ofDays(3)).build());
        before.clock.advanceTo(TUESDAY_SIX);
        assertThat(fireTick(before, TUESDAY_SIX)).isEmpty();
        before.close();
        // A sweep that keeps claims a day (an instance whose deployment's grace is the default) forgets Tuesday's.
        assertThat(before.scheduling.purgeTickClaims(TUESDAY_SIX.plus(Duration.ofHours(25)))).isEqualTo(1);

        try (EngineHarness after = EngineHarness.startingAt(WEDNESDAY_SIX.plus(Duration.ofHours(2)), before,
                "instance-a", TriggerMisfires.DEFAULTS, new Pay())) {
            assertThat(entries(after, "trigger.skipped")).as("Tuesday's, once").singleElement()
                    .extracting(TriggerEvent::data).asString().contains("\"scheduledAt\":\"" + TUESDAY_SIX + "\"");
            assertThat(runs(after)).as("Wednesday's missed tick, within the grace, fired late").hasSize(1);
        }
    }

    @Test
    void aNamedCalendarExcludesTheDaysItSaysAndAnUnknownOneIsRefusedNamingTheKnownOnes() {
        BankHolidays holidays = new BankHolidays();
        try (EngineHarness h = new EngineHarness(new Pay())) {
            h.triggers.useExclusionCalendars(List.of(holidays));
            assertThatThrownBy(() -> h.triggers.create(payroll("calendar:us-holidays").build()))
                    .isInstanceOf(InvalidTriggerException.class)
                    .hasMessageContaining("NVENT-0419 trigger 'payroll' excludes the ticks of calendar:us-holidays,"
                            + " but no ExclusionCalendar is named 'us-holidays' (known: uk-bank-holidays)");
            h.triggers.create(payroll("calendar:uk-bank-holidays").build());

            assertThat(fireTick(h, TUESDAY_SIX)).isEmpty();
            assertThat(entries(h, "trigger.skipped")).singleElement().extracting(TriggerEvent::data).asString()
                    .contains("\"rule\":\"calendar:uk-bank-holidays\"");
            holidays.holidays = Set.of();
            assertThat(h.triggers.trigger("payroll").orElseThrow().nextFireAt()).as("asked, not cached")
                    .contains(Instant.parse("2026-11-30T06:00:00Z").plus(Duration.ofDays(1)));
        }
    }

    @Test
    void twoCalendarsOfOneNameOrACalendarNoRuleCanNameFailTheStart() {
        try (EngineHarness h = new EngineHarness(new Pay())) {
            assertThatThrownBy(() -> h.triggers.useExclusionCalendars(List.of(new BankHolidays(), new BankHolidays())))
                    .hasMessageStartingWith("NVENT-0419 exclusion calendars " + BankHolidays.class.getName() + " and "
                            + BankHolidays.class.getName() + " both name themselves 'uk-bank-holidays'");
            ExclusionCalendar unnamed = new ExclusionCalendar() {
                @Override
                public String name() {
                    return "uk bank holidays";
                }

                @Override
                public boolean excludes(ZonedDateTime tick) {
                    return false;
                }
            };
            assertThatThrownBy(() -> h.triggers.useExclusionCalendars(List.of(unnamed)))
                    .hasMessageContaining("names itself 'uk bank holidays', which no trigger can give after calendar:");
        }
    }

    @Test
    void aCalendarThatThrowsLetsTheTickFireAndIsWarnedOf() {
        BankHolidays holidays = new BankHolidays();
        holidays.failing = true;
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerExclusions.class);
             EngineHarness h = new EngineHarness(new Pay())) {
            h.triggers.useExclusionCalendars(List.of(holidays));
            h.triggers.create(payroll("calendar:uk-bank-holidays").build());

            assertThat(fireTick(h, TUESDAY_SIX)).hasSize(1);
            assertThat(log.messagesContaining("NVENT-0418")).first().asString()
                    .startsWith("NVENT-0418 trigger payroll fires its ticks as if not excluded: calendar:uk-bank-holidays"
                            + " (" + BankHolidays.class.getName() + ") failed: java.lang.IllegalStateException: the"
                            + " holiday table is away");
        }
    }

    @Test
    void aTriggerWhoseCalendarIsGoneShowsItsNextFireAsIfNotExcludedWithoutWarningAndWarnsAsATickFires() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerExclusions.class);
             EngineHarness h = new EngineHarness(new Pay())) {
            h.triggers.useExclusionCalendars(List.of(new BankHolidays()));
            h.triggers.create(payroll("calendar:uk-bank-holidays").build());
            h.triggers.useExclusionCalendars(List.of());   // a redeploy without the calendar's bean

            assertThat(h.triggers.trigger("payroll").orElseThrow().nextFireAt()).as("as if not excluded")
                    .contains(TUESDAY_SIX);
            assertThat(h.triggers.triggers()).isNotEmpty();
            assertThat(log.messagesContaining("NVENT-0418")).as("a read is no tick").isEmpty();

            assertThat(fireTick(h, TUESDAY_SIX)).hasSize(1);
            assertThat(log.messagesContaining("NVENT-0418")).singleElement().asString()
                    .startsWith("NVENT-0418 trigger payroll fires its ticks as if not excluded: calendar:uk-bank-holidays"
                            + " is no ExclusionCalendar of this deployment");
        }
    }

    @Test
    void aTriggerWhoseCalendarIsGoneNamesItAsUnknownInItsInfoAndTheListUntilTheCalendarIsBack() {
        try (EngineHarness h = new EngineHarness(new Pay())) {
            h.triggers.useExclusionCalendars(List.of(new BankHolidays()));
            h.triggers.create(payroll("2026-12-25", "calendar:uk-bank-holidays").build());
            assertThat(h.triggers.trigger("payroll").orElseThrow().unknownCalendars()).as("deployed").isEmpty();

            h.triggers.useExclusionCalendars(List.of());   // a redeploy without the calendar's bean

            assertThat(h.triggers.trigger("payroll").orElseThrow().unknownCalendars())
                    .containsExactly("uk-bank-holidays");
            assertThat(h.triggers.triggers()).singleElement()
                    .satisfies(info -> assertThat(info.unknownCalendars()).containsExactly("uk-bank-holidays"));
            h.triggers.useExclusionCalendars(List.of(new BankHolidays()));
            assertThat(h.triggers.trigger("payroll").orElseThrow().unknownCalendars()).as("back").isEmpty();
        }
    }

    @Test
    void aStoreThatKeepsNoExclusionsRefusesATriggerWithThem() {
        MemorySchedulingStore forgetful = new MemorySchedulingStore() {
            @Override
            public boolean keepsTriggerExclusions() {
                return false;
            }
        };
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), forgetful, "instance-a", new Pay())) {
            assertThatThrownBy(() -> h.triggers.create(payroll("--12-25").build()))
                    .isInstanceOf(UnsupportedByAdapterException.class)
                    .hasMessageStartingWith("NVENT-0427 trigger 'payroll' has exclusions [--12-25], but scheduling"
                            + " store");
            h.triggers.create(payroll().build());
        }
    }

    @Test
    void aStoreThatKeepsNoExclusionsRefusesThePreviewOfAScheduleWithThemAsItsCreate() {
        MemorySchedulingStore forgetful = new MemorySchedulingStore() {
            @Override
            public boolean keepsTriggerExclusions() {
                return false;
            }
        };
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), forgetful, "instance-a", new Pay())) {
            Instant after = Instant.parse("2026-12-20T00:00:00Z");
            assertThatThrownBy(() -> h.triggers.nextTicksOf(payroll("--12-25").build(), after, 10))
                    .isInstanceOf(UnsupportedByAdapterException.class)
                    .hasMessageStartingWith("NVENT-0427 the schedule being previewed has exclusions [--12-25], but"
                            + " scheduling store");
            assertThat(h.triggers.nextTicksOf(payroll().build(), after, 3)).as("without exclusions").hasSize(3);
        }
    }

    @Test
    void aCronRuleThatNeverMatchesIsRefused() {
        try (EngineHarness h = new EngineHarness(new Pay())) {
            assertThatThrownBy(() -> h.triggers.create(payroll("cron:0 0 30 2 *").build()))
                    .isInstanceOf(InvalidTriggerException.class)
                    .hasMessageContaining("NVENT-0236 trigger 'payroll' has exclusion rule \"cron:0 0 30 2 *\": cron"
                            + " '0 0 30 2 *'");
        }
    }

    @Test
    void aScheduleNotSavedIsPreviewedWithTheTicksItsRulesExcludeMarkedAndItsRulesRefusedAsACreateRefusesThemNamingTheScheduleBeingPreviewed() {
        try (EngineHarness h = new EngineHarness(new Pay())) {
            h.triggers.useExclusionCalendars(List.of(new BankHolidays()));

            assertThat(h.triggers.nextTicksOf(payroll("2026-12-02", "calendar:uk-bank-holidays").build(),
                    Instant.parse("2026-11-30T07:00:00Z"), 3)).containsExactly(
                    new io.nvent.ScheduledTick(TUESDAY_SIX, Optional.of("calendar:uk-bank-holidays")),
                    new io.nvent.ScheduledTick(WEDNESDAY_SIX, Optional.of("2026-12-02")),
                    new io.nvent.ScheduledTick(Instant.parse("2026-12-03T06:00:00Z"), Optional.empty()));
            assertThat(h.triggers.triggers()).as("nothing saved").isEmpty();
            for (TriggerSpec refused : List.of(payroll("calendar:us-holidays").build(),
                    payroll("cron:0 0 30 2 *").build())) {
                Throwable byCreate = org.assertj.core.api.Assertions.catchThrowable(() -> h.triggers.create(refused));
                assertThatThrownBy(() -> h.triggers.nextTicksOf(refused, TUESDAY_SIX, 3))
                        .isInstanceOf(InvalidTriggerException.class).as("not saved: it has no name yet")
                        .hasMessage(byCreate.getMessage().replace("trigger 'payroll'", "the schedule being previewed"))
                        .hasMessageContaining(refused.exclude().get(0));
            }
            assertThatThrownBy(() -> h.triggers.nextTicksOf(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL)
                    .flow("payroll").build(), TUESDAY_SIX, 3))
                    .hasMessage("NVENT-0210 trigger 'by-hand' is a manual trigger; only a schedule has ticks");
        }
    }
}
