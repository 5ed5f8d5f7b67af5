package io.nvent.cdi.internal.engine;

import io.nvent.FlowStep;
import io.nvent.IdempotencyKeyConflictException;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepWait;
import io.nvent.Trigger;
import io.nvent.TriggerSpec;
import io.nvent.TriggerType;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.internal.engine.RunTimeoutTest.Ship;
import io.nvent.cdi.internal.engine.RunTimeoutTest.Take;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.cdi.internal.registry.FlowGraphValidator;
import io.nvent.cdi.internal.registry.StepDeclaration;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The edges of a run's timeout: a keyed start repeated with another timeout, a trigger's run timeout, stores that keep
 * no deadlines, and what a waiting step's wait says of the run's deadline.
 */
class RunTimeoutEdgesTest {

    private static final Duration TWO_HOURS = Duration.ofHours(2);
    private static final Duration FLOWS_OWN = Duration.ofHours(48);

    /** An hourly report whose declared trigger gives each run two hours. */
    @FlowStep(flow = "report", name = "report", role = StepRole.ENTRY)
    @Trigger(name = "report-by-hand", type = TriggerType.MANUAL, runTimeout = "PT2H")
    static class Report implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "broken", name = "begin", role = StepRole.ENTRY)
    @Trigger(name = "nightly-broken", type = TriggerType.MANUAL, runTimeout = "two hours")
    static class UnreadableRunTimeout extends Report {
    }

    @FlowStep(flow = "too-long", name = "begin", role = StepRole.ENTRY)
    @Trigger(name = "yearly", type = TriggerType.MANUAL, runTimeout = "P400D")
    static class RunTimeoutTooLong extends Report {
    }

    /** A run store written for nvent 0.1: it keeps no deadlines. */
    static final class StoreWithoutDeadlines extends MemoryFlowStore {
        @Override
        public boolean keepsDeadlines() {
            return false;
        }
    }

    /** A scheduling store written for nvent 0.1: it keeps no trigger run timeouts. */
    static final class StoreWithoutTriggerRunTimeouts extends MemorySchedulingStore {
        @Override
        public boolean keepsTriggerRunTimeouts() {
            return false;
        }
    }

    private static StartOptions keyed(Optional<Duration> timeout) {
        StartOptions.Builder options = StartOptions.newBuilder().idempotencyKey("order-7");
        timeout.ifPresent(options::timeout);
        return options.build();
    }

    private static Optional<Instant> deadlineOf(EngineHarness h, String runId) {
        return h.engine.run(runId).orElseThrow().deadline();
    }

    private static List<RunInfo> runsOf(EngineHarness h, String flow) {
        return h.engine.runs(new RunQuery(Optional.of(flow), Optional.empty(), 0, 1000));
    }

    // ---------------------------------------------------------------- a keyed start repeated

    @Test
    void aKeyedStartRepeatedWithAnotherTimeoutIsAConflictNamingBothAndStartsNothing() {
        try (EngineHarness h = new EngineHarness(new Take(), new Ship())) {
            String first = h.engine.start("order", "{}", keyed(Optional.of(TWO_HOURS))).runId();

            assertThatThrownBy(() -> h.engine.start("order", "{}", keyed(Optional.of(Duration.ofHours(3)))))
                    .isInstanceOf(IdempotencyKeyConflictException.class)
                    .hasMessage("NVENT-0216 idempotency key 'order-7' of flow 'order' already started run " + first
                            + " with the same input and timeout PT2H; this start gives timeout PT3H, so it is another"
                            + " request; nothing was started; a new request needs a new key");
            assertThat(runsOf(h, "order")).extracting(RunInfo::runId).containsExactly(first);
        }
    }

    @Test
    void aKeyedStartRepeatedWithItsFlowsTimeoutGivenAsItsOwnWhenTheFirstTookTheFlowsReplays() {
        try (EngineHarness h = new EngineHarness(new Take(), new Ship())) {
            String first = h.engine.start("order", "{}", keyed(Optional.empty())).runId();

            assertThat(h.engine.start("order", "{}", keyed(Optional.of(FLOWS_OWN))))
                    .isEqualTo(new StartedRun(first, false));
            assertThatThrownBy(() -> h.engine.start("order", "{}", keyed(Optional.of(TWO_HOURS))))
                    .hasMessageContaining("NVENT-0216").hasMessageContaining("with the same input and timeout PT48H;");
        }
    }

    @Test
    void aKeyedStartRepeatedWithTheSameTimeoutReplaysTheFirstRunWithItsDeadline() {
        try (EngineHarness h = new EngineHarness(new Take(), new Ship())) {
            String first = h.engine.start("order", "{}", keyed(Optional.of(TWO_HOURS))).runId();
            h.clock.advance(Duration.ofMinutes(30));

            assertThat(h.engine.start("order", "{}", keyed(Optional.of(TWO_HOURS))))
                    .isEqualTo(new StartedRun(first, false));
            assertThat(deadlineOf(h, first)).contains(EngineHarness.START.plus(TWO_HOURS));
        }
    }

    @Test
    void aKeyedStartRepeatedWithoutATimeoutReplaysTheFirstRunWhateverItsTimeout() {
        try (EngineHarness h = new EngineHarness(new Take(), new Ship())) {
            String first = h.engine.start("order", "{}", keyed(Optional.of(TWO_HOURS))).runId();

            assertThat(h.engine.start("order", "{}", keyed(Optional.empty()))).isEqualTo(new StartedRun(first, false));
        }
    }

    @Test
    void aTriggersFireRepeatedWithItsKeyAndAnotherTimeoutReplaysAsItComparesTheInputOnly() {
        try (EngineHarness h = new EngineHarness(new Take(), new Ship())) {
            h.triggers.create(TriggerSpec.newBuilder("erp-hook", TriggerType.WEBHOOK).flow("order").build());
            String first = h.triggers.fire("erp-hook", "{}", keyed(Optional.of(TWO_HOURS))).get(0).runId();

            assertThat(h.triggers.fire("erp-hook", "{}", keyed(Optional.of(Duration.ofHours(3)))))
                    .extracting(StartedRun::runId).containsExactly(first);
        }
    }

    // ---------------------------------------------------------------- a trigger's run timeout

    @Test
    void everyKindOfFireStartsRunsWithTheTriggersTimeoutOverTheFlows() {
        try (EngineHarness h = new EngineHarness(new Take(), new Ship())) {
            h.triggers.create(TriggerSpec.newBuilder("every-minute", TriggerType.SCHEDULE).flow("order")
                    .every(Duration.ofMinutes(1)).runTimeout(TWO_HOURS).build());
            h.triggers.create(TriggerSpec.newBuilder("on-order", TriggerType.EVENT).flow("order").event("order.placed")
                    .runTimeout(TWO_HOURS).build());
            h.triggers.create(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("order")
                    .runTimeout(TWO_HOURS).build());

            h.triggers.onTick("every-minute", EngineHarness.START);
            h.triggers.fireOnEvent("order.placed", "{\"n\":1}");
            h.triggers.fire("by-hand", "{\"n\":2}");
            h.triggers.fire("by-hand", "{\"n\":3}", StartOptions.delayed(Duration.ofMinutes(5)));

            assertThat(runsOf(h, "order")).hasSize(4).allSatisfy(run -> assertThat(run.deadline())
                    .as("run " + run.runId()).contains(EngineHarness.START.plus(TWO_HOURS)));
        }
    }

    @Test
    void aFiresOwnTimeoutWinsOverTheTriggersAlsoThroughItsConcurrencyKey() {
        try (EngineHarness h = new EngineHarness(new Take(), new Ship())) {
            h.triggers.create(TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("order")
                    .runTimeout(TWO_HOURS).build());
            h.triggers.create(TriggerSpec.newBuilder("one-at-a-time", TriggerType.MANUAL).flow("order")
                    .concurrencyKey("orders").labels("nightly").build());
            StartOptions tenMinutes = StartOptions.newBuilder().timeout(Duration.ofMinutes(10)).build();

            String plain = h.triggers.fire("by-hand", "{}", tenMinutes).get(0).runId();
            String keyed = h.triggers.fire("one-at-a-time", "{}", tenMinutes).get(0).runId();

            assertThat(deadlineOf(h, plain)).contains(EngineHarness.START.plus(Duration.ofMinutes(10)));
            assertThat(deadlineOf(h, keyed)).contains(EngineHarness.START.plus(Duration.ofMinutes(10)));
        }
    }

    @Test
    void aDeclaredTriggersRunTimeoutReachesItsRunsAndIsRecordedWithIt() {
        try (EngineHarness h = new EngineHarness(new Report())) {
            assertThat(h.triggers.trigger("report-by-hand").orElseThrow().spec().runTimeout()).contains(TWO_HOURS);
            assertThat(h.triggers.history("report-by-hand", 10)).singleElement()
                    .satisfies(entry -> assertThat(entry.data()).contains("\"runTimeout\":\"PT2H\""));

            String runId = h.triggers.fire("report-by-hand", "{}").get(0);

            assertThat(h.awaitStatus(runId, RunStatus.COMPLETED).deadline())
                    .contains(EngineHarness.START.plus(TWO_HOURS));
        }
    }

    @Test
    void aDeclaredTriggersRunTimeoutThatIsNoDurationFailsTheDeploymentNamingTheTrigger() {
        assertThat(FlowGraphValidator.validate(StepDeclaration.allOf(UnreadableRunTimeout.class)))
                .anySatisfy(problem -> assertThat(problem).contains("@Trigger 'nightly-broken'",
                        "runTimeout = \"two hours\" is no ISO-8601 duration"));
        assertThat(FlowGraphValidator.validate(StepDeclaration.allOf(RunTimeoutTooLong.class)))
                .anySatisfy(problem -> assertThat(problem).contains("@Trigger 'yearly'",
                        "NVENT-0215 the run timeout of trigger 'yearly' is P400D; it must be positive and at most"
                                + " 366 days"));
    }

    @Test
    void theBuilderRefusesARunTimeoutOutOfRangeAtOnce() {
        TriggerSpec.Builder builder = TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("order");

        assertThatThrownBy(() -> builder.runTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("NVENT-0215 the run timeout of trigger 'by-hand' is PT0S");
        assertThatThrownBy(() -> builder.runTimeout(Duration.ofDays(367))).hasMessageStartingWith("NVENT-0215");
    }

    @Test
    void createOrUpdateChangesATriggerWhoseRunTimeoutAloneDiffers() {
        try (EngineHarness h = new EngineHarness(new Take(), new Ship())) {
            TriggerSpec plain = TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("order").build();
            h.triggers.create(plain);

            h.triggers.createOrUpdate(plain.toBuilder().runTimeout(TWO_HOURS).build());

            assertThat(h.triggers.trigger("by-hand").orElseThrow().spec().runTimeout()).contains(TWO_HOURS);
        }
    }

    // ---------------------------------------------------------------- stores that keep no deadlines

    @Test
    void aTriggerWithARunTimeoutIsRefusedWhereTheSchedulingStoreCannotKeepItAndStaysAsItWas() {
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), new StoreWithoutTriggerRunTimeouts(),
                "instance-a", new Take(), new Ship())) {
            refusesATriggerWithARunTimeout(h, "scheduling store " + StoreWithoutTriggerRunTimeouts.class.getName()
                    + " keeps no trigger run timeouts");
        }
    }

    @Test
    void aTriggerWithARunTimeoutIsRefusedWhereTheRunStoreKeepsNoDeadlines() {
        try (EngineHarness h = new EngineHarness(new StoreWithoutDeadlines(), new MemorySchedulingStore(),
                "instance-a", new Report())) {
            TriggerSpec withTimeout = TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("report")
                    .runTimeout(TWO_HOURS).build();

            assertThatThrownBy(() -> h.triggers.create(withTimeout)).isInstanceOf(UnsupportedByAdapterException.class)
                    .hasMessageStartingWith("NVENT-0404 trigger 'by-hand' has run timeout PT2H, but run store "
                            + StoreWithoutDeadlines.class.getName() + " keeps no run deadlines");
        }
    }

    /** Create, update and createOrUpdate of a trigger with a run timeout are refused; the trigger stays as it was. */
    private static void refusesATriggerWithARunTimeout(EngineHarness h, String why) {
        TriggerSpec plain = TriggerSpec.newBuilder("by-hand", TriggerType.MANUAL).flow("order").build();
        TriggerSpec withTimeout = plain.toBuilder().runTimeout(TWO_HOURS).build();

        assertThatThrownBy(() -> h.triggers.create(withTimeout)).isInstanceOf(UnsupportedByAdapterException.class)
                .hasMessageStartingWith("NVENT-0404 trigger 'by-hand' has run timeout PT2H, but " + why);
        assertThat(h.triggers.trigger("by-hand")).isEmpty();

        h.triggers.create(plain);
        assertThatThrownBy(() -> h.triggers.update(withTimeout)).hasMessageStartingWith("NVENT-0404");
        assertThatThrownBy(() -> h.triggers.createOrUpdate(withTimeout)).hasMessageStartingWith("NVENT-0404");
        assertThat(h.triggers.trigger("by-hand").orElseThrow().spec()).isEqualTo(plain);
    }

    @Test
    void aFlowAndADeclaredTriggerWithRunTimeoutsAreWarnedOfOnceAtStartWhereTheRunStoreKeepsNoDeadlines() {
        try (LogRecorder engineLog = LogRecorder.recordingInfoOf(FlowEngine.class);
             LogRecorder triggerLog = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness h = new EngineHarness(new StoreWithoutDeadlines(), new MemorySchedulingStore(),
                     "instance-a", new Take(), new Ship(), new Report())) {
            assertThat(engineLog.messagesContaining("NVENT-0402")).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("NVENT-0402 flow 'order' declares run timeout PT48H on its entry step 'take'"
                            + " (@FlowStep(runTimeoutMs)), but run store " + StoreWithoutDeadlines.class.getName()
                            + " keeps no run deadlines"));
            assertThat(triggerLog.messagesContaining("NVENT-0403")).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("NVENT-0403 trigger 'report-by-hand' is declared with run timeout PT2H, but run store "
                            + StoreWithoutDeadlines.class.getName())
                    .endsWith(": every run it starts is refused (NVENT-0292) until the store keeps them (the memory or"
                            + " the JPA store) or the trigger declares none"));
        }
    }

    @Test
    void aDeclaredTriggersRunTimeoutTheSchedulingStoreCannotKeepIsWarnedOfAsRunsTakingTheirFlowsOwn() {
        try (LogRecorder triggerLog = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness h = new EngineHarness(new MemoryFlowStore(), new StoreWithoutTriggerRunTimeouts(),
                     "instance-a", new Report())) {
            assertThat(triggerLog.messagesContaining("NVENT-0403")).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("NVENT-0403 trigger 'report-by-hand' is declared with run timeout PT2H, but scheduling"
                            + " store " + StoreWithoutTriggerRunTimeouts.class.getName())
                    .endsWith(": its runs start with their flow's own run timeout, not this one, until the store keeps"
                            + " it (the memory or the JPA store) or the trigger declares none"));
        }
    }

    @Test
    void noWarningWhereTheStoresKeepDeadlines() {
        try (LogRecorder engineLog = LogRecorder.recordingInfoOf(FlowEngine.class);
             LogRecorder triggerLog = LogRecorder.recordingInfoOf(TriggerManager.class);
             EngineHarness h = new EngineHarness(new Take(), new Ship(), new Report())) {
            assertThat(engineLog.messagesContaining("NVENT-0402")).isEmpty();
            assertThat(triggerLog.messagesContaining("NVENT-0403")).isEmpty();
        }
    }

    // ---------------------------------------------------------------- waits

    @Test
    void aWaitThatEndsAfterTheRunsDeadlineSaysWhenTheRunTimesOutFirst() {
        try (EngineHarness h = new EngineHarness(new Take(), new Ship())) {
            // The carrier's webhook may take a week; the run, its flow's 48 hours.
            String runId = h.engine.start("order", "{}");
            h.awaitStatus(runId, RunStatus.AWAITING);
            Instant deadline = EngineHarness.START.plus(FLOWS_OWN);

            StepWait ship = h.engine.waits(runId).stream().filter(w -> w.step().equals("ship")).findFirst()
                    .orElseThrow();

            assertThat(ship.until()).contains(EngineHarness.START.plus(Duration.ofDays(7)));
            assertThat(ship.runDeadline()).contains(deadline);
            assertThat(ship.detail()).endsWith("; the run times out at " + deadline + " first");
        }
    }

    @Test
    void aWaitThatEndsBeforeTheRunsDeadlineSaysNothingOfIt() {
        try (EngineHarness h = new EngineHarness(new Take(), new Ship())) {
            String runId = h.engine.start("order", "{}", StartOptions.newBuilder().timeout(Duration.ofDays(30)).build())
                    .runId();
            h.awaitStatus(runId, RunStatus.AWAITING);

            assertThat(h.engine.waits(runId)).isNotEmpty().allSatisfy(wait -> {
                assertThat(wait.runDeadline()).isEmpty();
                assertThat(wait.detail()).doesNotContain("the run times out");
            });
        }
    }
}
