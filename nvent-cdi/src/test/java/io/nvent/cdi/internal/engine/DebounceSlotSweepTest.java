package io.nvent.cdi.internal.engine;

import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The maintenance sweep's look at overdue debounce slots: none is hidden behind slots it leaves. */
class DebounceSlotSweepTest {

    @FlowStep(flow = "crm-sync", name = "sync", role = StepRole.ENTRY)
    public static class Sync implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "synced " + input.get("customerId");
        }
    }

    private static List<RunInfo> runs(EngineHarness h) {
        return h.engine.runs(new RunQuery(Optional.of("crm-sync"), Optional.empty(), 0, 1000));
    }

    private static void edit(EngineHarness h, String customer) {
        h.engine.publishEvent("customer.updated", Map.of("customerId", customer));
    }

    @Test
    void anOrphanSlotBehindMoreWaitingSlotsThanOneLookTakesIsRecoveredWithinTwoLooks() {
        SlotHookStore scheduling = new SlotHookStore();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "a", new Sync())) {
            h.triggers.create(TriggerSpec.newBuilder("crm", TriggerType.EVENT).event("customer.updated")
                    .flow("crm-sync").debounce(Duration.ofSeconds(30)).debounceKeyFrom("/customerId").build());
            for (int i = 0; i < 250; i++) {
                edit(h, "waiting-" + i);   // stored pending runs, not started: the sweep leaves their slots
            }
            h.clock.advance(Duration.ofSeconds(1));
            scheduling.stopAfterNextOpen();
            edit(h, "orphan");
            assertThat(runs(h)).as("the orphan's instance stopped before it stored its run").hasSize(250);
            h.clock.advance(Duration.ofSeconds(31).plus(TriggerManager.UNSTORED_SLOT_GRACE));

            assertThat(h.triggers.sweepDebounceSlots(Maintenance.BATCH)).as("the first look: 200 waiting slots")
                    .isZero();
            assertThat(h.triggers.sweepDebounceSlots(Maintenance.BATCH)).as("the next look: the others and the orphan")
                    .isEqualTo(1);

            assertThat(runs(h)).as("the orphan's run recovered").hasSize(251);
            assertThat(h.triggers.history("crm", 10)).filteredOn(e -> e.type().equals("trigger.recovered"))
                    .singleElement();
            assertThat(h.triggers.sweepDebounceSlots(Maintenance.BATCH)).as("a short look starts over: nothing left")
                    .isZero();
        }
    }

    @Test
    void theRecoveryGraceIsLongerThanZeroAndAtMostADay() {
        assertThat(TriggerManager.checkRecoveryGrace(Duration.ofMinutes(5))).isEqualTo(Duration.ofMinutes(5));
        for (Duration wrong : List.of(Duration.ZERO, Duration.ofSeconds(-1), Duration.ofDays(1).plusSeconds(1))) {
            assertThatThrownBy(() -> TriggerManager.checkRecoveryGrace(wrong)).as(wrong.toString())
                    .hasMessageStartingWith("NVENT-0001 configuration key nvent.triggers.debounce.recovery-grace must"
                            + " be longer than zero and at most PT24H, was " + wrong);
        }
    }

    @Test
    void aLongerRecoveryGraceLeavesAnOrphanSlotUntilItHasPassed() {
        SlotHookStore scheduling = new SlotHookStore();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "a", new Sync())) {
            h.triggers.useRecoveryGrace(Duration.ofMinutes(10));
            h.triggers.create(TriggerSpec.newBuilder("crm", TriggerType.EVENT).event("customer.updated")
                    .flow("crm-sync").debounce(Duration.ofSeconds(30)).debounceKeyFrom("/customerId").build());
            scheduling.stopAfterNextOpen();
            edit(h, "orphan");

            h.clock.advance(Duration.ofSeconds(30).plus(Duration.ofMinutes(5)));
            assertThat(h.triggers.sweepDebounceSlots(Maintenance.BATCH)).as("within the grace").isZero();
            h.clock.advance(Duration.ofMinutes(5).plusSeconds(1));
            assertThat(h.triggers.sweepDebounceSlots(Maintenance.BATCH)).as("past the grace").isEqualTo(1);
            assertThat(runs(h)).singleElement();
        }
    }
}
