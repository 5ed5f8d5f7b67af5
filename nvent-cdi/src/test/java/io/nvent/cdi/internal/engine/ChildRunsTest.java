package io.nvent.cdi.internal.engine;

import io.nvent.EventQuery;
import io.nvent.EventType;
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
import io.nvent.StepStatus;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.RunRecord;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A step starts a child run once per execution of its attempt ({@code StepContext.startFlow}): an
 * execution that runs again as the same attempt gets the children the earlier one started, a later
 * attempt starts new ones, and a key of the step's own starts one child whatever runs it.
 */
class ChildRunsTest {

    static final AtomicInteger executions = new AtomicInteger();
    static volatile CountDownLatch firstGoesOn = new CountDownLatch(1);
    static volatile CountDownLatch secondGoesOn = new CountDownLatch(1);
    /** The children each start returned, in the order the steps started them. */
    static final List<String> children = new CopyOnWriteArrayList<>();
    static final AtomicReference<RuntimeException> refusedStart = new AtomicReference<>();

    @BeforeEach
    void reset() {
        executions.set(0);
        firstGoesOn = new CountDownLatch(1);
        secondGoesOn = new CountDownLatch(1);
        children.clear();
        refusedStart.set(null);
    }

    @FlowStep(flow = "shipment", name = "ship", role = StepRole.ENTRY)
    public static class Ship implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "shipped";
        }
    }

    /**
     * Ships two parcels, each execution with an input of its own (its number, as a timestamp would
     * differ); the first execution then hangs past its lease, the second waits for the test.
     */
    @FlowStep(flow = "order", name = "dispatch", role = StepRole.ENTRY)
    public static class Dispatch implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            int execution = executions.incrementAndGet();
            for (int parcel = 1; parcel <= 2; parcel++) {
                children.add(ctx.startFlow("shipment", Map.of("parcel", parcel, "execution", execution)));
            }
            assertThat((execution == 1 ? firstGoesOn : secondGoesOn).await(10, TimeUnit.SECONDS)).isTrue();
            return "dispatched";
        }
    }

    @Test
    void aStepRunAgainAsTheSameAttemptAfterATakeoverGetsTheChildrenItsEarlierExecutionStarted() {
        try (EngineHarness hung = new EngineHarness(new Dispatch(), new Ship());
             EngineHarness survivor = new EngineHarness(hung.store, hung.scheduling, "instance-b", new Dispatch(),
                     new Ship())) {
            String runId = StaleExecutionsTest.takenOverBy(survivor, hung, "order", "dispatch", executions);
            await().until(() -> children.size() == 4);
            secondGoesOn.countDown();
            firstGoesOn.countDown();
            survivor.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(children.subList(2, 4)).as("the second execution's children").isEqualTo(children.subList(0, 2))
                    .doesNotHaveDuplicates();
            assertThat(survivor.engine.runs(RunQuery.ofFlow("shipment"))).extracting(RunInfo::runId)
                    .containsExactlyInAnyOrderElementsOf(children.subList(0, 2));
            for (int parcel = 1; parcel <= 2; parcel++) {
                JsonObject start = startEntryOf(survivor, children.get(parcel - 1));
                assertThat(start.getString("parentRunId")).isEqualTo(runId);
                assertThat(start.getString("idempotencyKey"))
                        .isEqualTo("nvent-child/" + runId + "/dispatch/attempt-1/shipment/" + parcel);
                assertThat(start.getJsonObject("input").getInt("execution")).as("the first execution's input")
                        .isEqualTo(1);
            }
        }
    }

    /** A parcel whose label cannot be written as JSON: its start fails before anything is stored. */
    public static class UnreadableParcel {
        public String getLabel() {
            throw new IllegalStateException("the label printer is away");
        }
    }

    /** Starts a shipment that fails, catches the failure and starts it again, as a step that retries a call does. */
    @FlowStep(flow = "order-again", name = "dispatch", role = StepRole.ENTRY)
    public static class DispatchStartingAgain implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            try {
                ctx.startFlow("shipment", new UnreadableParcel());
            } catch (RuntimeException refused) {
                refusedStart.set(refused);
            }
            children.add(ctx.startFlow("shipment", Map.of("parcel", 1)));
            return "dispatched";
        }
    }

    @Test
    void aStartWhoseInputCannotBeWrittenTakesNoKey() {
        try (EngineHarness h = new EngineHarness(new DispatchStartingAgain(), new Ship())) {
            String runId = h.engine.start("order-again", null);
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(refusedStart.get()).isNotNull();
            // It fails alike in every execution, so the next start is the first in each.
            assertThat(keyOf(h, children.get(0))).isEqualTo("nvent-child/" + runId + "/dispatch/attempt-1/shipment/1");
        }
    }

    /** Starts a shipment, then fails its first attempt; its second attempt starts one too and succeeds. */
    @FlowStep(flow = "order-retried", name = "dispatch", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 10)
    public static class DispatchFailingOnce implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            children.add(ctx.startFlow("shipment", Map.of("parcel", 1)));
            if (ctx.attempt() == 1) {
                throw new IllegalStateException("the carrier's API timed out");
            }
            return "dispatched";
        }
    }

    @Test
    void aRetryOfTheStepIsNewWorkAndStartsAChildOfItsOwn() {
        try (EngineHarness h = new EngineHarness(new DispatchFailingOnce(), new Ship())) {
            String runId = h.engine.start("order-retried", null);
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(children).hasSize(2).doesNotHaveDuplicates();
            assertThat(keyOf(h, children.get(0))).isEqualTo("nvent-child/" + runId + "/dispatch/attempt-1/shipment/1");
            assertThat(keyOf(h, children.get(1))).isEqualTo("nvent-child/" + runId + "/dispatch/attempt-2/shipment/1");
        }
    }

    /** Starts a shipment, then fails its only attempt the first time it runs. */
    @FlowStep(flow = "order-failed", name = "dispatch", role = StepRole.ENTRY)
    public static class DispatchFailingFirst implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            children.add(ctx.startFlow("shipment", Map.of("parcel", 1)));
            if (executions.incrementAndGet() == 1) {
                throw new IllegalStateException("the carrier's API timed out");
            }
            return "dispatched";
        }
    }

    /** An operator's retry of the failed step runs it from attempt 1 again, as new work: a new child. */
    @Test
    void anOperatorsRetryOfAFailedStepStartsAChildOfItsOwnThoughItRunsAttemptOneAgain() {
        try (EngineHarness h = new EngineHarness(new DispatchFailingFirst(), new Ship())) {
            String runId = h.engine.start("order-failed", null);
            await().until(() -> h.engine.run(runId).orElseThrow().steps().get("dispatch") == StepStatus.FAILED);

            h.engine.retryStep(runId, "dispatch");
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(children).hasSize(2).doesNotHaveDuplicates();
            assertThat(keyOf(h, children.get(1)))
                    .isEqualTo("nvent-child/" + runId + "/dispatch/retried-1/attempt-1/shipment/1");
        }
    }

    /** Ships the order under a key of its own, twice in one execution, then once with another input. */
    @FlowStep(flow = "order-keyed", name = "dispatch", role = StepRole.ENTRY)
    public static class DispatchKeyed implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> order, StepContext ctx) {
            StartOptions key = StartOptions.idempotent("shipment-of-" + order.get("order"));
            StartedRun first = ctx.startFlow("shipment", Map.of("parcel", 1), key);
            StartedRun again = ctx.startFlow("shipment", Map.of("parcel", 1), key);
            assertThat(first.created()).isTrue();
            assertThat(again).isEqualTo(new StartedRun(first.runId(), false));
            children.add(first.runId());
            try {
                ctx.startFlow("shipment", Map.of("parcel", 2), key);
            } catch (IdempotencyKeyConflictException refused) {
                refusedStart.set(refused);
            }
            return "dispatched";
        }
    }

    @Test
    void aStepsOwnKeyStartsOneChildThatTheFlowServiceFindsByTheKey() {
        try (EngineHarness h = new EngineHarness(new DispatchKeyed(), new Ship())) {
            String runId = h.engine.start("order-keyed", Map.of("order", 42));
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(children).singleElement();
            assertThat(h.engine.runs(RunQuery.ofFlow("shipment"))).singleElement().satisfies(child -> {
                assertThat(child.runId()).isEqualTo(children.get(0));
                assertThat(child.parentRunId()).contains(runId);
            });
            assertThat(h.engine.runByIdempotencyKey("shipment", "shipment-of-42")).map(RunInfo::runId)
                    .contains(children.get(0));
            assertThat(keyOf(h, children.get(0))).isEqualTo("shipment-of-42");
            assertThat(refusedStart.get()).isInstanceOf(IdempotencyKeyConflictException.class)
                    .hasMessageContaining("NVENT-0211");
        }
    }

    /** Ships the order in an hour. */
    @FlowStep(flow = "order-later", name = "dispatch", role = StepRole.ENTRY)
    public static class DispatchLater implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            StartedRun shipment = ctx.startFlow("shipment", Map.of("parcel", 1),
                    StartOptions.delayed(Duration.ofHours(1)));
            children.add(shipment.runId());
            return "dispatched";
        }
    }

    @Test
    void aStepStartsAChildLaterWithADelayAndStillOncePerExecution() {
        try (EngineHarness h = new EngineHarness(new DispatchLater(), new Ship())) {
            String runId = h.engine.start("order-later", null);
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(children).singleElement();
            assertThat(h.engine.run(children.get(0)).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            JsonObject start = startEntryOf(h, children.get(0));
            assertThat(start.getString("startAt")).isEqualTo(EngineHarness.START.plus(Duration.ofHours(1)).toString());
            assertThat(start.getString("idempotencyKey"))
                    .isEqualTo("nvent-child/" + runId + "/dispatch/attempt-1/shipment/1");
        }
    }

    /** Delivers a parcel; a lost one fails. */
    @FlowStep(flow = "delivery", name = "deliver", role = StepRole.ENTRY)
    public static class Deliver implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> parcel, StepContext ctx) {
            if (Boolean.TRUE.equals(parcel.get("lost"))) {
                throw new IllegalStateException("parcel " + parcel.get("parcel") + " lost");
            }
            return "delivered";
        }
    }

    /** Delivers three parcels of an order, the second of which is lost, each as a child run. */
    @FlowStep(flow = "order-delivered", name = "dispatch", role = StepRole.ENTRY)
    public static class DispatchThreeParcels implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            for (int parcel = 1; parcel <= 3; parcel++) {
                children.add(ctx.startFlow("delivery", Map.of("parcel", parcel, "lost", parcel == 2)));
            }
            return "dispatched";
        }
    }

    @Test
    void theRunsOneRunStartedAreListedByItsIdAndAFailedOneIsToldApart() {
        try (EngineHarness h = new EngineHarness(new DispatchThreeParcels(), new Deliver())) {
            String order = h.engine.start("order-delivered", null);
            h.awaitStatus(order, RunStatus.COMPLETED);
            String otherOrder = h.engine.start("order-delivered", null);
            h.awaitStatus(otherOrder, RunStatus.COMPLETED);
            String ownDelivery = h.engine.start("delivery", Map.of("parcel", 9));
            children.forEach(child -> await().until(() -> h.engine.run(child).orElseThrow().status().isTerminal()));

            RunQuery ofTheOrder = RunQuery.all().withParentRunId(order);
            assertThat(h.engine.runs(ofTheOrder)).extracting(RunInfo::runId)
                    .containsExactlyInAnyOrderElementsOf(children.subList(0, 3)).doesNotContain(ownDelivery);
            assertThat(h.engine.runs(ofTheOrder.withStatus(RunStatus.FAILED))).extracting(RunInfo::runId)
                    .containsExactly(children.get(1));
            assertThat(h.engine.runs(RunQuery.ofFlow("delivery").withParentRunId(otherOrder)))
                    .extracting(RunInfo::runId).containsExactlyInAnyOrderElementsOf(children.subList(3, 6));
        }
    }

    /** A store written for nvent 0.1 knows no parent filter: it lists the runs of any parent. */
    static final class StoreWithoutAParentFilter extends MemoryFlowStore {
        @Override
        public List<RunRecord> findRuns(RunQuery query) {
            return super.findRuns(new RunQuery(query.flow(), query.status(), query.offset(), query.limit(), query.after()));
        }
    }

    @Test
    void aStoreWrittenForNventOhPointOneIsNamedInTheRefusalInsteadOfListingRunsOfAnyParent() {
        try (EngineHarness h = new EngineHarness(new StoreWithoutAParentFilter(), new MemorySchedulingStore(),
                "instance-a", new DispatchThreeParcels(), new Deliver())) {
            String order = h.engine.start("order-delivered", null);
            h.awaitStatus(order, RunStatus.COMPLETED);

            assertThatThrownBy(() -> h.engine.runs(RunQuery.ofFlow("order-delivered").withParentRunId(order)))
                    .isInstanceOf(UnsupportedByAdapterException.class)
                    .hasMessageStartingWith("NVENT-0564 the store " + StoreWithoutAParentFilter.class.getName()
                            + " cannot list the runs of one parent");
            assertThat(h.engine.runs(RunQuery.ofFlow("delivery").withParentRunId(order))).as("its children only")
                    .hasSize(3);
        }
    }

    /** The key the child was started with, as its run shows it (the same as its {@code flow.start} entry records). */
    private static String keyOf(EngineHarness h, String runId) {
        String key = h.engine.run(runId).orElseThrow().idempotencyKey().orElseThrow();
        assertThat(key).isEqualTo(startEntryOf(h, runId).getString("idempotencyKey"));
        return key;
    }

    private static JsonObject startEntryOf(EngineHarness h, String runId) {
        return h.engine.events(runId, EventQuery.all()).stream().filter(e -> e.type() == EventType.FLOW_START)
                .findFirst().map(e -> Json.PROVIDER.createReader(new StringReader(e.data())).readObject())
                .orElseThrow();
    }
}
