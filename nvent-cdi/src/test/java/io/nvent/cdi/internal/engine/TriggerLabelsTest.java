package io.nvent.cdi.internal.engine;

import io.nvent.FlowStep;
import io.nvent.Misfire;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.internal.engine.RunLabelsTest.Bill;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.TriggerRecord;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A trigger's labels: every run it starts carries them, with those a fire's own options give. */
class TriggerLabelsTest {

    private static final StartOptions VIP = StartOptions.newBuilder().labels("vip", "nightly").build();

    /** A schedule every five minutes that fires each tick missed within the hour at a start, labelling its runs. */
    @FlowStep(flow = "sync", name = "sync", role = StepRole.ENTRY)
    @Trigger(name = "every-5-minutes", type = TriggerType.SCHEDULE, cron = "*/5 * * * *", misfire = Misfire.FIRE_ALL,
            misfireGrace = "PT1H", labels = {"nightly", "billing"})
    static class LabelledSync extends MissedTicksTest.Sync {
    }

    /** A scheduling store written for nvent 0.1: it keeps the components it knows, and hands a trigger back unlabelled. */
    static final class StoreWithoutTriggerLabels extends MemorySchedulingStore {
        /** As the default of SchedulingStore, which a store written for 0.1 does not override. */
        @Override
        public boolean keepsTriggerLabels() {
            return false;
        }

        @Override
        public Optional<TriggerRecord> findTrigger(String name) {
            return super.findTrigger(name).map(StoreWithoutTriggerLabels::unlabelled);
        }

        @Override
        public List<TriggerRecord> listTriggers() {
            return super.listTriggers().stream().map(StoreWithoutTriggerLabels::unlabelled).toList();
        }

        private static TriggerRecord unlabelled(TriggerRecord trigger) {
            return new TriggerRecord(trigger.spec().toBuilder().labels(Set.of()).build(), trigger.declared(),
                    trigger.createdAt(), trigger.fires(), trigger.runsStarted(), trigger.lastFiredAt(),
                    trigger.lastError());
        }
    }

    private static TriggerSpec.Builder labelled(String name, TriggerType type) {
        return TriggerSpec.newBuilder(name, type).flow("invoice").labels("nightly", "billing");
    }

    private static List<RunInfo> runsOf(EngineHarness h, String flow) {
        return h.engine.runs(new RunQuery(Optional.of(flow), Optional.empty(), 0, 1000));
    }

    @Test
    void everyKindOfFireStartsRunsCarryingTheTriggersLabels() {
        try (EngineHarness h = new EngineHarness(new Bill())) {
            h.triggers.create(labelled("every-minute", TriggerType.SCHEDULE).every(Duration.ofMinutes(1)).build());
            h.triggers.create(labelled("on-order", TriggerType.EVENT).event("order.placed").build());
            h.triggers.create(labelled("erp-hook", TriggerType.WEBHOOK).build());
            h.triggers.create(labelled("by-hand", TriggerType.MANUAL).build());

            h.triggers.onTick("every-minute", Instant.parse("2026-11-30T11:00:00Z"));
            h.triggers.fireOnEvent("order.placed", "{\"amount\":1}");
            // As nvent-web hands a webhook call on: a fire by name with the sender's delivery id.
            h.triggers.fire("erp-hook", "{\"amount\":2}", StartOptions.newBuilder().idempotencyKey("delivery-1").build());
            h.triggers.fire("by-hand", "{\"amount\":3}");
            h.triggers.fire("by-hand", "{\"amount\":4}", StartOptions.delayed(Duration.ofMinutes(5)));

            assertThat(runsOf(h, "invoice")).hasSize(5).allSatisfy(run -> assertThat(run.labels())
                    .as("run of input " + run.runId()).containsExactly("billing", "nightly"));
            assertThat(h.engine.runs(RunQuery.all().withLabel("billing"))).hasSize(5);
        }
    }

    @Test
    void aDeclaredSchedulesTicksOnTimeAndThoseFiredLateAtAStartCarryItsLabels() {
        LabelledSync sync = new LabelledSync();
        EngineHarness before = MissedTicksTest.ranUntil1005(sync);
        try (EngineHarness after = EngineHarness.startingAt(Instant.parse("2026-11-30T11:31:20Z"), before,
                "instance-a", TriggerMisfires.DEFAULTS, sync)) {

            assertThat(runsOf(after, "sync")).as("10:05 on time, then the 12 ticks of the last hour, late").hasSize(13)
                    .allSatisfy(run -> assertThat(run.labels()).containsExactly("billing", "nightly"));
            assertThat(after.triggers.trigger("every-5-minutes").orElseThrow().spec().labels())
                    .containsExactly("billing", "nightly");
            runsOf(after, "sync").forEach(run -> after.awaitStatus(run.runId(), RunStatus.COMPLETED));
        }
    }

    @Test
    void aFireWhoseOptionsGiveLabelsStartsRunsWithBothAsOneSetAndTheTriggersKeyToo() {
        try (EngineHarness h = new EngineHarness(new Bill())) {
            h.triggers.create(labelled("by-hand", TriggerType.MANUAL).build());
            h.triggers.create(labelled("one-at-a-time", TriggerType.MANUAL).concurrencyKey("billing").build());

            String plain = h.triggers.fire("by-hand", "{\"amount\":1}", VIP).get(0).runId();
            String keyed = h.triggers.fire("one-at-a-time", "{\"amount\":2}", VIP).get(0).runId();

            assertThat(h.awaitStatus(plain, RunStatus.COMPLETED).labels()).containsExactly("billing", "nightly", "vip");
            RunInfo keyedRun = h.awaitStatus(keyed, RunStatus.COMPLETED);
            assertThat(keyedRun.labels()).containsExactly("billing", "nightly", "vip");
            assertThat(keyedRun.concurrencyKey()).hasValue("billing");
        }
    }

    @Test
    void aFireWhoseOptionsWouldMakeMoreThanTenLabelsWithTheTriggersIsRefusedAndStartsNothing() {
        try (EngineHarness h = new EngineHarness(new Bill())) {
            h.triggers.create(labelled("by-hand", TriggerType.MANUAL).build());
            StartOptions nine = StartOptions.newBuilder().labels("l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9")
                    .build();

            assertThatThrownBy(() -> h.triggers.fire("by-hand", "{\"amount\":1}", nine))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("NVENT-0283 trigger 'by-hand' labels its runs with [billing, nightly] and"
                            + " the fire's options add [l1, l2, l3, l4, l5, l6, l7, l8, l9]: 11 labels together");
            assertThat(runsOf(h, "invoice")).isEmpty();
        }
    }

    @Test
    void aTriggersRegistrationRecordsItsLabels() {
        try (EngineHarness h = new EngineHarness(new Bill())) {
            h.triggers.create(labelled("by-hand", TriggerType.MANUAL).build());

            assertThat(h.triggers.history("by-hand", 10)).singleElement().satisfies(entry -> assertThat(entry.data())
                    .contains("\"labels\":[\"billing\",\"nightly\"]"));
        }
    }

    @Test
    void aTriggerWithLabelsIsRefusedOnCreateAndUpdateWhereTheStoreCannotKeepThemAndStaysAsItWas() {
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), new StoreWithoutTriggerLabels(), "instance-a",
                new Bill())) {
            refusesALabelledTriggerAndKeepsItAsItWas(h, "scheduling store " + StoreWithoutTriggerLabels.class.getName()
                    + " keeps no trigger labels");
        }
    }

    /** Create, update and createOrUpdate of a trigger with labels are refused, saying why; the trigger stays as it was. */
    private static void refusesALabelledTriggerAndKeepsItAsItWas(EngineHarness h, String why) {
        TriggerSpec plain = TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("invoice").build();
        TriggerSpec withLabels = plain.toBuilder().labels("nightly").build();

        assertThatThrownBy(() -> h.triggers.create(withLabels)).isInstanceOf(UnsupportedByAdapterException.class)
                .hasMessageStartingWith("NVENT-0594 trigger 'by-hand' has labels [nightly], but " + why);
        assertThat(h.triggers.trigger("by-hand")).isEmpty();

        h.triggers.create(plain);
        assertThatThrownBy(() -> h.triggers.update(withLabels)).hasMessageStartingWith("NVENT-0594");
        assertThatThrownBy(() -> h.triggers.createOrUpdate(withLabels)).hasMessageStartingWith("NVENT-0594");
        assertThat(h.triggers.trigger("by-hand").orElseThrow().spec()).isEqualTo(plain);
    }

    @Test
    void aDeclaredTriggerWithLabelsIsWarnedOfAtStartWhereTheStoreCannotKeepThem() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness h = new EngineHarness(new MemoryFlowStore(), new StoreWithoutTriggerLabels(), "instance-a",
                     new LabelledSync())) {
            assertThat(log.messagesContaining("NVENT-0595")).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("NVENT-0595 trigger 'every-5-minutes' is declared with labels [billing, nightly], but"
                            + " scheduling store " + StoreWithoutTriggerLabels.class.getName()));
        }
    }

    @Test
    void aDeclaredTriggerWithLabelsUnchangedSinceTheLastStartIsNotStoredAgainWhereTheStoreCannotKeepThem() {
        MemoryFlowStore runs = new MemoryFlowStore();
        StoreWithoutTriggerLabels scheduling = new StoreWithoutTriggerLabels();
        new EngineHarness(runs, scheduling, "instance-a", new LabelledSync()).close();
        TriggerRecord registered = scheduling.findTrigger("every-5-minutes").orElseThrow();

        try (EngineHarness restarted = new EngineHarness(runs, scheduling, "instance-a", new LabelledSync())) {
            assertThat(restarted.triggers.history("every-5-minutes", 10)).extracting(TriggerEvent::type)
                    .as("registered at the first start, not updated at the second")
                    .containsExactly("trigger.registered");
            assertThat(scheduling.findTrigger("every-5-minutes")).contains(registered);
        }
    }

    @Test
    void aTriggerWithLabelsIsRefusedOnCreateAndUpdateWhereTheRunStoreCannotKeepThemAndStaysAsItWas() {
        try (EngineHarness h = new EngineHarness(new RunLabelsTest.StoreWithoutLabels(), new MemorySchedulingStore(),
                "instance-a", new Bill())) {
            refusesALabelledTriggerAndKeepsItAsItWas(h, "run store " + RunLabelsTest.StoreWithoutLabels.class.getName()
                    + " keeps no labels");
        }
    }

    @Test
    void aDeclaredTriggerWithLabelsIsWarnedOfAtStartWhereTheRunStoreCannotKeepThem() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness h = new EngineHarness(new RunLabelsTest.StoreWithoutLabels(), new MemorySchedulingStore(),
                     "instance-a", new LabelledSync())) {
            assertThat(log.messagesContaining("NVENT-0595")).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("NVENT-0595 trigger 'every-5-minutes' is declared with labels [billing, nightly], but"
                            + " run store " + RunLabelsTest.StoreWithoutLabels.class.getName()));
        }
    }
}
