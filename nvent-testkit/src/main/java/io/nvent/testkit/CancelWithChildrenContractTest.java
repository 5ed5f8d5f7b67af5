package io.nvent.testkit;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.AwaitInfo;
import io.nvent.AwaitType;
import io.nvent.BulkCancel;
import io.nvent.BulkResult;
import io.nvent.CancelOptions;
import io.nvent.CanceledRuns;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.RunInfo;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Canceling a run with its children ({@link CancelOptions#withChildren()}) on the engine over the store under test:
 * a newsletter that sent a mail, a forward (which sent a mail of its own) and a receipt, and waits for them.
 * Subclasses give an engine with {@link #STEPS} deployed on their store, and close it after each test.
 *
 * @since 0.2
 */
public abstract class CancelWithChildrenContractTest {

    /** The steps the engine under test deploys. */
    protected static final List<Step<?, ?>> STEPS = List.of(new FanOut(), new Report(), new Send(), new Forward(),
            new Receipt(), new FanOutLate(), new LateParent());

    static final AtomicInteger REPORTS = new AtomicInteger();
    static volatile CountDownLatch lateFanOutBegan = new CountDownLatch(1);
    static final Semaphore LATE_FAN_OUT_GOES_ON = new Semaphore(0);
    static final Semaphore LATE_FAN_OUT_ENDS = new Semaphore(0);
    static final List<String> LATE_CHILDREN = new CopyOnWriteArrayList<>();

    /**
     * An engine with {@link #STEPS} deployed, over the store under test, 4 workers or more.
     *
     * @return its flow service
     */
    protected abstract FlowService flows();

    /** Starts the mails, the forward and the receipt, then says so. */
    @FlowStep(flow = "newsletter", name = "fan-out", role = StepRole.ENTRY, emits = "mails.started")
    public static class FanOut implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.startFlow("mail", Map.of("to", "a"));
            ctx.startFlow("forward", Map.of("to", "b"));
            ctx.startFlow("receipt", Map.of());
            ctx.emit("mails.started", input);
            return null;
        }
    }

    /** Reports once every child has ended. */
    @FlowStep(flow = "newsletter", name = "report", subscribes = "mails.started")
    @AwaitBefore(type = AwaitType.CHILDREN)
    public static class Report implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            REPORTS.incrementAndGet();
            return null;
        }
    }

    /** A mail waiting a day for its approval. */
    @FlowStep(flow = "mail", name = "send", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.EVENT, event = "mail.approved", timeoutMs = 86_400_000)
    public static class Send implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    /** Sends a mail of its own, then waits a day for its confirmation. */
    @FlowStep(flow = "forward", name = "forward", role = StepRole.ENTRY)
    @AwaitAfter(type = AwaitType.WEBHOOK, timeoutMs = 86_400_000)
    public static class Forward implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.startFlow("mail", Map.of("to", "c"));
            return null;
        }
    }

    /** Ends at once. */
    @FlowStep(flow = "receipt", name = "file", role = StepRole.ENTRY)
    public static class Receipt implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    /**
     * Starts its mail only once the test lets it, and returns only once the test lets it again (at most 30 s later),
     * ignoring the cancel's interrupt meanwhile.
     */
    @FlowStep(flow = "late-newsletter", name = "fan-out", role = StepRole.ENTRY)
    public static class FanOutLate implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            lateFanOutBegan.countDown();
            LATE_FAN_OUT_GOES_ON.acquireUninterruptibly();
            Thread.interrupted();
            LATE_CHILDREN.add(ctx.startFlow("mail", Map.of("to", "late")));
            awaitIgnoringInterrupts(LATE_FAN_OUT_ENDS);
            return null;
        }

        private static void awaitIgnoringInterrupts(Semaphore permit) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            boolean acquired = false;
            while (!acquired && deadline - System.nanoTime() > 0) {
                try {
                    acquired = permit.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException ignoredAsThisStepIgnoresTheCancel) {
                    // goes on waiting: the step under test is one that ignores the cancel's interrupt
                }
            }
        }
    }

    /** Starts a late newsletter, then waits a day for its confirmation. */
    @FlowStep(flow = "late-parent", name = "start", role = StepRole.ENTRY)
    @AwaitAfter(type = AwaitType.WEBHOOK, timeoutMs = 86_400_000)
    public static class LateParent implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.startFlow("late-newsletter", Map.of());
            return null;
        }
    }

    @BeforeEach
    void resetSteps() {
        REPORTS.set(0);
        lateFanOutBegan = new CountDownLatch(1);
        LATE_FAN_OUT_GOES_ON.drainPermits();
        LATE_FAN_OUT_ENDS.drainPermits();
        LATE_CHILDREN.clear();
    }

    @Test
    void aRunCanceledWithItsChildrenCancelsEveryDescendantUnderWayAndLeavesTheEndedAlone() {
        String newsletter = newsletterWaitingForItsChildren();

        CanceledRuns canceled = flows().cancel(newsletter, CancelOptions.withChildren());

        assertThat(canceled).isEqualTo(new CanceledRuns(true, 3, false));
        assertThat(statusOf(newsletter)).isEqualTo(RunStatus.CANCELED);
        for (RunInfo descendant : descendantsOf(newsletter)) {
            if (descendant.flow().equals("receipt")) {
                assertThat(descendant.status()).as("the receipt, which had ended").isEqualTo(RunStatus.COMPLETED);
            } else {
                assertThat(descendant.status()).as(descendant.flow()).isEqualTo(RunStatus.CANCELED);
                assertThat(cancelEntryOf(descendant.runId())).containsEntry("reason", "parent canceled")
                        .containsEntry("canceledWith", newsletter);
            }
        }
        assertThat(flows().awaits(true, 100)).as("awaits still waiting").extracting(AwaitInfo::runId)
                .doesNotContain(newsletter);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(() -> REPORTS.get() == 0);
    }

    @Test
    void aRunCanceledAloneLeavesItsChildrenRunning() {
        String newsletter = newsletterWaitingForItsChildren();

        assertThat(flows().cancel(newsletter)).isTrue();

        assertThat(descendantsOf(newsletter)).filteredOn(run -> !run.flow().equals("receipt"))
                .extracting(RunInfo::status).containsOnly(RunStatus.AWAITING).hasSize(3);
    }

    @Test
    void aBulkCancelWithChildrenCancelsEachRunsDescendantsUnderWayAndCountsThem() {
        String newsletter = newsletterWaitingForItsChildren();

        BulkResult result = flows().cancelRuns(BulkCancel.ofFlow("newsletter").withChildren());

        assertThat(result).isEqualTo(new BulkResult(1, 1, Map.of(), 0, Optional.empty(), 3));
        assertThat(descendantsOf(newsletter)).extracting(RunInfo::status).doesNotContain(RunStatus.AWAITING);
    }

    @Test
    void descendantsBeyondTheLimitAreLeftToARepeatOfTheCancel() {
        String newsletter = newsletterWaitingForItsChildren();
        CancelOptions twoAtATime = CancelOptions.withChildren().toBuilder().limit(2).build();

        assertThat(flows().cancel(newsletter, twoAtATime)).isEqualTo(new CanceledRuns(true, 2, true));
        assertThat(descendantsOf(newsletter)).extracting(RunInfo::status).containsOnlyOnce(RunStatus.AWAITING);

        assertThat(flows().cancel(newsletter, twoAtATime)).isEqualTo(new CanceledRuns(false, 1, false));
        assertThat(descendantsOf(newsletter)).extracting(RunInfo::status).doesNotContain(RunStatus.AWAITING);
        assertThat(flows().cancel(newsletter, twoAtATime)).as("a repeat once all are canceled")
                .isEqualTo(new CanceledRuns(false, 0, false));
    }

    @Test
    void aChildAStepStartsAfterItsRunWasCanceledWithItsChildrenEndsCanceled() throws InterruptedException {
        String newsletter = flows().start("late-newsletter", Map.of());
        assertThat(lateFanOutBegan.await(20, TimeUnit.SECONDS)).isTrue();

        assertThat(flows().cancel(newsletter, CancelOptions.withChildren()))
                .isEqualTo(new CanceledRuns(true, 0, false));

        assertTheChildItStartsNowEndsCanceledWhileTheStepGoesOn(newsletter);
    }

    @Test
    void aChildAStepStartsAfterItsRunWasCanceledAloneAndThenWithItsChildrenEndsCanceled()
            throws InterruptedException {
        String newsletter = flows().start("late-newsletter", Map.of());
        assertThat(lateFanOutBegan.await(20, TimeUnit.SECONDS)).isTrue();

        assertThat(flows().cancel(newsletter)).isTrue();
        assertThat(flows().cancel(newsletter, CancelOptions.withChildren()))
                .isEqualTo(new CanceledRuns(false, 0, false));

        assertTheChildItStartsNowEndsCanceledWhileTheStepGoesOn(newsletter);
    }

    @Test
    void aDescendantCanceledAloneBeforeHasItsChildrenCanceledAndIsMarked() {
        String newsletter = newsletterWaitingForItsChildren();
        String forward = descendantsOf(newsletter).stream().filter(run -> run.flow().equals("forward"))
                .map(RunInfo::runId).findFirst().orElseThrow();
        assertThat(flows().cancel(forward)).isTrue();

        assertThat(flows().cancel(newsletter, CancelOptions.withChildren()))
                .as("the newsletter's mail and the forward's, which went on after the forward was canceled")
                .isEqualTo(new CanceledRuns(true, 2, false));

        assertThat(descendantsOf(newsletter)).extracting(RunInfo::status).doesNotContain(RunStatus.AWAITING);
        assertThat(lastCancelEntryOf(forward)).containsEntry("withChildren", true)
                .containsEntry("canceledWith", newsletter);
    }

    @Test
    void aChildADescendantCanceledAloneStartsAfterItsAncestorWasCanceledWithItsChildrenEndsCanceled()
            throws InterruptedException {
        String parent = flows().start("late-parent", Map.of());
        assertThat(lateFanOutBegan.await(20, TimeUnit.SECONDS)).isTrue();
        String newsletter = flows().runs(RunQuery.all().withParentRunId(parent)).get(0).runId();
        assertThat(flows().cancel(newsletter)).isTrue();

        assertThat(flows().cancel(parent, CancelOptions.withChildren())).isEqualTo(new CanceledRuns(true, 0, false));

        assertTheChildItStartsNowEndsCanceledWhileTheStepGoesOn(parent);
    }

    /** Lets the late newsletter's step start its mail: canceled at its start, before the step returns. */
    private void assertTheChildItStartsNowEndsCanceledWhileTheStepGoesOn(String newsletter) {
        LATE_FAN_OUT_GOES_ON.release();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> LATE_CHILDREN.size() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> statusOf(LATE_CHILDREN.get(0)) == RunStatus.CANCELED);
            assertThat(cancelEntryOf(LATE_CHILDREN.get(0))).containsEntry("reason", "parent canceled")
                    .containsEntry("canceledWith", newsletter);
        } finally {
            LATE_FAN_OUT_ENDS.release();
        }
    }

    /** A newsletter whose children have started (the receipt ended, the others waiting) and which waits for them. */
    private String newsletterWaitingForItsChildren() {
        String newsletter = flows().start("newsletter", Map.of());
        await().atMost(Duration.ofSeconds(20)).until(() -> statusOf(newsletter) == RunStatus.AWAITING
                && descendantsOf(newsletter).stream().filter(run -> run.status() == RunStatus.AWAITING).count() == 3
                && descendantsOf(newsletter).stream().anyMatch(run -> run.status() == RunStatus.COMPLETED));
        return newsletter;
    }

    /** The run's children and their children: the forward's mail. */
    private List<RunInfo> descendantsOf(String runId) {
        List<RunInfo> children = flows().runs(RunQuery.all().withParentRunId(runId));
        return children.stream().flatMap(child -> java.util.stream.Stream.concat(java.util.stream.Stream.of(child),
                flows().runs(RunQuery.all().withParentRunId(child.runId())).stream())).toList();
    }

    private RunStatus statusOf(String runId) {
        return flows().run(runId).map(RunInfo::status).orElseThrow();
    }

    private Map<Object, Object> cancelEntryOf(String runId) {
        return cancelEntryOf(runId, false);
    }

    private Map<Object, Object> lastCancelEntryOf(String runId) {
        return cancelEntryOf(runId, true);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> cancelEntryOf(String runId, boolean latest) {
        return flows().events(runId, new EventQuery(Set.of(EventType.FLOW_CANCEL), 0, 1, latest)).stream().findFirst()
                .map(entry -> (Map<Object, Object>) JsonValues.canonical(entry.data())).orElseThrow();
    }
}
