package io.nvent.cdi.internal.engine;

import io.nvent.FlowStep;
import io.nvent.InvalidTriggerException;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerInfo;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Schedule triggers that tick at a fixed interval rather than on a cron expression. */
class IntervalTriggersTest {

    @FlowStep(flow = "poll", name = "poll", role = StepRole.ENTRY)
    @Trigger(name = "every-90-s", type = TriggerType.SCHEDULE, every = "PT90S")
    static class Poll implements Step<Map<String, Object>, Void> {
        final Queue<Instant> scheduledAt = new ConcurrentLinkedQueue<>();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            scheduledAt.add(Instant.parse((String) input.get("scheduledAt")));
            return null;
        }
    }

    private static List<String> runsOf(EngineHarness h) {
        return h.engine.runs(RunQuery.ofFlow("poll")).stream().map(r -> r.runId()).toList();
    }

    private static Instant at(String time) {
        return Instant.parse("2026-11-30T" + time + "Z");
    }

    @Test
    void aDeclaredIntervalIsArmedAndNextFiresOnTheIntervalsNextMultipleSinceTheEpoch() {
        try (EngineHarness h = new EngineHarness(new Poll())) {
            TriggerInfo info = h.triggers.trigger("every-90-s").orElseThrow();

            assertThat(info.spec().every()).hasValue(Duration.ofSeconds(90));
            assertThat(info.spec().cron()).isEmpty();
            assertThat(h.ticks.armed.get("every-90-s").expression()).as("as java.time writes it").isEqualTo("PT1M30S");
            assertThat(info.nextFireAt()).hasValue(at("10:01:30"));
            assertThat(h.triggers.history("every-90-s", 1).get(0).data()).contains("\"every\":\"PT1M30S\"");
        }
    }

    @Test
    void twoInstancesWhoseTimersExpireAtDifferentTimesStartTheFlowOncePerIntervalTick() {
        Poll onA = new Poll();
        Poll onB = new Poll();
        try (EngineHarness a = new EngineHarness(onA);
             EngineHarness b = new EngineHarness(a.store, a.scheduling, "instance-b", onB)) {
            b.clock.advance(Duration.ofSeconds(11));
            for (int expiration = 0; expiration < 15; expiration++) {
                a.clock.advance(Duration.ofSeconds(37));
                b.clock.advance(Duration.ofSeconds(37));
                a.ticks.fireDue();
                b.ticks.fireDue();
            }

            assertThat(runsOf(a)).hasSize(6);
            runsOf(a).forEach(run -> a.awaitStatus(run, RunStatus.COMPLETED));
            assertThat(List.of(onA.scheduledAt, onB.scheduledAt)).flatMap(ticks -> ticks)
                    .containsExactlyInAnyOrder(at("10:01:30"), at("10:03:00"), at("10:04:30"), at("10:06:00"),
                            at("10:07:30"), at("10:09:00"));
            assertThat(a.triggers.trigger("every-90-s").orElseThrow().fires()).isEqualTo(6);
        }
    }

    @Test
    void afterAnHourWithoutExpirationsOnlyTheLatestTenMissedTicksAreCaughtUp() {
        Poll poll = new Poll();
        try (EngineHarness h = new EngineHarness(poll)) {
            h.clock.advance(Duration.ofHours(1));

            h.ticks.fireDue();

            assertThat(runsOf(h)).as("40 ticks missed").hasSize(10);
            runsOf(h).forEach(run -> h.awaitStatus(run, RunStatus.COMPLETED));
            assertThat(poll.scheduledAt).hasSize(10).contains(at("10:46:30"), at("11:00:00"))
                    .allSatisfy(tick -> assertThat(tick).isBetween(at("10:46:30"), at("11:00:00")));
        }
    }

    @Test
    void aRuntimeTriggerCanTickEvery36HoursAndChangeToACronExpression() {
        try (EngineHarness h = new EngineHarness(new Poll())) {
            h.triggers.create(TriggerSpec.newBuilder("every-36-h", TriggerType.SCHEDULE).every(Duration.ofHours(36))
                    .flow("poll").build());
            assertThat(h.ticks.armed.get("every-36-h").describe()).isEqualTo("every 36 hours");
            assertThat(h.triggers.trigger("every-36-h").orElseThrow().nextFireAt())
                    .as("36 h multiples since the epoch: midnight and noon UTC on alternate days")
                    .hasValue(Instant.parse("2026-12-01T12:00:00Z"));

            h.triggers.update(h.triggers.trigger("every-36-h").orElseThrow().spec().toBuilder().every(null)
                    .cron("0 2 * * *").build());

            assertThat(h.ticks.armed.get("every-36-h").expression()).isEqualTo("0 2 * * *");
            assertThat(h.triggers.trigger("every-36-h").orElseThrow().spec().every()).isEmpty();
        }
    }

    @Test
    void aScheduleHasExactlyOneOfCronAndEveryAndEveryIsAWholeSecondAtLeast() {
        TriggerSpec.Builder schedule = TriggerSpec.newBuilder("poll", TriggerType.SCHEDULE).flow("poll");

        assertThatThrownBy(() -> schedule.build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schedule trigger 'poll' needs a cron expression or an interval (every)");
        assertThatThrownBy(() -> schedule.cron("* * * * *").every(Duration.ofMinutes(1)).build())
                .hasMessage("schedule trigger 'poll' needs either a cron expression or an interval (every), not both");
        assertThatThrownBy(() -> schedule.cron(null).every(Duration.ofMillis(500)).build())
                .hasMessage("the interval (every) of schedule trigger 'poll' is PT0.5S; it must be a whole number of "
                        + "seconds, at least PT1S and at most P366D");
        assertThatThrownBy(() -> schedule.every(Duration.ofDays(400)).build())
                .hasMessageStartingWith("the interval (every) of schedule trigger 'poll' is P400D;");
        assertThatThrownBy(() -> schedule.every(Duration.ofSeconds(1, 500_000_000)).build())
                .hasMessageContaining("whole number of seconds");
        assertThat(schedule.every(TriggerSpec.MIN_EVERY).build().every()).hasValue(Duration.ofSeconds(1));
        assertThatThrownBy(() -> TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).every(Duration.ofMinutes(1))
                .flow("poll").build())
                .hasMessage("trigger 'by-hand' is a manual trigger; an interval (every) belongs to schedule triggers only");
    }

    @Test
    void anIntervalTheTimerServiceRefusesIsRefusedNamingIt() {
        try (EngineHarness h = new EngineHarness(new Poll())) {
            h.ticks.refused.add("PT7S");

            assertThatThrownBy(() -> h.triggers.create(TriggerSpec.newBuilder("odd", TriggerType.SCHEDULE)
                    .every(Duration.ofSeconds(7)).flow("poll").build()))
                    .isInstanceOf(InvalidTriggerException.class)
                    .hasMessageContaining("NVENT-0153 schedule trigger 'odd' (every PT7S) cannot be armed");
            assertThat(h.triggers.trigger("odd")).isEmpty();
        }
    }
}
