package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.VirtualClockTimers;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AdapterUnavailableException;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.RunRecord;
import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An await the scheduling store refuses to save, saved after the change of its run that began it, leaves no run
 * waiting for ever with nothing to resume it: the refusal is logged and the step fails, so the run can be retried.
 */
class RefusedAwaitTest {

    static final int LIMIT = 1024;

    /** Emits an event larger than the store keeps in an await's held events, then waits for an approval. */
    @FlowStep(flow = "export", name = "pack", role = StepRole.ENTRY, emits = "packed")
    @AwaitAfter(type = AwaitType.WEBHOOK)
    static class Pack implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("packed", "x".repeat(2 * LIMIT));
            return null;
        }
    }

    /** Waits for an approval before it runs. */
    @FlowStep(flow = "expense", name = "pay", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK)
    static class Pay implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** Waits for an approval before it runs, and has three attempts a second apart. */
    @FlowStep(flow = "claim", name = "approve", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = 1000)
    @AwaitBefore(type = AwaitType.WEBHOOK)
    static class Approve implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** Fails the first saves of awaits as an adapter whose database is away does ({@code NVENT-0250}). */
    static final class SchedulingAway extends MemorySchedulingStore {
        final AtomicInteger failures;

        SchedulingAway(int failures) {
            this.failures = new AtomicInteger(failures);
        }

        @Override
        public synchronized void saveAwait(AwaitRecord await) {
            if (failures.getAndDecrement() > 0) {
                throw new AdapterUnavailableException("memory", "connection refused", null);
            }
            super.saveAwait(await);
        }
    }

    /** Fails the first save of an await, as a database away for a moment does. */
    static final class FlakyScheduling extends MemorySchedulingStore {
        final AtomicInteger failures = new AtomicInteger(1);

        @Override
        public synchronized void saveAwait(AwaitRecord await) {
            if (failures.getAndDecrement() > 0) {
                throw new IllegalStateException("connection refused");
            }
            super.saveAwait(await);
        }
    }

    @Test
    void anAwaitTheStoreWasAwayForIsSavedAgainAfterTheStepsBackoffAndTheRunWaitsOn() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = EngineHarness.withStartsStoredFirst(new SchedulingAway(1), new Approve())) {
            h.engine.useTimers(executor, VirtualClockTimers.of(h.clock));
            String claim = h.engine.start("claim", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.messagesContaining("NVENT-0036").isEmpty());
            assertThat(log.messagesContaining("NVENT-0036")).singleElement().asString().contains(claim)
                    .contains("'approve'").contains("attempt 2 of 3");
            assertThat(h.scheduling.awaitsOfRun(claim)).isEmpty();

            h.clock.advance(Duration.ofSeconds(1));

            assertThat(h.scheduling.awaitsOfRun(claim)).singleElement()
                    .satisfies(waiting -> assertThat(waiting.status()).isEqualTo(AwaitStatus.WAITING));
            assertThat(h.engine.run(claim).orElseThrow().status()).isEqualTo(RunStatus.AWAITING);
            assertThat(log.messagesContaining("NVENT-0025")).isEmpty();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void anAwaitTheStoreStaysAwayForFailsItsStepOnceTheStepsAttemptsAreUsedUp() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = EngineHarness.withStartsStoredFirst(new SchedulingAway(3), new Approve())) {
            h.engine.useTimers(executor, VirtualClockTimers.of(h.clock));
            String claim = h.engine.start("claim", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.messagesContaining("NVENT-0036").isEmpty());

            h.clock.advance(Duration.ofMinutes(1));

            h.awaitStatus(claim, RunStatus.FAILED);
            assertThat(log.messagesContaining("NVENT-0036")).hasSize(2);
            assertThat(log.messagesContaining("NVENT-0025")).singleElement().asString().contains(claim)
                    .contains("NVENT-0250");
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void anAfterAwaitWhoseHeldEventsTheStoreRefusesFailsItsStepSayingWhichLimitToRaise() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = EngineHarness.withStartsStoredFirst(new HeldSizeLimitedScheduling(LIMIT), new Pack())) {
            String export = h.engine.start("export", Map.of());

            h.awaitStatus(export, RunStatus.FAILED);
            RunRecord run = h.store.findRun(export).orElseThrow();
            assertThat(run.steps()).containsEntry("pack", StepStatus.FAILED);
            assertThat(run.error()).get().asString().contains("after step 'pack'")
                    .contains("nvent.store.max-payload-bytes");
            assertThat(h.scheduling.awaitsOfRun(export)).isEmpty();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log.messagesContaining("NVENT-0025"))
                    .singleElement().asString().contains(export).contains("'pack'")
                    .contains("larger than the limit"));
        }
    }

    @Test
    void aBeforeAwaitTheStoreFailsToSaveFailsTheStepAndARetryWaitsForTheApprovalAgain() {
        try (LogRecorder log = LogRecorder.recordingInfoOf(FlowEngine.class);
             EngineHarness h = EngineHarness.withStartsStoredFirst(new FlakyScheduling(), new Pay())) {
            String expense = h.engine.start("expense", Map.of());

            h.awaitStatus(expense, RunStatus.FAILED);
            assertThat(h.store.findRun(expense).orElseThrow().error()).get().asString()
                    .contains("connection refused").contains("retry the step");
            assertThat(log.messagesContaining("NVENT-0025")).singleElement().asString().contains(expense)
                    .contains("'pay'");

            h.engine.retryStep(expense, "pay");
            h.awaitStatus(expense, RunStatus.AWAITING);
            assertThat(h.scheduling.awaitsOfRun(expense)).singleElement()
                    .satisfies(waiting -> assertThat(waiting.status()).isEqualTo(AwaitStatus.WAITING));
        }
    }
}
