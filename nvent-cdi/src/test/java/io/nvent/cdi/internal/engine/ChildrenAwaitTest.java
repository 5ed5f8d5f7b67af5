package io.nvent.cdi.internal.engine;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.AwaitResolved;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepWait;
import io.nvent.TimeoutAction;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.spi.AwaitRecord;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.RunChange;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A step that waits for the child runs of its run to end ({@link AwaitType#CHILDREN}): the continuation of a batch
 * runs once the last child ended, however it ended, and is told how they ended.
 */
class ChildrenAwaitTest {

    /** The children the fan-out started, in order. */
    static final List<String> children = new CopyOnWriteArrayList<>();
    static final AtomicReference<Optional<String>> collected = new AtomicReference<>();

    @BeforeEach
    void reset() {
        children.clear();
        collected.set(null);
    }

    /** A parcel is shipped once its webhook is called; a call with {@code "lost": true} fails it. */
    @FlowStep(flow = "parcel", name = "ship", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK)
    public static class Ship implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            if (ctx.triggerData().orElse("").contains("lost")) {
                throw new IllegalStateException("the parcel was lost");
            }
            return "shipped";
        }
    }

    /** Starts as many parcels as the input's count asks for. */
    @FlowStep(flow = "batch", name = "fan-out", role = StepRole.ENTRY, emits = "batch.started")
    @FlowStep(flow = "batch-with-deadline", name = "fan-out", role = StepRole.ENTRY, emits = "batch.started")
    public static class FanOut implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            startParcels(input, ctx);
            ctx.emit("batch.started", input);
            return null;
        }
    }

    static void startParcels(Map<String, Object> input, StepContext ctx) {
        for (int parcel = 1; parcel <= ((Number) input.get("count")).intValue(); parcel++) {
            children.add(ctx.startFlow("parcel", Map.of("parcel", parcel)));
        }
    }

    @FlowStep(flow = "batch", name = "collect", subscribes = "batch.started")
    @AwaitBefore(type = AwaitType.CHILDREN)
    public static class Collect implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            collected.set(ctx.triggerData());
            return null;
        }
    }

    @FlowStep(flow = "batch-with-deadline", name = "collect", subscribes = "batch.started")
    @AwaitBefore(type = AwaitType.CHILDREN, timeoutMs = 60_000, timeoutAction = TimeoutAction.FAIL)
    public static class CollectWithDeadline implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            collected.set(ctx.triggerData());
            return null;
        }
    }

    /** Starts the parcels and emits at once; the emission is held until they all ended. */
    @FlowStep(flow = "held-batch", name = "fan-out", role = StepRole.ENTRY, emits = "parcels.sent")
    @AwaitAfter(type = AwaitType.CHILDREN)
    public static class FanOutHeld implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            startParcels(input, ctx);
            ctx.emit("parcels.sent", input);
            return null;
        }
    }

    @FlowStep(flow = "held-batch", name = "report", subscribes = "parcels.sent")
    public static class Report implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            collected.set(ctx.afterAwaitData("fan-out"));
            return null;
        }
    }

    private static EngineHarness batches() {
        return new EngineHarness(new Ship(), new FanOut(), new Collect(), new CollectWithDeadline(), new FanOutHeld(),
                new Report());
    }

    /** Calls the webhook of a parcel waiting for it. */
    static void ship(EngineHarness h, String parcel, String body) {
        await().until(() -> waitingAwait(h, parcel, AwaitType.WEBHOOK).isPresent());
        h.engine.resolveAwait(waitingAwait(h, parcel, AwaitType.WEBHOOK).orElseThrow().awaitId(), body);
    }

    static Optional<AwaitRecord> waitingAwait(EngineHarness h, String runId, AwaitType type) {
        return h.scheduling.awaitsOfRun(runId).stream()
                .filter(a -> a.type() == type && a.status() == AwaitStatus.WAITING).findFirst();
    }

    /**
     * Asserts that the run still awaits the runs below it, with an await of that type, and that its wait says so in
     * those words.
     */
    static void stillAwaits(EngineHarness h, String runId, AwaitType type, String detail) {
        assertThat(h.engine.run(runId).orElseThrow().status()).as("still awaiting").isEqualTo(RunStatus.AWAITING);
        assertThat(h.engine.waits(runId)).extracting(StepWait::detail).containsExactly(detail);
        assertThat(h.engine.waits(runId)).extracting(StepWait::awaitType).containsExactly(Optional.of(type));
    }

    /** Cancels the run in the store alone, as if the instance that ended it stopped before it looked at the runs above. */
    static void endUnseen(EngineHarness h, String runId) {
        h.store.updateRun(runId, run -> Optional.of(new RunChange(
                run.withStatus(RunStatus.CANCELED, h.clock.instant()), List.of())));
    }

    /**
     * {@link #endUnseen Ends unseen} the last run under way below the run, which awaits it: the sweep, looking every
     * 5 s ({@link Maintenance#CHILDREN_CHECK}), leaves the run awaiting until its next look comes due, then resolves it.
     */
    static void endUnseenAndLetTheSweepResolve(EngineHarness h, String runId, String lastBelow) {
        h.sweep();
        endUnseen(h, lastBelow);
        h.sweep();
        assertThat(h.engine.run(runId).orElseThrow().status()).as("the sweep looks every 5 s")
                .isEqualTo(RunStatus.AWAITING);

        h.clock.advance(Maintenance.CHILDREN_CHECK);
        h.sweep();

        h.awaitStatus(runId, RunStatus.COMPLETED);
    }

    /** Ships the last parcel under way below the run: the run completes, its step collecting what resolved its await. */
    static void lastShippedAndTheStepCollects(EngineHarness h, String runId, String lastParcel, String resolvedWith) {
        ship(h, lastParcel, "{}");
        h.awaitStatus(runId, RunStatus.COMPLETED);

        assertThat(collected.get()).hasValue(resolvedWith);
    }

    /**
     * Starts a run of the flow that starts no run below it: it completes, its step collecting what resolved its
     * await at once.
     */
    static String goesOnAtOnce(EngineHarness h, String flow, Map<String, Object> input, String resolvedWith) {
        String runId = h.engine.start(flow, input);
        h.awaitStatus(runId, RunStatus.COMPLETED);
        assertThat(collected.get()).hasValue(resolvedWith);
        return runId;
    }

    private static String startBatch(EngineHarness h, String flow, int parcels) {
        String runId = h.engine.start(flow, Map.of("count", parcels));
        await().until(() -> waitingAwait(h, runId, AwaitType.CHILDREN).isPresent() && children.size() == parcels);
        return runId;
    }

    @Test
    void theStepRunsOnceTheLastOfItsRunsChildrenCompletedAndReadsHowTheyEnded() {
        try (EngineHarness h = batches()) {
            String runId = startBatch(h, "batch", 3);
            ship(h, children.get(0), "{}");
            ship(h, children.get(1), "{}");
            h.awaitStatus(children.get(1), RunStatus.COMPLETED);

            stillAwaits(h, runId, AwaitType.CHILDREN, "before it runs, it waits for its child runs to end: 1 of 3 child"
                    + " runs still under way; it times out at " + h.clock.instant().plus(Duration.ofHours(1)));
            assertThat(collected.get()).as("not run yet").isNull();

            lastShippedAndTheStepCollects(h, runId, children.get(2),
                    "{\"children\":3,\"completed\":3,\"failed\":0,\"canceled\":0}");
            assertThat(h.eventsOf(runId, EventType.AWAIT_RESOLVED)).hasSize(1);
            assertThat(h.hooksOf(AwaitResolved.class)).filteredOn(r -> r.await().runId().equals(runId)).hasSize(1);
        }
    }

    @Test
    void aFailedAndACanceledChildEndTheWaitAsACompletedOneDoesAndAreCountedSo() {
        try (EngineHarness h = batches()) {
            String runId = startBatch(h, "batch", 3);
            ship(h, children.get(0), "{\"lost\":true}");
            h.awaitStatus(children.get(0), RunStatus.FAILED);
            h.engine.cancel(children.get(1));
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);

            lastShippedAndTheStepCollects(h, runId, children.get(2),
                    "{\"children\":3,\"completed\":1,\"failed\":1,\"canceled\":1}");
        }
    }

    @Test
    void aRunWithoutChildrenGoesOnAtOnceAndItsHistorySaysWhy() {
        try (EngineHarness h = batches()) {
            String runId = goesOnAtOnce(h, "batch", Map.of("count", 0),
                    "{\"children\":0,\"completed\":0,\"failed\":0,\"canceled\":0}");

            assertThat(h.types(runId)).containsSubsequence("await.registered", "await.resolved", "step.started");
            assertThat(h.eventsOf(runId, EventType.AWAIT_RESOLVED).get(0).data())
                    .contains("\"type\":\"children\"", "\"children\":0");
        }
    }

    @Test
    void anAfterAwaitHoldsTheStepsEmissionsUntilTheChildrenItStartedEnded() {
        try (EngineHarness h = batches()) {
            String runId = startBatch(h, "held-batch", 2);
            ship(h, children.get(0), "{}");
            h.awaitStatus(children.get(0), RunStatus.COMPLETED);

            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(h.engine.run(runId).orElseThrow().steps()).doesNotContainKey("report");

            h.engine.cancel(children.get(1));
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(collected.get()).hasValue("{\"children\":2,\"completed\":1,\"failed\":0,\"canceled\":1}");
        }
    }

    @Test
    void theAwaitTimesOutAsOthersDoWhileAChildIsUnderWay() {
        try (EngineHarness h = batches()) {
            String runId = startBatch(h, "batch-with-deadline", 1);
            h.clock.advance(Duration.ofSeconds(61));
            h.sweep();

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.types(runId)).contains("await.timeout");
            assertThat(collected.get()).isNull();
        }
    }

    @Test
    void theSweepResolvesAnAwaitWhoseLastChildEndedWithoutLookingAtItsParent() {
        try (EngineHarness h = batches()) {
            String runId = startBatch(h, "batch", 1);

            endUnseenAndLetTheSweepResolve(h, runId, children.get(0));

            assertThat(collected.get()).hasValue("{\"children\":1,\"completed\":0,\"failed\":0,\"canceled\":1}");
        }
    }

    /**
     * Review: an await whose check keeps failing (its store refusing, say) must not stop the sweep at it: the awaits
     * after it, by id, are checked all the same, or one broken run keeps every later batch waiting for ever.
     */
    @Test
    void theSweepGoesOnPastAnAwaitWhoseCheckFails() {
        AtomicReference<String> broken = new AtomicReference<>("");
        MemoryFlowStore store = new MemoryFlowStore() {
            @Override
            public boolean hasChildRunsUnderWay(String parentRunId) {
                if (parentRunId.equals(broken.get())) {
                    throw new IllegalStateException("the store cannot read the children of " + parentRunId);
                }
                return super.hasChildRunsUnderWay(parentRunId);
            }
        };
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Ship(),
                new FanOut(), new Collect())) {
            List<String> runs = List.of(h.engine.start("batch", Map.of("count", 1)),
                    h.engine.start("batch", Map.of("count", 1)));
            await().until(() -> runs.stream().allMatch(r -> waitingAwait(h, r, AwaitType.CHILDREN).isPresent())
                    && children.size() == 2);
            List<AwaitRecord> byId = runs.stream().map(r -> waitingAwait(h, r, AwaitType.CHILDREN).orElseThrow())
                    .sorted(java.util.Comparator.comparing(AwaitRecord::awaitId)).toList();
            broken.set(byId.get(0).runId());
            // As if the instances that ended the children stopped before they looked at the parents.
            children.forEach(child -> endUnseen(h, child));

            h.clock.advance(Maintenance.CHILDREN_CHECK);
            h.sweep();

            h.awaitStatus(byId.get(1).runId(), RunStatus.COMPLETED);
        }
    }

    /**
     * Review: a deployment in which no step awaits its children has nothing for the sweep to resolve; it must not
     * page through the waiting awaits every 5 s (a scheduling store written for 0.1 reads every waiting await then).
     */
    @Test
    void theSweepReadsNoAwaitsOnChildrenWhereNoStepAwaitsThem() {
        AtomicInteger pages = new AtomicInteger();
        MemorySchedulingStore scheduling = new MemorySchedulingStore() {
            @Override
            public List<AwaitRecord> waitingAwaitsOfType(AwaitType type, Optional<String> afterAwaitId, int limit) {
                pages.incrementAndGet();
                return super.waitingAwaitsOfType(type, afterAwaitId, limit);
            }
        };
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Ship())) {
            h.sweep();
            h.clock.advance(Maintenance.CHILDREN_CHECK);
            h.sweep();

            assertThat(pages).hasValue(0);
        }
    }

    @Test
    void anOperatorMayResolveItByHand() {
        try (EngineHarness h = batches()) {
            String runId = startBatch(h, "batch", 1);

            h.engine.resolveAwait(waitingAwait(h, runId, AwaitType.CHILDREN).orElseThrow().awaitId(),
                    Map.of("resolvedBy", "ops"));

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(collected.get()).hasValue("{\"resolvedBy\":\"ops\"}");
        }
    }

    @Test
    void aStoreThatCannotCountChildrenFailsTheDeploymentOfAStepAwaitingThem() {
        MemoryFlowStore written01 = storeCountingNoDescendants(false);

        deploymentFails(written01, "NVENT-0289 steps [batch/collect] await their child runs", new Ship(), new FanOut(),
                new Collect());
    }

    /** A memory store, as an adapter that cannot count the descendants of a run, nor its children unless told so. */
    static MemoryFlowStore storeCountingNoDescendants(boolean butChildren) {
        return new MemoryFlowStore() {
            @Override
            public boolean countsChildRuns() {
                return butChildren;
            }

            @Override
            public boolean countsDescendantRuns() {
                return false;
            }
        };
    }

    /** Deploying the steps over the store fails as asking what the adapter cannot do, with a message so starting. */
    static void deploymentFails(MemoryFlowStore store, String messageStart, Step<?, ?>... steps) {
        assertThatThrownBy(() -> new EngineHarness(store, new MemorySchedulingStore(), "instance-a", steps))
                .isInstanceOf(UnsupportedByAdapterException.class)
                .hasMessageStartingWith(messageStart);
    }
}
