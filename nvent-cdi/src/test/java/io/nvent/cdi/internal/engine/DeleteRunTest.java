package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitBefore;
import io.nvent.AwaitInfo;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.DeletedRun;
import io.nvent.EventQuery;
import io.nvent.FlowStep;
import io.nvent.IllegalRunTransitionException;
import io.nvent.HistoryEvent;
import io.nvent.RunQuery;
import io.nvent.StepStatus;
import io.nvent.UnsupportedByAdapterException;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunRecord;
import java.time.Duration;
import java.util.List;
import io.nvent.RunInfo;
import io.nvent.RunNotFoundException;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.StartedRun;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.internal.engine.RetentionSweepTest.Messages;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.FlowStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * One run is deleted on its own (a run holding personal data, a test run started by mistake), and the
 * rest of its flow's history stays: only a run that has ended, whole, and on a store that can.
 */
class DeleteRunTest {

    /** Charges an order; an amount over 100 is declined. */
    @FlowStep(flow = "payment", name = "charge", role = StepRole.ENTRY)
    public static class Charge implements Step<Map<String, Integer>, String> {
        @Override
        public String execute(Map<String, Integer> input, StepContext ctx) {
            ctx.logger().info("charging " + input.get("amount"));
            if (input.get("amount") > 100) {
                throw new IllegalStateException("declined");
            }
            return "charged";
        }
    }

    /** Holds until the test releases it or the run is canceled. */
    @FlowStep(flow = "slow", name = "hold", role = StepRole.ENTRY)
    public static class Hold implements Step<Object, String> {
        static final CountDownLatch RELEASE = new CountDownLatch(1);

        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            RELEASE.await();
            return "held";
        }
    }

    /** Holds until the test releases it, and goes on holding when its run is canceled. */
    @FlowStep(flow = "stubborn", name = "export", role = StepRole.ENTRY)
    public static class IgnoresCancel implements Step<Object, String> {
        static final CountDownLatch RELEASE = new CountDownLatch(1);

        @Override
        public String execute(Object input, StepContext ctx) {
            while (true) {
                try {
                    RELEASE.await();
                    return "exported";
                } catch (InterruptedException ignored) {
                    // this step finishes what it began
                }
            }
        }
    }

    /** Fails a run's first attempt finally; a retry of it holds until the run is canceled. */
    @FlowStep(flow = "flaky", name = "call", role = StepRole.ENTRY)
    public static class FailsOnceThenHolds implements Step<Object, String> {
        static final Set<String> FAILED = ConcurrentHashMap.newKeySet();

        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            if (FAILED.add(ctx.runId())) {
                throw new IllegalStateException("remote down");
            }
            new CountDownLatch(1).await();
            return "called";
        }
    }

    @Test
    void anEndedRunIsDeletedWithItsHistoryAndLoggedWhileTheRestOfItsFlowStays() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Hold());
             Messages messages = new Messages(FlowEngine.class)) {
            String doomed = h.engine.start("payment", Map.of("amount", 5));
            String kept = h.engine.start("payment", Map.of("amount", 7));
            String failed = h.engine.start("payment", Map.of("amount", 500));
            h.awaitStatus(doomed, RunStatus.COMPLETED);
            h.awaitStatus(kept, RunStatus.COMPLETED);
            h.awaitStatus(failed, RunStatus.FAILED);
            int entries = h.history(doomed).size();

            DeletedRun deleted = h.engine.deleteRun(doomed);

            assertThat(deleted).isEqualTo(new DeletedRun(doomed, "payment", RunStatus.COMPLETED, entries));
            assertThat(h.engine.run(doomed)).isEmpty();
            assertThatThrownBy(() -> h.engine.events(doomed, EventQuery.all())).isInstanceOf(RunNotFoundException.class);
            assertThat(h.engine.run(kept)).isPresent();
            assertThat(h.history(kept)).isNotEmpty();
            assertThat(h.engine.stats("payment").completed()).as("the flow's counts no longer count it").isEqualTo(1);
            assertThat(h.engine.stats("payment").failed()).isEqualTo(1);
            assertThat(messages.logged).filteredOn(m -> m.startsWith("NVENT-0551")).containsExactly(
                    "NVENT-0551 run " + doomed + " of flow payment (completed) deleted with its " + entries
                            + " history entries, as the application asked");

            assertThat(h.engine.deleteRun(failed, "user 'alice' (REST)").status()).isEqualTo(RunStatus.FAILED);
            assertThat(messages.logged).filteredOn(m -> m.startsWith("NVENT-0551")).last().asString()
                    .contains("run " + failed + " of flow payment (failed)").endsWith("as user 'alice' (REST) asked");
        }
    }

    @Test
    void aRunUnderWayIsRefusedNamingItsStatusAndIsDeletedOnceCanceled() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Hold())) {
            String running = h.engine.start("slow", null);
            h.awaitStatus(running, RunStatus.RUNNING);

            assertThatThrownBy(() -> h.engine.deleteRun(running)).isInstanceOf(IllegalRunTransitionException.class)
                    .hasMessage("NVENT-0203 run '" + running + "' is running and cannot be deleted: cancel it first");
            assertThat(h.engine.run(running)).isPresent();

            h.engine.cancel(running);
            h.awaitStatus(running, RunStatus.CANCELED);
            assertThat(h.engine.deleteRun(running).status()).isEqualTo(RunStatus.CANCELED);
            assertThat(h.engine.run(running)).isEmpty();
        }
    }

    @Test
    void anUnknownRunAndOneDeletedAlreadyAreNotFound() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Hold())) {
            String run = h.engine.start("payment", Map.of("amount", 5));
            h.awaitStatus(run, RunStatus.COMPLETED);
            h.engine.deleteRun(run);

            assertThatThrownBy(() -> h.engine.deleteRun(run)).isInstanceOf(RunNotFoundException.class)
                    .hasMessageContaining(run);
            assertThatThrownBy(() -> h.engine.deleteRun("no-such-run")).isInstanceOf(RunNotFoundException.class);
        }
    }

    @Test
    void theKeyOfADeletedRunStartsANewRun() {
        try (EngineHarness h = new EngineHarness(new Charge(), new Hold())) {
            StartedRun first = h.engine.start("payment", Map.of("amount", 5), StartOptions.idempotent("order-9"));
            h.awaitStatus(first.runId(), RunStatus.COMPLETED);

            h.engine.deleteRun(first.runId());
            StartedRun next = h.engine.start("payment", Map.of("amount", 5), StartOptions.idempotent("order-9"));

            assertThat(next.created()).isTrue();
            assertThat(next.runId()).isNotEqualTo(first.runId());
            assertThat(h.engine.runByIdempotencyKey("payment", "order-9")).get()
                    .satisfies(run -> assertThat(run.runId()).isEqualTo(next.runId()));
        }
    }

    /** A retry that comes between the engine's read of the run and its deletion keeps the run, under way again. */
    @Test
    void aRunRetriedWhileItIsDeletedIsKeptUnderWayAndTheDeletionRefused() {
        RetriedBeforeDeletion store = new RetriedBeforeDeletion();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a",
                new FailsOnceThenHolds())) {
            String failed = h.engine.start("flaky", null);
            h.awaitStatus(failed, RunStatus.FAILED);
            store.engine = h.engine;

            assertThatThrownBy(() -> h.engine.deleteRun(failed)).isInstanceOf(IllegalRunTransitionException.class)
                    .hasMessage("NVENT-0203 run '" + failed + "' is running and cannot be deleted: cancel it first");

            assertThat(h.engine.run(failed)).get().extracting(RunInfo::status).isEqualTo(RunStatus.RUNNING);
            assertThat(store.deletionsTried).isEqualTo(1);
            h.engine.cancel(failed);
        }
    }

    /** A step that outlives its run's cancel would write its outcome into a run that is gone. */
    @Test
    void anEndedRunIsRefusedWhileOneOfItsStepsStillRunsNamingTheStepAndIsDeletedOnceItHasEnded() {
        try (EngineHarness h = new EngineHarness(new IgnoresCancel())) {
            String run = h.engine.start("stubborn", null);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> h.engine.run(run).orElseThrow().steps().get("export") == StepStatus.RUNNING);
            h.engine.cancel(run);
            h.awaitStatus(run, RunStatus.CANCELED);

            assertThatThrownBy(() -> h.engine.deleteRun(run)).isInstanceOf(IllegalRunTransitionException.class)
                    .hasMessage("NVENT-0203 run '" + run + "' is canceled and cannot be deleted while its step"
                            + " 'export' is still running: delete it once that step has ended");
            assertThat(h.engine.run(run)).isPresent();

            IgnoresCancel.RELEASE.countDown();
            await().atMost(Duration.ofSeconds(10)).ignoreException(IllegalRunTransitionException.class)
                    .until(() -> h.engine.deleteRun(run).status() == RunStatus.CANCELED);
            assertThat(h.engine.run(run)).isEmpty();
        }
    }

    /**
     * A restart or rerun reads the run, then creates its copy with the run's input: a deletion in between
     * must not leave the copy holding the (maybe personal) data of a run that is gone.
     */
    @Test
    void aRestartOrRerunOfARunDeletedMeanwhileFindsItGoneAndLeavesNoRunWithItsInput() {
        DeletedBeforeCopied store = new DeletedBeforeCopied();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Charge())) {
            String restarted = h.engine.start("payment", Map.of("amount", 5));
            String rerun = h.engine.start("payment", Map.of("amount", 6));
            h.awaitStatus(restarted, RunStatus.COMPLETED);
            h.awaitStatus(rerun, RunStatus.COMPLETED);
            store.engine = h.engine;

            store.deleteBeforeCopying = restarted;
            assertThatThrownBy(() -> h.engine.restart(restarted)).isInstanceOf(RunNotFoundException.class)
                    .hasMessageContaining(restarted);
            store.deleteBeforeCopying = rerun;
            assertThatThrownBy(() -> h.engine.rerunFrom(rerun, "charge")).isInstanceOf(RunNotFoundException.class)
                    .hasMessageContaining(rerun);

            assertThat(h.engine.runs(RunQuery.ofFlow("payment"))).as("no copy kept").isEmpty();
            assertThat(h.engine.stats("payment").completed()).isZero();
        }
    }

    /** Waits for an approval (a webhook) before it approves. */
    @FlowStep(flow = "approval", name = "approve", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 86_400_000)
    public static class Approve implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "approved";
        }
    }

    /** The in-memory scheduling store kept a deleted run's closed awaits, listed until a restart. */
    @Test
    void theClosedAwaitsOfADeletedRunAndOfAClearedHistoryAreNoLongerListed() {
        try (EngineHarness h = new EngineHarness(new Approve())) {
            List<String> runs = List.of(h.engine.start("approval", null), h.engine.start("approval", null),
                    h.engine.start("approval", null));
            runs.forEach(run -> h.awaitStatus(run, RunStatus.AWAITING));
            String deleted = runs.get(0);
            String cleared = runs.get(1);
            String kept = runs.get(2);
            for (String run : List.of(deleted, cleared)) {
                h.engine.cancel(run);
                h.awaitStatus(run, RunStatus.CANCELED);
            }
            assertThat(h.engine.awaits(false, 100)).extracting(AwaitInfo::runId).containsExactlyInAnyOrderElementsOf(runs);

            h.engine.deleteRun(deleted);

            assertThat(h.engine.awaits(false, 100)).extracting(AwaitInfo::runId).containsExactlyInAnyOrder(cleared, kept);

            h.engine.clearHistory("approval");

            assertThat(h.engine.awaits(false, 100)).singleElement().satisfies(await -> {
                assertThat(await.runId()).isEqualTo(kept);
                assertThat(await.status()).isEqualTo(AwaitStatus.WAITING);
            });
        }
    }

    @Test
    void aStoreWrittenForNventOhPointOneIsNamedInTheRefusalAndTheRunIsKept() {
        try (EngineHarness h = new EngineHarness(new StoreOfNventOhPointOne(), new MemorySchedulingStore(),
                "instance-a", new Charge(), new Hold())) {
            String run = h.engine.start("payment", Map.of("amount", 5));
            h.awaitStatus(run, RunStatus.COMPLETED);

            assertThatThrownBy(() -> h.engine.deleteRun(run)).isInstanceOf(UnsupportedByAdapterException.class)
                    .hasMessageStartingWith("NVENT-0552 run '" + run + "' not deleted: the store "
                            + StoreOfNventOhPointOne.class.getName() + " cannot delete a single run")
                    .hasMessageContaining("clear the history of flow 'payment'");
            assertThat(h.engine.run(run)).isPresent();
        }
    }

    /** A store whose own failure is an {@link UnsupportedOperationException} is not taken for one of nvent 0.1. */
    @Test
    void anUnsupportedOperationInsideAStoreThatCanDeleteARunIsItsOwnFailure() {
        UnsupportedOperationException own = new UnsupportedOperationException("the replica is read-only");
        MemoryFlowStore readOnly = new MemoryFlowStore() {
            @Override
            public OptionalLong deleteFinishedRun(String runId, long version) {
                throw own;
            }
        };
        try (EngineHarness h = new EngineHarness(readOnly, new MemorySchedulingStore(), "instance-a", new Charge())) {
            String run = h.engine.start("payment", Map.of("amount", 5));
            h.awaitStatus(run, RunStatus.COMPLETED);

            assertThatThrownBy(() -> h.engine.deleteRun(run)).isSameAs(own);
        }
    }

    /** A memory store that deletes the run a restart or rerun copies after the engine read it, before the copy is created. */
    static final class DeletedBeforeCopied extends MemoryFlowStore {
        volatile FlowEngine engine;
        volatile String deleteBeforeCopying;

        @Override
        public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events) {
            String original = deleteBeforeCopying;
            if (original != null) {
                deleteBeforeCopying = null;
                engine.deleteRun(original);
            }
            return super.createRun(run, events);
        }
    }

    /** A memory store that retries the failed step of the run it is asked to delete, just before it deletes it. */
    static final class RetriedBeforeDeletion extends MemoryFlowStore {
        volatile FlowEngine engine;
        int deletionsTried;

        @Override
        public OptionalLong deleteFinishedRun(String runId, long version) {
            deletionsTried++;
            engine.retryStep(runId, "call");
            return super.deleteFinishedRun(runId, version);
        }
    }

    /** A memory store as an adapter written for nvent 0.1 is: without the deletion of a single run. */
    static final class StoreOfNventOhPointOne extends MemoryFlowStore {
        @Override
        public OptionalLong deleteFinishedRun(String runId, long version) {
            FlowStore withDefaults = (FlowStore) Proxy.newProxyInstance(FlowStore.class.getClassLoader(),
                    new Class<?>[] {FlowStore.class}, InvocationHandler::invokeDefault);
            return withDefaults.deleteFinishedRun(runId, version);
        }
    }
}
