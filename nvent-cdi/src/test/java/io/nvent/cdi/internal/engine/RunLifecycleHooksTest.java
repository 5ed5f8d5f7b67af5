package io.nvent.cdi.internal.engine;

import io.nvent.AwaitBefore;
import io.nvent.AwaitRegistered;
import io.nvent.AwaitResolved;
import io.nvent.AwaitType;
import io.nvent.BulkCancel;
import io.nvent.FlowStep;
import io.nvent.RunEnded;
import io.nvent.RunInfo;
import io.nvent.RunStarted;
import io.nvent.RunStatus;
import io.nvent.StartOptions;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepFailed;
import io.nvent.StepRole;
import io.nvent.TimeoutAction;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A run stored as started tells the hooks once ({@link RunStarted}), however it was started; a run that ends tells
 * them once, with how it ended ({@link RunEnded}), however it ended; a step that fails
 * tells them whether it runs again ({@link StepFailed}); an observer that throws changes nothing.
 */
class RunLifecycleHooksTest {

    /** The mail server is away for this many attempts of a send: those attempts fail. */
    static final AtomicInteger MAIL_DOWN_FOR = new AtomicInteger();

    @FlowStep(flow = "order", name = "confirm", role = StepRole.ENTRY)
    static class Confirm extends CountingStep {
    }

    @FlowStep(flow = "invoice", name = "send", role = StepRole.ENTRY, maxAttempts = 2, backoffDelayMs = 1)
    static class Send implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            if (ctx.attempt() <= MAIL_DOWN_FOR.get()) {
                throw new IllegalStateException("mail server away");
            }
            return null;
        }
    }

    @FlowStep(flow = "parcel", name = "ship", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK, timeoutMs = 60_000, timeoutAction = TimeoutAction.FAIL)
    static class Ship extends CountingStep {
    }

    @FlowStep(flow = "quote", name = "decline", role = StepRole.ENTRY)
    static class Decline implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.cancel();
            return null;
        }
    }

    @FlowStep(flow = "family", name = "raise", role = StepRole.ENTRY)
    static class StartsAChild implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return ctx.startFlow("order", Map.of());
        }
    }

    /** Lets a charge fail once the test opens it: until then its run holds its concurrency key. */
    static volatile CountDownLatch chargeMayFail = new CountDownLatch(0);

    @FlowStep(flow = "charge", name = "charge", role = StepRole.ENTRY, maxAttempts = 1)
    static class DeclinedCharge implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            chargeMayFail.await();
            throw new IllegalStateException("card declined");
        }
    }

    @BeforeEach
    void mailServerIsUp() {
        MAIL_DOWN_FOR.set(0);
    }

    /** An observer whose pager class cannot be loaded: it throws an {@link Error}, not an exception. */
    private static void observerThrowsAnError(EngineHarness h) {
        h.onHook = event -> {
            if (event instanceof RunEnded || event instanceof StepFailed) {
                throw new NoClassDefFoundError("io/acme/Pager");
            }
        };
    }

    /** Two charges with one concurrency key: the first running (held by {@link #chargeMayFail}), the second waiting. */
    private static List<String> twoChargesOfOneCustomer(EngineHarness h, String key) {
        StartOptions sameCustomer = StartOptions.newBuilder().concurrencyKey(key).build();
        String first = h.engine.start("charge", Map.of(), sameCustomer).runId();
        h.awaitStatus(first, RunStatus.RUNNING);
        String second = h.engine.start("charge", Map.of(), sameCustomer).runId();
        h.awaitStatus(second, RunStatus.AWAITING);
        return List.of(first, second);
    }

    private static EngineHarness engine() {
        return new EngineHarness(new Confirm(), new Send(), new Ship(), new Decline(), new DeclinedCharge(),
                new StartsAChild());
    }

    @Test
    void aStartTellsOnceWithItsLabelsKeyAndDeadlineAndARepeatOfItsKeyTellsNothing() {
        try (EngineHarness h = engine()) {
            StartOptions keyed = StartOptions.newBuilder().idempotencyKey("order-7").labels("customer:7")
                    .timeout(Duration.ofHours(1)).build();
            String runId = h.engine.start("order", Map.of(), keyed).runId();
            RunInfo run = h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(h.engine.start("order", Map.of(), keyed).created()).as("the same run, answered again").isFalse();

            assertThat(h.hooksOf(RunStarted.class)).singleElement().isEqualTo(new RunStarted(runId, "order",
                    run.startedAt(), Optional.empty(), Optional.empty(), Set.of("customer:7"), Optional.of("order-7"),
                    Optional.empty(), Optional.of(run.startedAt().plus(Duration.ofHours(1)))));
        }
    }

    @Test
    void aSlowObserverOfAKeyedStartHoldsUpNoOtherKeyedStartOfTheInstance() throws Exception {
        try (EngineHarness h = engine()) {
            List<String> keys = twoKeysTakingTurnsOnOneLock("order");
            CountDownLatch observing = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            h.onHook = event -> {
                if (event instanceof RunStarted start && start.idempotencyKey().equals(Optional.of(keys.get(0)))) {
                    observing.countDown();
                    awaitQuietly(done);   // a slow observer: a page, a lookup
                }
            };
            CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> h.engine.start("order", Map.of(),
                    StartOptions.newBuilder().idempotencyKey(keys.get(0)).build()).runId());
            try {
                await().until(() -> observing.getCount() == 0);
                CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> h.engine.start("order",
                        Map.of(), StartOptions.newBuilder().idempotencyKey(keys.get(1)).build()).runId());

                assertThat(other).as("another key's start, while the first start's observer runs")
                        .succeedsWithin(Duration.ofSeconds(5));
            } finally {
                done.countDown();
            }
            assertThat(slow).succeedsWithin(Duration.ofSeconds(5));
        }
    }

    /** Two caller's keys of {@code flow} whose starts take turns on one lock of the instance, as it picks them. */
    private static List<String> twoKeysTakingTurnsOnOneLock(String flow) {
        java.util.Map<Integer, String> byLock = new java.util.HashMap<>();
        for (int i = 0; ; i++) {
            String key = "order-" + i;
            String first = byLock.putIfAbsent(Math.floorMod(FlowEngine.storedKey(flow, key).hashCode(), 64), key);
            if (first != null) {
                return List.of(first, key);
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aDelayedStartTellsAtTheStartCallWhenItsFirstStepIsDue() {
        try (EngineHarness h = engine()) {
            String runId = h.engine.start("order", Map.of(), StartOptions.newBuilder().delay(Duration.ofMinutes(5))
                    .build()).runId();

            RunStarted started = startOf(h, runId);
            h.awaitStatus(runId, RunStatus.AWAITING);
            assertThat(started.startsAt()).contains(started.startedAt().plus(Duration.ofMinutes(5)));
        }
    }

    @Test
    void aChildRunARestartAndATriggersFireEachTellOfTheRunTheyStarted() {
        try (EngineHarness h = engine()) {
            String parent = h.engine.start("family", Map.of());
            h.awaitStatus(parent, RunStatus.COMPLETED);
            String child = h.hooksOf(RunStarted.class).stream().filter(s -> s.parentRunId().isPresent())
                    .map(RunStarted::runId).findFirst().orElseThrow();
            String restarted = h.engine.restart(child);
            // A payload no BigDecimal holds: the trigger's name is read from the start without parsing its input.
            String fired = h.engine.startFromTrigger("order", "{\"amount\":1e99999999999}", "nightly",
                    StartOptions.DEFAULTS).runId();

            assertThat(startOf(h, child).parentRunId()).contains(parent);
            assertThat(startOf(h, child).idempotencyKey()).as("the key the engine gave the child, as its run has it")
                    .isEqualTo(h.engine.run(child).orElseThrow().idempotencyKey()).get().asString()
                    .startsWith("nvent-child/");
            assertThat(startOf(h, restarted).parentRunId()).as("a copy of the child").contains(parent);
            assertThat(startOf(h, fired).trigger()).contains("nightly");
            assertThat(startOf(h, parent).trigger()).isEmpty();
            assertThat(h.hooksOf(RunStarted.class)).as("once each").hasSize(4);
        }
    }

    @Test
    void anObserverOfTheStartThatThrowsAnErrorNeitherFailsTheStartNorHoldsUpTheRun() {
        try (EngineHarness h = engine()) {
            h.onHook = event -> {
                if (event instanceof RunStarted) {
                    throw new NoClassDefFoundError("io/acme/Pager");
                }
            };
            String runId = h.engine.start("order", Map.of());

            h.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(startOf(h, runId).runId()).isEqualTo(runId);
        }
    }

    @Test
    void aRunWhoseLastStepCompletedEndsCompletedOnceWithItsTimesAndLabels() {
        try (EngineHarness h = engine()) {
            String runId = h.engine.start("order", Map.of(), StartOptions.newBuilder().labels("customer:7").build())
                    .runId();
            RunInfo run = h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(endsOf(h, runId, 1)).singleElement().isEqualTo(new RunEnded(runId, "order", RunStatus.COMPLETED,
                    Optional.empty(), run.startedAt(), run.endedAt().orElseThrow(), Optional.empty(),
                    Set.of("customer:7")));
            assertThat(h.hooksOf(StepFailed.class)).isEmpty();
        }
    }

    @Test
    void aStepThatFailsIsRetriedThenFailsForGoodAndItsRunEndsFailedWithTheError() {
        try (EngineHarness h = engine()) {
            String runId = failedInvoice(h);
            List<RunEnded> ends = endsOf(h, runId, 1);

            assertThat(h.hooksOf(StepFailed.class)).satisfiesExactly(
                    retried -> {
                        assertThat(retried).extracting(StepFailed::runId, StepFailed::flow, StepFailed::step,
                                StepFailed::attempt, StepFailed::maxAttempts, StepFailed::error,
                                StepFailed::willRetry).containsExactly(runId, "invoice", "send", 1, 2,
                                "mail server away", true);
                        assertThat(retried.nextAttemptAt()).isPresent();
                    },
                    failed -> assertThat(failed).isEqualTo(new StepFailed(runId, "invoice", "send", 2, 2,
                            "mail server away", false, Optional.empty())));
            assertThat(ends).singleElement().satisfies(end -> {
                assertThat(end.status()).isEqualTo(RunStatus.FAILED);
                assertThat(end.error()).hasValue("mail server away");
            });
            assertThat(h.hooks.indexOf(ends.get(0))).as("the step's failure comes first")
                    .isGreaterThan(h.hooks.indexOf(h.hooksOf(StepFailed.class).get(1)));
        }
    }

    @Test
    void aFailedRunThatIsRetriedAndCompletesEndsASecondTime() {
        try (EngineHarness h = engine()) {
            String runId = failedInvoice(h);
            MAIL_DOWN_FOR.set(0);

            h.engine.retryStep(runId, "send");
            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(endsOf(h, runId, 2)).extracting(RunEnded::status, RunEnded::error).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(RunStatus.FAILED, Optional.of("mail server away")),
                    org.assertj.core.groups.Tuple.tuple(RunStatus.COMPLETED, Optional.empty()));
        }
    }

    @Test
    void anAwaitThatTimedOutFailsItsStepWithoutAnAttemptAndEndsTheRun() {
        try (EngineHarness h = engine()) {
            String runId = h.engine.start("parcel", Map.of());
            h.awaitStatus(runId, RunStatus.AWAITING);

            h.clock.advance(Duration.ofSeconds(61));
            h.sweep();
            List<RunEnded> ends = endsOf(h, runId, 1);

            assertThat(h.hooksOf(StepFailed.class)).singleElement().satisfies(failed -> {
                assertThat(failed.step()).isEqualTo("ship");
                assertThat(failed.attempt()).as("no attempt ran").isZero();
                assertThat(failed.willRetry()).isFalse();
            });
            assertThat(ends).singleElement().extracting(RunEnded::status).isEqualTo(RunStatus.FAILED);
        }
    }

    @Test
    void aRunCanceledByAnOperatorByItsStepOrInBulkEndsCanceledOnce() {
        try (EngineHarness h = engine()) {
            String byOperator = h.engine.start("parcel", Map.of());
            String declined = h.engine.start("quote", Map.of());
            h.awaitStatus(byOperator, RunStatus.AWAITING);
            h.awaitStatus(declined, RunStatus.CANCELED);

            h.engine.cancel(byOperator);
            h.engine.cancel(byOperator);
            List<String> inBulk = List.of(h.engine.start("parcel", Map.of()), h.engine.start("parcel", Map.of()));
            inBulk.forEach(runId -> h.awaitStatus(runId, RunStatus.AWAITING));
            h.engine.cancelRuns(BulkCancel.ofFlow("parcel"));

            for (String runId : List.of(byOperator, declined, inBulk.get(0), inBulk.get(1))) {
                assertThat(endsOf(h, runId, 1)).as(runId).singleElement().extracting(RunEnded::status)
                        .isEqualTo(RunStatus.CANCELED);
            }
        }
    }

    @Test
    void aRunDeletedDoesNotEndAgain() {
        try (EngineHarness h = engine()) {
            String runId = h.engine.start("order", Map.of());
            endsOf(h, runId, 1);

            h.engine.deleteRun(runId, "ops");

            assertThat(endsOf(h, runId)).hasSize(1);
        }
    }

    @Test
    void anObserverThatThrowsChangesNothingAboutTheRun() {
        try (EngineHarness h = engine()) {
            h.onHook = event -> {
                throw new IllegalStateException("pager is away");
            };
            MAIL_DOWN_FOR.set(1);
            String runId = h.engine.start("invoice", Map.of());

            h.awaitStatus(runId, RunStatus.COMPLETED);

            assertThat(h.types(runId)).containsSubsequence("step.retry", "step.completed", "flow.completed");
            assertThat(h.hooksOf(StepFailed.class)).as("told, though the observer threw").hasSize(1);
            assertThat(h.hooksOf(RunStarted.class)).as("told, though the observer threw").hasSize(1);
            assertThat(endsOf(h, runId, 1)).hasSize(1);
        }
    }

    @Test
    void anObserverThatThrowsAnErrorStillLetsTheOperatorsCancelCloseTheRunsAwait() {
        try (EngineHarness h = engine()) {
            observerThrowsAnError(h);
            String runId = h.engine.start("parcel", Map.of());
            h.awaitStatus(runId, RunStatus.AWAITING);

            assertThat(h.engine.cancel(runId)).as("canceled, and told so").isTrue();

            assertThat(h.engine.awaits(true, 100)).as("no await of the canceled run left open")
                    .noneMatch(await -> await.runId().equals(runId));
            assertThat(endsOf(h, runId)).singleElement().extracting(RunEnded::status).isEqualTo(RunStatus.CANCELED);
        }
    }

    @Test
    void anObserverThatThrowsAnErrorAtAFinalFailureStillHandsTheConcurrencyKeyOn() {
        chargeMayFail = new CountDownLatch(1);
        try (EngineHarness h = engine()) {
            observerThrowsAnError(h);
            List<String> charges = twoChargesOfOneCustomer(h, "customer-7");
            String first = charges.get(0);
            String second = charges.get(1);

            chargeMayFail.countDown();

            h.awaitStatus(first, RunStatus.FAILED);
            h.awaitStatus(second, RunStatus.FAILED);
            assertThat(h.hooksOf(StepFailed.class)).extracting(StepFailed::runId).containsExactly(first, second);
        } finally {
            chargeMayFail = new CountDownLatch(0);
        }
    }

    @Test
    void anAwaitHookThatThrowsAnErrorNeitherFailsAKeyedStartNorHoldsUpTheKeyOrTheEnd() {
        chargeMayFail = new CountDownLatch(1);
        try (EngineHarness h = engine()) {
            h.onHook = event -> {
                if (event instanceof AwaitResolved) {
                    throw new NoClassDefFoundError("io/acme/Pager");
                }
            };
            List<String> charges = twoChargesOfOneCustomer(h, "customer-8");
            String first = charges.get(0);
            String second = charges.get(1);

            chargeMayFail.countDown();

            h.awaitStatus(second, RunStatus.FAILED);
            assertThat(endsOf(h, first, 1)).as("the first run's end, told after its key was handed on")
                    .singleElement().extracting(RunEnded::status).isEqualTo(RunStatus.FAILED);
        } finally {
            chargeMayFail = new CountDownLatch(0);
        }
    }

    @Test
    void aStepNotWorthARetryOnAQueueThatRetriesItAllTheSameFailsOnceForGoodAndIsNotToldItWillRetry() {
        try (EngineHarness h = EngineHarness.onQueue(new NonRetryableStepsTest.QueueThatDoesNotAsk(), true,
                new NonRetryableStepsTest.CardDeclined())) {
            String runId = h.engine.start("charge", Map.of());
            h.awaitStatus(runId, RunStatus.FAILED);
            endsOf(h, runId, 1);

            assertThat(h.hooksOf(StepFailed.class)).as("attempt 1 failed once, and its step does not run again")
                    .singleElement().isEqualTo(new StepFailed(runId, "charge", "charge", 1, 3, "card declined", false,
                            Optional.empty()));
        }
    }

    @Test
    void anEventNoOneObservesIsNotMadeWhileTheOthersStillArrive() {
        try (EngineHarness h = engine()) {
            h.engine.useLifecycleObservers(type -> type == RunEnded.class);
            String failed = failedInvoice(h);
            String awaiting = h.engine.start("parcel", Map.of());
            h.awaitStatus(awaiting, RunStatus.AWAITING);

            endsOf(h, failed, 1);
            assertThat(h.hooksOf(StepFailed.class)).isEmpty();
            assertThat(h.hooksOf(RunStarted.class)).isEmpty();
            assertThat(h.hooksOf(AwaitRegistered.class)).hasSize(1);
        }
    }

    /** A run of the invoice whose both attempts failed while the mail server was away. */
    private static String failedInvoice(EngineHarness h) {
        MAIL_DOWN_FOR.set(2);
        String runId = h.engine.start("invoice", Map.of());
        h.awaitStatus(runId, RunStatus.FAILED);
        return runId;
    }

    /** The start of a run: the hooks are told as it is stored, before its first step is queued. */
    private static RunStarted startOf(EngineHarness h, String runId) {
        return h.hooksOf(RunStarted.class).stream().filter(start -> start.runId().equals(runId)).findFirst()
                .orElseThrow(() -> new AssertionError("no RunStarted of run " + runId + " in " + h.hooks));
    }

    private static List<RunEnded> endsOf(EngineHarness h, String runId) {
        return h.hooksOf(RunEnded.class).stream().filter(end -> end.runId().equals(runId)).toList();
    }

    /** The ends of a run, once there are {@code count}: the hooks are told after the end is stored. */
    private static List<RunEnded> endsOf(EngineHarness h, String runId, int count) {
        await().until(() -> endsOf(h, runId).size() >= count);
        return endsOf(h, runId);
    }
}
