package io.nvent.cdi.internal.engine;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.RunEnded;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static io.nvent.cdi.internal.engine.ChildrenAwaitTest.endUnseenAndLetTheSweepResolve;
import static io.nvent.cdi.internal.engine.ChildrenAwaitTest.goesOnAtOnce;
import static io.nvent.cdi.internal.engine.ChildrenAwaitTest.lastShippedAndTheStepCollects;
import static io.nvent.cdi.internal.engine.ChildrenAwaitTest.ship;
import static io.nvent.cdi.internal.engine.ChildrenAwaitTest.stillAwaits;
import static io.nvent.cdi.internal.engine.ChildrenAwaitTest.waitingAwait;
import static org.awaitility.Awaitility.await;

/**
 * A step that waits for every run below its run to end ({@link AwaitType#DESCENDANTS}): the continuation of a
 * nested batch, whose children fan out again, runs once the last grandchild ended, not when the children did.
 */
class DescendantsAwaitTest {

    /** The parcels the crates started, in order. */
    static final List<String> parcels = new CopyOnWriteArrayList<>();
    /** What resolved the await, as the report read it: the steps that read it are {@link ChildrenAwaitTest}'s. */
    static final AtomicReference<Optional<String>> collected = ChildrenAwaitTest.collected;

    @BeforeEach
    void reset() {
        parcels.clear();
        collected.set(null);
    }

    /** A crate starts its parcels and completes at once: they outlive it. */
    @FlowStep(flow = "crate", name = "pack", role = StepRole.ENTRY)
    public static class Pack implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            for (int parcel = 1; parcel <= ((Number) input.get("parcels")).intValue(); parcel++) {
                parcels.add(ctx.startFlow("parcel", Map.of("parcel", parcel)));
            }
            return null;
        }
    }

    /** A nest starts a nest one level less deep, down to a parcel at the bottom, and completes at once. */
    @FlowStep(flow = "nest", name = "nest", role = StepRole.ENTRY)
    public static class Nest implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            int depth = ((Number) input.get("depth")).intValue();
            if (depth > 1) {
                ctx.startFlow("nest", Map.of("depth", depth - 1));
            } else {
                parcels.add(ctx.startFlow("parcel", Map.of("parcel", 1)));
            }
            return null;
        }
    }

    /** Starts the crates (or a nest as deep as asked) and emits; the report waits for all below. */
    @FlowStep(flow = "shipment", name = "fan-out", role = StepRole.ENTRY, emits = "shipment.started")
    public static class FanOut implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            if (input.containsKey("depth")) {
                ctx.startFlow("nest", input);
            }
            for (int crate = 1; crate <= ((Number) input.getOrDefault("crates", 0)).intValue(); crate++) {
                ctx.startFlow("crate", Map.of("parcels", input.get("parcels")));
            }
            ctx.emit("shipment.started", input);
            return null;
        }
    }

    /** Collects as the batch's collect step does, its await on the descendants resolved. */
    @FlowStep(flow = "shipment", name = "report", subscribes = "shipment.started")
    @AwaitBefore(type = AwaitType.DESCENDANTS)
    public static class Report extends ChildrenAwaitTest.Collect {
    }

    /** Starts the crates and emits at once; the emission is held until everything below the run ended. */
    @FlowStep(flow = "held-shipment", name = "fan-out", role = StepRole.ENTRY, emits = "shipment.started")
    @AwaitAfter(type = AwaitType.DESCENDANTS)
    public static class FanOutHeld extends FanOut {
    }

    @FlowStep(flow = "held-shipment", name = "report", subscribes = "shipment.started")
    public static class ReportHeld extends ChildrenAwaitTest.Report {
    }

    private static EngineHarness shipments() {
        return new EngineHarness(new ChildrenAwaitTest.Ship(), new Pack(), new Nest(), new FanOut(), new Report(),
                new FanOutHeld(), new ReportHeld());
    }

    /** Starts a shipment and waits until its report awaits and every parcel waits for its webhook. */
    private static String startShipment(EngineHarness h, Map<String, Object> input, int parcelsExpected) {
        String runId = h.engine.start("shipment", input);
        await().until(() -> waitingAwait(h, runId, AwaitType.DESCENDANTS).isPresent()
                && parcels.size() == parcelsExpected
                && parcels.stream().allMatch(p -> waitingAwait(h, p, AwaitType.WEBHOOK).isPresent()));
        return runId;
    }

    @Test
    void theStepRunsOnceTheLastGrandchildEndedNotWhenTheChildrenDid() {
        try (EngineHarness h = shipments()) {
            String runId = startShipment(h, Map.of("crates", 2, "parcels", 2), 4);
            ship(h, parcels.get(0), "{}");
            h.engine.cancel(parcels.get(1));
            ship(h, parcels.get(2), "{}");
            h.awaitStatus(parcels.get(2), RunStatus.COMPLETED);

            // one parcel is still under way
            stillAwaits(h, runId, AwaitType.DESCENDANTS, "before it runs, it waits for its descendant runs to end: 1 of"
                    + " 6 descendant runs still under way; it times out at "
                    + waitingAwait(h, runId, AwaitType.DESCENDANTS).orElseThrow().timeoutAt().orElseThrow());
            assertThat(collected.get()).as("not run yet").isNull();

            // two crates and four parcels, counted by how they ended
            lastShippedAndTheStepCollects(h, runId, parcels.get(3),
                    "{\"descendants\":6,\"completed\":5,\"failed\":0,\"canceled\":1}");
        }
    }

    @Test
    void anAfterAwaitHoldsTheStepsEmissionsUntilTheGrandchildrenOfItsChildrenEnded() {
        try (EngineHarness h = shipments()) {
            String runId = h.engine.start("held-shipment", Map.of("crates", 1, "parcels", 1));
            await().until(() -> waitingAwait(h, runId, AwaitType.DESCENDANTS).isPresent() && parcels.size() == 1
                    && waitingAwait(h, parcels.get(0), AwaitType.WEBHOOK).isPresent());

            assertThat(h.engine.run(runId).orElseThrow().steps()).doesNotContainKey("report");

            lastShippedAndTheStepCollects(h, runId, parcels.get(0),
                    "{\"descendants\":2,\"completed\":2,\"failed\":0,\"canceled\":0}");
        }
    }

    @Test
    void aRunWithoutDescendantsGoesOnAtOnce() {
        try (EngineHarness h = shipments()) {
            goesOnAtOnce(h, "shipment", Map.of(), "{\"descendants\":0,\"completed\":0,\"failed\":0,\"canceled\":0}");
        }
    }

    @Test
    void theSweepResolvesAnAwaitWhoseLastDescendantEndedWithoutLookingUp() {
        try (EngineHarness h = shipments()) {
            String runId = startShipment(h, Map.of("crates", 1, "parcels", 1), 1);

            endUnseenAndLetTheSweepResolve(h, runId, parcels.get(0));

            assertThat(collected.get()).hasValue("{\"descendants\":2,\"completed\":1,\"failed\":0,\"canceled\":1}");
        }
    }

    @Test
    void anEndDeeperThanTheWalksLimitIsLoggedAndLeftToTheSweep() {
        try (EngineHarness h = shipments();
             RetentionSweepTest.Messages messages = new RetentionSweepTest.Messages(FlowEngine.class)) {
            // the shipment, AwaitResolution.ANCESTOR_WALK_LIMIT nests below it, and the parcel below them
            String runId = startShipment(h, Map.of("depth", AwaitResolution.ANCESTOR_WALK_LIMIT), 1);
            ship(h, parcels.get(0), "{}");
            h.awaitStatus(parcels.get(0), RunStatus.COMPLETED);

            await().until(() -> logged(messages).stream().anyMatch(m -> m.startsWith("NVENT-0461 run "
                    + parcels.get(0) + " ended below " + AwaitResolution.ANCESTOR_WALK_LIMIT + " ancestors that ended")
                    && m.contains("; run " + runId + ", " + (AwaitResolution.ANCESTOR_WALK_LIMIT + 1)
                    + " generations above run " + parcels.get(0) + ", awaits its descendant runs (step"
                    + " shipment/report)")));
            assertThat(h.engine.run(runId).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);

            h.clock.advance(Maintenance.CHILDREN_CHECK);
            h.sweep();

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(collected.get()).hasValueSatisfying(data -> assertThat(data)
                    .startsWith("{\"descendants\":" + (AwaitResolution.ANCESTOR_WALK_LIMIT + 1) + ","));
        }
    }

    @Test
    void anEndDeeperThanTheWalksLimitLogsNothingWhenNoRunAwaitsItsDescendants() {
        try (EngineHarness h = shipments();
             RetentionSweepTest.Messages messages = new RetentionSweepTest.Messages(FlowEngine.class)) {
            String runId = startShipment(h, Map.of("depth", AwaitResolution.ANCESTOR_WALK_LIMIT), 1);
            h.engine.cancel(runId); // its await on its descendants closes; the nests below ended, the parcel runs on
            h.awaitStatus(runId, RunStatus.CANCELED);
            await().until(() -> waitingAwait(h, runId, AwaitType.DESCENDANTS).isEmpty());

            ship(h, parcels.get(0), "{}");

            // The hooks hear of the parcel's end after its look up its ancestors, on the same thread.
            await().until(() -> h.hooksOf(RunEnded.class).stream().anyMatch(end -> end.runId().equals(parcels.get(0))));
            assertThat(logged(messages)).as("no await of type DESCENDANTS waits anywhere")
                    .noneMatch(m -> m.startsWith("NVENT-0461"));
        }
    }

    /**
     * An await on descendants waiting in another tree says nothing of the run above the deep end: NVENT-0461 fired
     * when any such await waited anywhere, though none was above the run.
     */
    @Test
    void anEndDeeperThanTheWalksLimitLogsNothingWhenTheAwaitOnDescendantsThatWaitsIsNotAboveIt() {
        try (EngineHarness h = shipments();
             RetentionSweepTest.Messages messages = new RetentionSweepTest.Messages(FlowEngine.class)) {
            String deep = startShipment(h, Map.of("depth", AwaitResolution.ANCESTOR_WALK_LIMIT), 1);
            h.engine.cancel(deep);
            h.awaitStatus(deep, RunStatus.CANCELED);
            await().until(() -> waitingAwait(h, deep, AwaitType.DESCENDANTS).isEmpty());
            String other = startShipment(h, Map.of("crates", 1, "parcels", 1), 2);
            assertThat(waitingAwait(h, other, AwaitType.DESCENDANTS)).as("an await on descendants waits elsewhere")
                    .isPresent();

            ship(h, parcels.get(0), "{}");

            await().until(() -> h.hooksOf(RunEnded.class).stream().anyMatch(end -> end.runId().equals(parcels.get(0))));
            assertThat(logged(messages)).as("the await of run %s waits, but not above the parcel", other)
                    .noneMatch(m -> m.startsWith("NVENT-0461"));
        }
    }

    /**
     * The end at the bottom of a chain of 200 ended runs, while an await on descendants waits in another tree, reads
     * at most {@link AwaitResolution#ANCESTOR_LOOK_LIMIT} ancestors: it read each of the 200 (and up to 1,000), one by
     * one, on every end of a deeper chain, to tell whether to log NVENT-0461.
     */
    @Test
    void anEndBelowAChainOf200EndedRunsReadsNoMoreAncestorsThanTheLooksLimit() {
        int depth = 200;
        java.util.Set<String> counted = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean counting = new java.util.concurrent.atomic.AtomicBoolean();
        MemoryFlowStore store = new MemoryFlowStore() {
            @Override
            public Optional<io.nvent.spi.RunRecord> findRun(String runId) {
                if (counting.get() && counted.contains(runId)) {
                    reads.incrementAndGet();
                }
                return super.findRun(runId);
            }
        };
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a",
                new ChildrenAwaitTest.Ship(), new Pack(), new Nest(), new FanOut(), new Report())) {
            String deep = startShipment(h, Map.of("depth", depth), 1);
            h.engine.cancel(deep);
            h.awaitStatus(deep, RunStatus.CANCELED);
            // every nest ended, and its own look up is done (the hooks hear of an end after it)
            await().until(() -> h.hooksOf(RunEnded.class).stream().filter(end -> end.flow().equals("nest")).count()
                    == depth);
            String other = startShipment(h, Map.of("crates", 1, "parcels", 1), 2);
            assertThat(waitingAwait(h, other, AwaitType.DESCENDANTS)).as("an await on descendants waits elsewhere")
                    .isPresent();
            h.hooksOf(RunEnded.class).stream().filter(end -> end.flow().equals("nest") || end.runId().equals(deep))
                    .forEach(end -> counted.add(end.runId())); // the parcel's ancestors
            assertThat(counted).hasSize(depth + 1);
            counting.set(true);

            ship(h, parcels.get(0), "{}");

            await().until(() -> h.hooksOf(RunEnded.class).stream().anyMatch(end -> end.runId().equals(parcels.get(0))));
            assertThat(reads.get()).as("ancestors read after the end of the parcel below %s ended runs", depth + 1)
                    .isPositive().isLessThanOrEqualTo(AwaitResolution.ANCESTOR_LOOK_LIMIT);
        }
    }

    /** What was logged so far, read as the engine's threads may add to it. */
    private static List<String> logged(RetentionSweepTest.Messages messages) {
        synchronized (messages) {
            return List.copyOf(messages.logged);
        }
    }

    @Test
    void anEndJustWithinTheWalksLimitWakesTheAncestorAtOnce() {
        try (EngineHarness h = shipments()) {
            String runId = startShipment(h, Map.of("depth", AwaitResolution.ANCESTOR_WALK_LIMIT - 1), 1);
            ship(h, parcels.get(0), "{}");

            h.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    /**
     * A step awaiting descendants somewhere in the deployment costs the ends of other flows' children nothing: their
     * parent, waiting on its children alone, has its awaits read as often as in a deployment without that step.
     */
    @Test
    void aChildsEndReadsItsParentsAwaitsNoMoreOftenWhereAnotherFlowAwaitsDescendants() {
        long childrenAlone = awaitReadsOfABatchOfThree(new ChildrenAwaitTest.Ship(), new ChildrenAwaitTest.FanOut(),
                new ChildrenAwaitTest.Collect());
        long withDescendantsElsewhere = awaitReadsOfABatchOfThree(new ChildrenAwaitTest.Ship(),
                new ChildrenAwaitTest.FanOut(), new ChildrenAwaitTest.Collect(), new Pack(), new Nest(), new FanOut(),
                new Report());

        assertThat(withDescendantsElsewhere).isEqualTo(childrenAlone);
    }

    /** How often the engine reads the awaits of a batch awaiting its three children, from its start to its end. */
    private static long awaitReadsOfABatchOfThree(io.nvent.Step<?, ?>... steps) {
        java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
        AtomicReference<String> batch = new AtomicReference<>("");
        MemorySchedulingStore counting = new MemorySchedulingStore() {
            @Override
            public synchronized List<io.nvent.spi.AwaitRecord> awaitsOfRun(String runId) {
                if (runId.equals(batch.get())) {
                    reads.incrementAndGet();
                }
                return super.awaitsOfRun(runId);
            }
        };
        ChildrenAwaitTest.children.clear();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), counting, "instance-a", steps)) {
            String runId = h.engine.start("batch", Map.of("count", 3));
            batch.set(runId);
            h.awaitStatus(runId, RunStatus.AWAITING);
            await().until(() -> ChildrenAwaitTest.children.size() == 3);
            for (String child : List.copyOf(ChildrenAwaitTest.children)) {
                ship(h, child, "{}");
                h.awaitStatus(child, RunStatus.COMPLETED);
            }
            h.awaitStatus(runId, RunStatus.COMPLETED);
            return reads.get();
        }
    }

    @Test
    void aStoreThatCannotCountDescendantsFailsTheDeploymentOfAStepAwaitingThem() {
        MemoryFlowStore childrenOnly = ChildrenAwaitTest.storeCountingNoDescendants(true);

        ChildrenAwaitTest.deploymentFails(childrenOnly, "NVENT-0256 steps [shipment/report] await their descendant runs",
                new ChildrenAwaitTest.Ship(), new Pack(), new Nest(), new FanOut(), new Report());
    }
}
