package io.nvent.cdi.internal.engine;

import io.nvent.Backfill;
import io.nvent.BackfillResult;
import io.nvent.InvalidTriggerException;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.TriggerNotFoundException;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link TriggerManager#backfill}: an operator fires the ticks of a schedule within a past range, each once across
 * instances and against the schedule itself, or again with refire.
 */
class BackfillTest {

    private static final String TRIGGER = "every-5-minutes";

    private final MissedTicksTest.Sync sync = new MissedTicksTest.Sync();
    /** Started at 10:00 with the schedule {@code *}{@code /5 * * * *}; the test moves the clock on. */
    private final EngineHarness h = new EngineHarness(sync);

    @AfterEach
    void stop() {
        h.close();
    }

    private static Instant at(String time) {
        return Instant.parse("2026-11-30T" + time + "Z");
    }

    /** Every five minutes from {@code first} to {@code last}, both included. */
    private static List<Instant> ticks(String first, String last) {
        return Stream.iterate(at(first), tick -> !tick.isAfter(at(last)), tick -> tick.plus(Duration.ofMinutes(5)))
                .toList();
    }

    private List<String> runs() {
        return h.engine.runs(new RunQuery(Optional.of("sync"), Optional.empty(), 0, 1000)).stream()
                .map(r -> r.runId()).toList();
    }

    /** The ticks the backfilled fires stood for, in the order they fired. */
    private List<Instant> backfilledTicks() {
        return FireAllMissedTicksTest.firedTicks(h, TRIGGER, "backfill");
    }

    private BackfillResult backfill(String from, String to) {
        return h.triggers.backfill(Backfill.of(TRIGGER, at(from), at(to)));
    }

    @Test
    void aRangeFiresEachOfItsTicksOnceTheOldestFirstEachAsItsTickAndSaysSoInOneLogLine() {
        h.clock.advance(Duration.ofHours(2));

        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class)) {
            BackfillResult result = backfill("10:00:00", "11:00:00");

            assertThat(result).isEqualTo(new BackfillResult(12, 12, 0, 0, 0, Optional.empty()));
            assertThat(log.messagesContaining("NVENT-0416")).containsExactly("NVENT-0416 trigger every-5-minutes"
                    + " backfilled 12 ticks in [2026-11-30T10:00:00Z, 2026-11-30T11:00:00Z): 12 fired, 0 had fired"
                    + " already, 0 in doubt");
        }
        List<Instant> hour = ticks("10:00:00", "10:55:00");
        assertThat(backfilledTicks()).as("the oldest first").isEqualTo(hour);
        runs().forEach(run -> h.awaitStatus(run, RunStatus.COMPLETED));
        assertThat(sync.scheduledAt).as("each run sees its own tick").containsExactlyInAnyOrderElementsOf(hour);
        assertThat(h.triggers.history(TRIGGER, 1).get(0).data())
                .contains("\"backfill\":{\"scheduledAt\":\"2026-11-30T10:55:00Z\"}").doesNotContain("\"missed\"");
        assertThat(h.triggers.trigger(TRIGGER).orElseThrow().fires()).isEqualTo(12);
    }

    @Test
    void aSecondBackfillOfTheSameRangeFiresNothing() {
        h.clock.advance(Duration.ofHours(2));
        backfill("10:00:00", "11:00:00");

        assertThat(backfill("10:00:00", "11:00:00")).isEqualTo(new BackfillResult(12, 0, 12, 0, 0, Optional.empty()));
        assertThat(runs()).hasSize(12);
    }

    @Test
    void theTicksTheScheduleFiredAreLeftAloneAndATickTheBackfillFiredTheScheduleDoesNotFire() {
        h.clock.advance(Duration.ofMinutes(10));
        h.ticks.fireDue();   // 10:05 and 10:10
        h.clock.advance(Duration.ofMinutes(5).plusSeconds(1));

        BackfillResult result = backfill("10:00:00", "10:15:01");
        h.ticks.fireDue();   // 10:15, which the backfill fired

        assertThat(result).as("10:00 and 10:15 fired, 10:05 and 10:10 had").isEqualTo(
                new BackfillResult(4, 2, 2, 0, 0, Optional.empty()));
        assertThat(backfilledTicks()).containsExactly(at("10:00:00"), at("10:15:00"));
        assertThat(runs()).as("one run per tick").hasSize(4);
    }

    @Test
    void aDisabledTriggerIsBackfilledAndStaysDisabled() {
        h.triggers.setEnabled(TRIGGER, false);
        h.clock.advance(Duration.ofHours(1));

        assertThat(backfill("10:20:00", "10:30:00").fired()).isEqualTo(2);
        assertThat(h.triggers.trigger(TRIGGER).orElseThrow().spec().enabled()).isFalse();
    }

    @Test
    void aRangeWithMoreTicksThanTheLimitGoesOnFromTheCursorTheResultGives() {
        h.clock.advance(Duration.ofHours(2));
        Backfill backfill = Backfill.of(TRIGGER, at("10:00:00"), at("11:00:00")).withLimit(5);
        List<BackfillResult> pages = new ArrayList<>();

        while (backfill != null) {
            BackfillResult page = h.triggers.backfill(backfill);
            pages.add(page);
            backfill = page.next().map(backfill::continuingFrom).orElse(null);
        }

        assertThat(pages).containsExactly(new BackfillResult(5, 5, 0, 0, 0, Optional.of(at("10:25:00"))),
                new BackfillResult(5, 5, 0, 0, 0, Optional.of(at("10:50:00"))),
                new BackfillResult(2, 2, 0, 0, 0, Optional.empty()));
        assertThat(backfilledTicks()).isEqualTo(ticks("10:00:00", "10:55:00"));
    }

    @Test
    void aRangeThatEndsAfterNowIsRefused() {
        h.clock.advance(Duration.ofMinutes(30));

        assertThatThrownBy(() -> backfill("10:00:00", "10:30:01")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0414 a backfill of trigger 'every-5-minutes' fires past ticks: to"
                        + " (2026-11-30T10:30:01Z) is after now (2026-11-30T10:30:00Z); the schedule fires the later ones");
        assertThat(runs()).isEmpty();
    }

    @Test
    void aRangeOlderThanTheTickClaimsKeptIsRefusedUnlessItRefiresAndARefireFiresTicksThatFiredAgain() {
        h.clock.advance(Duration.ofDays(1).plusMinutes(5));   // claims are kept a day: 10:00 is beyond them
        BackfillResult first = backfill("10:20:00", "10:30:00");

        assertThatThrownBy(() -> backfill("10:00:00", "10:30:00")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NVENT-0415 cannot backfill trigger 'every-5-minutes' from 2026-11-30T10:00:00Z: tick claims"
                        + " are kept for PT24H on every instance (a day, or the longest misfire grace of a trigger), so"
                        + " whether its ticks before 2026-11-30T10:15:00Z fired cannot be told; begin at or after"
                        + " 2026-11-30T10:15:00Z, or refire (refire=true) to fire every tick of the range whether it"
                        + " fired before or not");
        BackfillResult refired = h.triggers.backfill(Backfill.of(TRIGGER, at("10:00:00"), at("10:30:00")).refiring());

        assertThat(first.fired()).isEqualTo(2);
        assertThat(refired).as("10:20 and 10:25 again").isEqualTo(new BackfillResult(6, 6, 0, 0, 0, Optional.empty()));
        assertThat(runs()).hasSize(8);
    }

    @Test
    void aLongerMisfireGraceOfTheDeploymentDoesNotWidenTheRangeAsAnotherInstanceMayKeepClaimsADayOnly() {
        try (EngineHarness graceOf72Hours = EngineHarness.withMisfires(
                new TriggerMisfires(io.nvent.Misfire.FIRE_ONCE, Duration.ofHours(72)), sync)) {
            graceOf72Hours.clock.advance(Duration.ofHours(60));

            assertThatThrownBy(() -> graceOf72Hours.triggers.backfill(Backfill.of(TRIGGER, at("10:00:00"),
                    at("10:30:00")))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("NVENT-0415 cannot backfill trigger 'every-5-minutes' from"
                            + " 2026-11-30T10:00:00Z: tick claims are kept for PT24H on every instance");
        }
    }

    @Test
    void onlyAScheduleIsBackfilledAndAnUnknownTriggerIsNotFound() {
        h.triggers.create(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("sync").build());
        h.clock.advance(Duration.ofHours(1));

        assertThatThrownBy(() -> h.triggers.backfill(Backfill.of("by-hand", at("10:00:00"), at("10:30:00"))))
                .isInstanceOf(InvalidTriggerException.class)
                .hasMessage("NVENT-0210 trigger 'by-hand' is a manual trigger; only a schedule has ticks to backfill");
        assertThatThrownBy(() -> h.triggers.backfill(Backfill.of("nope", at("10:00:00"), at("10:30:00"))))
                .isInstanceOf(TriggerNotFoundException.class);
    }
}
