package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.AwaitRegistered;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.InvalidPayloadException;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.TimeoutAction;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import io.nvent.spi.internal.AwaitlessSteps;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A step's await is saved in the write that makes its run {@code awaiting} (the memory stores save both in one
 * step): an instance that stops right after any write of a run leaves no run awaiting with no await, whichever await
 * began it (before a step, after a step, waited for again by an operator's retry).
 */
class AwaitSavedWithItsRunTest {

    @FlowStep(flow = "leave", name = "submit", role = StepRole.ENTRY, emits = "submitted")
    static class Submit implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("submitted", Map.of());
            return null;
        }
    }

    @FlowStep(flow = "leave", name = "approve", subscribes = "submitted", emits = "approved")
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 60_000, timeoutAction = TimeoutAction.FAIL)
    static class Approve implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("approved", Map.of());
            return null;
        }
    }

    @FlowStep(flow = "leave", name = "book", subscribes = "approved")
    @AwaitAfter(type = AwaitType.WEBHOOK)
    static class Book implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "parcel", name = "label", role = StepRole.ENTRY, emits = "labelled")
    @AwaitAfter(type = AwaitType.WEBHOOK, timeoutMs = 60_000, timeoutAction = TimeoutAction.FAIL)
    static class Label implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("labelled", Map.of("parcel", 1));
            return null;
        }
    }

    /** Saves awaits until told to refuse those holding events, as a store whose payload limit was lowered. */
    static final class RefusingHeldLater extends MemorySchedulingStore {
        volatile boolean refuse;

        @Override
        public synchronized void saveAwait(AwaitRecord await) {
            if (refuse && !"[]".equals(await.held())) {
                throw new InvalidPayloadException("held emissions of await '" + await.awaitId()
                        + "' is larger than the limit (nvent.store.max-payload-bytes)");
            }
            super.saveAwait(await);
        }
    }

    /**
     * Looks at the stores right after every change of a run, where an instance could stop: a step the change left
     * {@code awaiting} must have its waiting await saved by then.
     */
    static final class StopAfterEachWrite extends MemoryFlowStore {
        final MemorySchedulingStore scheduling;
        final List<String> awaitingChanges = new CopyOnWriteArrayList<>();
        final List<String> awaitingWithNoAwait = new CopyOnWriteArrayList<>();

        StopAfterEachWrite() {
            this(new MemorySchedulingStore());
        }

        StopAfterEachWrite(MemorySchedulingStore scheduling) {
            this.scheduling = scheduling;
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            Optional<StoredChange> change = super.updateRun(runId, mutation);
            change.filter(c -> c.run().steps().containsValue(StepStatus.AWAITING)).ifPresent(c -> {
                awaitingChanges.add(runId);
                AwaitlessSteps.stepAwaitingNoAwait(c.run(), scheduling.awaitsOfRun(runId))
                        .ifPresent(step -> awaitingWithNoAwait.add(runId + " at step '" + step + "'"));
            });
            return change;
        }
    }

    private static String tokenOf(AwaitRegistered registered) {
        String url = registered.webhookUrl().orElseThrow();
        return url.substring(url.lastIndexOf('/') + 1);
    }

    @Test
    void noWriteLeavesARunAwaitingBeforeOrAfterAStepWithNoAwait() {
        StopAfterEachWrite store = new StopAfterEachWrite();
        try (EngineHarness h = new EngineHarness(store, store.scheduling, "instance-a", new Submit(), new Approve(),
                new Book())) {
            String leave = h.engine.start("leave", Map.of());
            h.awaitStatus(leave, RunStatus.AWAITING);
            h.engine.resolveWebhook(tokenOf(h.registration(0)), "{\"by\":\"boss\"}");
            h.awaitStatus(leave, RunStatus.AWAITING);
            assertThat(h.engine.run(leave).orElseThrow().steps()).containsEntry("book", StepStatus.AWAITING);
            h.engine.resolveWebhook(tokenOf(h.registration(1)), "{}");
            h.awaitStatus(leave, RunStatus.COMPLETED);

            assertThat(store.awaitingChanges).as("changes that made the run awaiting").hasSize(2);
            assertThat(store.awaitingWithNoAwait).isEmpty();
        }
    }

    @Test
    void noWriteLeavesARunAwaitingWithNoAwaitWhenAnOperatorRetriesAStepWhoseApprovalTimedOut() {
        StopAfterEachWrite store = new StopAfterEachWrite();
        try (EngineHarness h = new EngineHarness(store, store.scheduling, "instance-a", new Submit(), new Approve(),
                new Book())) {
            String leave = h.engine.start("leave", Map.of());
            h.awaitStatus(leave, RunStatus.AWAITING);
            h.clock.advance(Duration.ofSeconds(61));
            h.sweep();
            h.awaitStatus(leave, RunStatus.FAILED);

            h.engine.retryStep(leave, "approve");

            assertThat(h.engine.run(leave).orElseThrow().steps()).containsEntry("approve", StepStatus.AWAITING);
            assertThat(store.awaitingChanges).as("changes that made the run awaiting").hasSize(2);
            assertThat(store.awaitingWithNoAwait).isEmpty();
        }
    }

    /**
     * An await the store refuses for its own sake (held events past its payload limit) refuses the change that would
     * have made the run awaiting; the step fails instead, in one write, with the history it had before: the await's
     * registration, then the step's and the run's failure.
     */
    @Test
    void anAwaitTheStoreRefusesFailsItsStepInTheWriteThatWouldHaveMadeTheRunAwaiting() {
        StopAfterEachWrite store = new StopAfterEachWrite(new HeldSizeLimitedScheduling(RefusedAwaitTest.LIMIT));
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = new EngineHarness(store, store.scheduling, "instance-a", new RefusedAwaitTest.Pack())) {
            String export = h.engine.start("export", Map.of());

            h.awaitStatus(export, RunStatus.FAILED);
            RunRecord run = h.store.findRun(export).orElseThrow();
            assertThat(run.steps()).containsEntry("pack", StepStatus.FAILED);
            assertThat(run.error()).get().asString().contains("after step 'pack'")
                    .contains("nvent.store.max-payload-bytes");
            assertThat(store.awaitingChanges).as("changes that made the run awaiting").isEmpty();
            assertThat(h.types(export)).containsSubsequence("step.completed", "await.registered", "step.failed",
                    "flow.failed");
            assertThat(h.scheduling.awaitsOfRun(export)).isEmpty();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log.messagesContaining("NVENT-0025"))
                    .singleElement().asString().contains(export).contains("'pack'").contains("larger than the limit"));
        }
    }

    /**
     * An operator's retry of a step whose after-await timed out waits for that await again; the store refusing it
     * fails the step once more, followed up as every step failed at its await is: logged as failed for good.
     */
    @Test
    void anAwaitTheStoreRefusesOnAnOperatorsRetryFailsItsStepForGoodAsWithTwoWrites() {
        RefusingHeldLater scheduling = new RefusingHeldLater();
        StopAfterEachWrite store = new StopAfterEachWrite(scheduling);
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = new EngineHarness(store, store.scheduling, "instance-a", new Label())) {
            String parcel = h.engine.start("parcel", Map.of());
            h.awaitStatus(parcel, RunStatus.AWAITING);
            h.clock.advance(Duration.ofSeconds(61));
            h.sweep();
            h.awaitStatus(parcel, RunStatus.FAILED);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log.messagesContaining("NVENT-0128"))
                    .as("the timeout's failure").hasSize(1));
            scheduling.refuse = true;

            h.engine.retryStep(parcel, "label");

            assertThat(h.engine.run(parcel).orElseThrow().steps()).containsEntry("label", StepStatus.FAILED);
            assertThat(store.awaitingWithNoAwait).isEmpty();
            assertThat(log.messagesContaining("NVENT-0025")).singleElement().asString().contains(parcel);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log.messagesContaining("NVENT-0128"))
                    .as("the timeout's failure, then the retry's").hasSize(2));
        }
    }
}
