package io.nvent.cdi.internal.engine;

import io.nvent.ConcurrentRunModificationException;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.NonRetryableStepException;
import io.nvent.RunInfo;
import io.nvent.RunNotFoundException;
import io.nvent.RunStatus;
import io.nvent.StaleExecutionException;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRecord;
import io.nvent.spi.RunMutation;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A step that knows retrying cannot help ({@link NonRetryableStepException}, or a type its
 * {@code noRetryFor} lists) fails finally at once, without spending its attempts and backoff.
 */
class NonRetryableStepsTest {

    /** Long enough that a test waiting for it would time out: a failure that is retried never ends in time. */
    private static final long MINUTE = 60_000;

    /** Fails its first run with what {@link #failure} says, then succeeds. */
    abstract static class FailsOnce implements Step<Object, String> {
        final AtomicInteger runs = new AtomicInteger();

        abstract RuntimeException failure();

        @Override
        public String execute(Object input, StepContext ctx) {
            if (runs.incrementAndGet() == 1) {
                throw failure();
            }
            return "done in attempt " + ctx.attempt();
        }
    }

    @FlowStep(flow = "invoice", name = "validate", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = MINUTE,
            backoffMaxDelayMs = MINUTE)
    static class RefusesInvalidInvoice extends FailsOnce {
        @Override
        RuntimeException failure() {
            return new NonRetryableStepException("invoice 17 has no lines");
        }
    }

    @Test
    void aStepThrowingNonRetryableStepExceptionFailsAtOnceInItsFirstOfThreeAttemptsWithoutItsBackoff() {
        RefusesInvalidInvoice step = new RefusesInvalidInvoice();
        try (EngineHarness h = new EngineHarness(step)) {
            String runId = h.engine.start("invoice", null);

            RunInfo failedRun = h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(failedRun.steps()).containsEntry("validate", StepStatus.FAILED);
            assertThat(failedRun.error()).as("the run list shows why it failed").hasValueSatisfying(error ->
                    assertThat(error).contains("invoice 17 has no lines"));
            assertThat(h.types(runId)).containsSubsequence("step.started", "step.failed", "flow.failed")
                    .doesNotContain("step.retry");
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
                assertThat(failed.attempt()).isEqualTo(1);
                assertThat(failed.data()).contains("invoice 17 has no lines", "\"maxAttempts\":3", "\"retryable\":false",
                        "\"errorType\":\"io.nvent.NonRetryableStepException\"");
            });
            assertThat(step.runs).hasValue(1);
            assertThat(h.queue.counts("invoice").failed()).as("the job is a dead letter").isEqualTo(1);
        }
    }

    @Test
    void anOperatorsRetryOfAStepThatFailedNotRetryablyRunsItAgainWithFreshAttempts() {
        RefusesInvalidInvoice step = new RefusesInvalidInvoice();
        try (EngineHarness h = new EngineHarness(step)) {
            String runId = h.engine.start("invoice", null);
            h.awaitStatus(runId, RunStatus.FAILED);

            h.engine.retryStep(runId, "validate");

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(step.runs).hasValue(2);
            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).singleElement()
                    .satisfies(done -> assertThat(done.attempt()).isEqualTo(1));
            assertThat(h.queue.counts("invoice").failed()).isZero();
        }
    }

    @FlowStep(flow = "import", name = "parse", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = MINUTE,
            backoffMaxDelayMs = MINUTE, noRetryFor = IllegalArgumentException.class)
    static class ParsesAmount extends FailsOnce {
        @Override
        RuntimeException failure() {
            // A subtype of the listed type, wrapped (as an interceptor may): found in the cause chain.
            return new IllegalStateException("import failed", new NumberFormatException("For input string: \"12,5\""));
        }
    }

    @Test
    void noRetryForFailsTheStepAtOnceForAListedTypeASubtypeOrACauseOfOne() {
        ParsesAmount step = new ParsesAmount();
        try (EngineHarness h = new EngineHarness(step)) {
            String runId = h.engine.start("import", null);

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(h.eventsOf(runId, EventType.STEP_FAILED)).singleElement().satisfies(failed -> {
                assertThat(failed.attempt()).isEqualTo(1);
                assertThat(failed.data()).contains("import failed", "\"retryable\":false",
                        "\"errorType\":\"java.lang.NumberFormatException\"");
            });
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).isEmpty();
            assertThat(step.runs).hasValue(1);
        }
    }

    @FlowStep(flow = "fetch", name = "call", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = 5,
            noRetryFor = IllegalArgumentException.class)
    static class PartnerAwayOnce extends FailsOnce {
        @Override
        RuntimeException failure() {
            return new IllegalStateException("partner answered 503");
        }
    }

    @Test
    void aFailureOfATypeNoRetryForDoesNotListIsRetriedAsBefore() {
        PartnerAwayOnce step = new PartnerAwayOnce();
        try (EngineHarness h = new EngineHarness(step)) {
            String runId = h.engine.start("fetch", null);

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).singleElement().satisfies(retry ->
                    assertThat(retry.data()).contains("partner answered 503", "\"nextAttempt\":2")
                            .doesNotContain("retryable"));
            assertThat(h.eventsOf(runId, EventType.STEP_COMPLETED)).singleElement()
                    .satisfies(done -> assertThat(done.attempt()).isEqualTo(2));
        }
    }

    @FlowStep(flow = "report", name = "render", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 5,
            timeoutMs = 300, noRetryFor = TimeoutException.class)
    static class SlowOnce implements Step<Object, String> {
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public String execute(Object input, StepContext ctx) throws InterruptedException {
            if (runs.incrementAndGet() == 1) {
                new CountDownLatch(1).await(); // until the attempt's timeout interrupts it
            }
            return "rendered";
        }
    }

    @Test
    void anAttemptPastItsTimeoutIsRetriedAsBeforeEvenWhenNoRetryForListsTimeoutException() {
        SlowOnce step = new SlowOnce();
        try (EngineHarness h = new EngineHarness(step)) {
            String runId = h.engine.start("report", null);

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).singleElement().satisfies(retry ->
                    assertThat(retry.data()).contains("exceeded its timeout", "\"nextAttempt\":2")
                            .doesNotContain("retryable"));
            assertThat(step.runs).hasValue(2);
        }
    }

    @FlowStep(flow = "charge", name = "charge", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = 50,
            backoffMaxDelayMs = 50)
    static class CardDeclined extends FailsOnce {
        @Override
        RuntimeException failure() {
            return new NonRetryableStepException("card declined");
        }
    }

    /** A queue adapter written for 0.1: it never asks {@link JobHandler#isRetryable}, and retries every failure. */
    static final class QueueThatDoesNotAsk extends MemoryJobQueue {
        QueueThatDoesNotAsk() {
            super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        }

        @Override
        public void registerWorker(String queue, int concurrency, JobHandler handler) {
            super.registerWorker(queue, concurrency, new JobHandler() {
                @Override
                public void handle(JobExecution job) throws Exception {
                    handler.handle(job);
                }

                @Override
                public void prepare(List<JobExecution> claimed) {
                    handler.prepare(claimed);
                }

                @Override
                public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
                    handler.onAttemptFailed(job, error, nextAttemptAt);
                }
            });
        }
    }

    @Test
    void onAQueueThatDoesNotAskTheStepFailsOnItsNextAttemptWithoutRunningAndAnOperatorsRetryRunsIt() {
        CardDeclined step = new CardDeclined();
        try (EngineHarness h = EngineHarness.onQueue(new QueueThatDoesNotAsk(), true, step)) {
            String runId = h.engine.start("charge", null);

            h.awaitStatus(runId, RunStatus.FAILED);
            assertThat(step.runs).as("runs of the step's code").hasValue(1);
            assertThat(h.types(runId)).containsSubsequence("step.started", "step.retry", "step.failed", "flow.failed");
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).singleElement().satisfies(retry ->
                    assertThat(retry.data()).contains("card declined", "\"retryable\":false", "\"nextAttempt\":2"));
            HistoryEvent failed = h.eventsOf(runId, EventType.STEP_FAILED).get(0);
            assertThat(failed.attempt()).as("the attempt that failed").isEqualTo(1);
            assertThat(failed.data()).contains("card declined", "\"retryable\":false",
                    "\"errorType\":\"io.nvent.NonRetryableStepException\"", "attempt 2 did not run");
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10))
                    .until(() -> h.eventsOf(runId, EventType.STEP_FAILED).size() == 1 && step.runs.get() == 1);
            assertThat(h.queue.counts("charge")).as("the attempt that did not run returned normally: no dead letter")
                    .satisfies(counts -> assertThat(counts.failed()).isZero())
                    .satisfies(counts -> assertThat(counts.completed()).isEqualTo(1));

            h.engine.retryStep(runId, "charge");

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(step.runs).hasValue(2);
        }
    }

    /**
     * Lists every runtime exception as not worth a retry; its first completion
     * write gives up on concurrent changes.
     */
    @FlowStep(flow = "ledger", name = "book", role = StepRole.ENTRY, maxAttempts = 3, backoffDelayMs = 5,
            backoffMaxDelayMs = 5, noRetryFor = RuntimeException.class)
    static class BooksEntry implements Step<Object, String> {
        final AtomicInteger runs = new AtomicInteger();
        volatile Runnable onFirstRun = () -> { };

        @Override
        public String execute(Object input, StepContext ctx) {
            if (runs.incrementAndGet() == 1) {
                onFirstRun.run();
            }
            return "booked in attempt " + ctx.attempt();
        }
    }

    /** Refuses as many run writes as {@link #refusing} says, as a store giving up on concurrent changes does. */
    static final class StoreGivingUpOnConcurrentChanges extends MemoryFlowStore {
        final AtomicInteger refusing = new AtomicInteger();

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            if (refusing.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                throw new ConcurrentRunModificationException(runId, 5);
            }
            return super.updateRun(runId, mutation);
        }
    }

    @Test
    void aStepListingRuntimeExceptionIsRetriedWhenItsCompletionWriteGaveUpOnConcurrentChanges() {
        BooksEntry step = new BooksEntry();
        StoreGivingUpOnConcurrentChanges store = new StoreGivingUpOnConcurrentChanges();
        step.onFirstRun = () -> store.refusing.set(1);
        try (EngineHarness h = EngineHarness.over(store, new HandlerKeepingQueue(), step)) {
            String runId = h.engine.start("ledger", null);

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(step.runs).as("a failure of nvent's own, retried").hasValue(2);
            assertThat(h.eventsOf(runId, EventType.STEP_RETRY)).singleElement().satisfies(retry ->
                    assertThat(retry.data()).contains("NVENT-0205", "\"nextAttempt\":2").doesNotContain("retryable"));
            assertThat(h.queue.counts("ledger").failed()).isZero();
        }
    }

    @Test
    void noRetryForNeverMatchesAFailureOfNventsOwnThatARetryMendsButNonRetryableStepExceptionAlwaysCounts() {
        HandlerKeepingQueue queue = new HandlerKeepingQueue();
        try (EngineHarness h = EngineHarness.onQueue(queue, true, new BooksEntry())) {
            JobExecution job = stepJobOf(h, queue, "ledger", "book");

            assertThat(queue.handler.isRetryable(job, new IllegalStateException("the write failed",
                    new ConcurrentRunModificationException("r-1", 5)))).as("concurrent changes, wrapped").isTrue();
            assertThat(queue.handler.isRetryable(job, new RuntimeException(new StaleExecutionException("r-1", "book",
                    "its lease ran out")))).as("a stale execution, wrapped").isTrue();
            assertThat(queue.handler.isRetryable(job, new EngineStoppedException("ledger")))
                    .as("the engine stopping").isTrue();
            assertThat(queue.handler.isRetryable(job, new RunNotFoundException("r-1")))
                    .as("a run its first attempt does not find yet (not a retryable exception itself)").isTrue();
            assertThat(queue.handler.isRetryable(job, new NonRetryableStepException("no account",
                    new ConcurrentRunModificationException("r-1", 5)))).as("the step's own word").isFalse();
            assertThat(queue.handler.isRetryable(job, new IllegalStateException("no account")))
                    .as("a listed type of the step's").isFalse();
        }
    }

    @Test
    void aFailureWhoseCausesLoopIsJudgedWithoutHangingTheQueuesWorker() {
        HandlerKeepingQueue queue = new HandlerKeepingQueue();
        try (EngineHarness h = EngineHarness.onQueue(queue, true, new BooksEntry())) {
            JobExecution job = stepJobOf(h, queue, "ledger", "book");
            RuntimeException outer = new IllegalStateException("outer");
            RuntimeException inner = new IllegalArgumentException("inner");
            outer.initCause(inner);
            inner.initCause(outer); // A -> B -> A: initCause refuses only a throwable as its own cause

            assertThat(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> queue.handler.isRetryable(job, outer)))
                    .as("a listed type, judged once").isFalse();
        }
    }

    @FlowStep(flow = "loop", name = "spin", role = StepRole.ENTRY, noRetryFor = IllegalStateException.class)
    static class FailsWithLoopingCauses implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            RuntimeException outer = new IllegalStateException("outer");
            RuntimeException inner = new IllegalArgumentException("inner");
            outer.initCause(inner);
            inner.initCause(outer); // A -> B -> A
            throw outer;
        }
    }

    @Test
    void aStepFailingWithCausesThatLoopEndsItsAttemptRatherThanHangingItsWorker() {
        try (EngineHarness h = new EngineHarness(new FailsWithLoopingCauses())) {
            String runId = h.engine.start("loop", null);

            assertThat(h.awaitStatus(runId, RunStatus.FAILED).steps()).containsEntry("spin", StepStatus.FAILED);
        }
    }

    /** The job of a run's step, its queue paused so that it stays queued. */
    private static JobExecution stepJobOf(EngineHarness h, HandlerKeepingQueue queue, String flow, String step) {
        queue.pause(flow);
        String runId = h.engine.start(flow, null);
        JobRecord queued = queue.job(flow, StepJob.jobId(runId, step)).orElseThrow();
        return new JobExecution(queued.queue(), queued.jobId(), queued.name(), queued.payload(), 1,
                queued.maxAttempts());
    }
}
