package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.SchedulingStore;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Queue pauses recorded in the store, which every engine sharing it follows, also after a restart. */
class QueuePausesTest {

    private static final Clock CLOCK = Clock.fixed(java.time.Instant.parse("2026-01-05T09:00:00Z"), java.time.ZoneOffset.UTC);

    @FlowStep(flow = "mailing", name = "send", role = StepRole.ENTRY)
    static class Send implements Step<Map<String, Object>, String> {
        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            return "sent";
        }
    }

    private final SchedulingStore scheduling = MemoryAdapters.schedulingStore();
    private final FlowStore runs = MemoryAdapters.store();
    /** The queue and the pauses of an instance here, and the pauses of one there, over the same store. */
    private final JobQueue here = MemoryAdapters.queue(Clock.systemUTC());
    private final QueuePauses pausesHere = new QueuePauses(here, scheduling, CLOCK);
    private final QueuePauses pausesThere = new QueuePauses(MemoryAdapters.queue(Clock.systemUTC()), scheduling, CLOCK);

    private EmbeddedEngine instance() {
        return EmbeddedEngine.newBuilder().step(new Send()).store(runs).schedulingStore(scheduling)
                .sweepEvery(Duration.ofMillis(50)).build();
    }

    @Test
    void aQueuePausedOnOneInstanceIsPausedOnEveryInstanceSharingTheStoreUntilItIsResumedOnAny() {
        try (EmbeddedEngine first = instance(); EmbeddedEngine second = instance()) {
            first.pauseQueue("mailing");

            assertThat(first.queue().isPaused("mailing")).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> second.queue().isPaused("mailing"));
            String run = second.flows().start("mailing", Map.of());
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .until(() -> second.flows().run(run).orElseThrow().status() == RunStatus.RUNNING);

            second.resumeQueue("mailing");

            await().atMost(Duration.ofSeconds(10)).until(() -> !first.queue().isPaused("mailing"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> second.flows().run(run).orElseThrow().status() == RunStatus.COMPLETED);
        }
    }

    @Test
    void theJobsOfRunsCanceledAndDeletedWhileTheirQueueWasPausedEndOnTheResumeWithoutLeavingDeadLetters() {
        try (EmbeddedEngine engine = instance()) {
            engine.pauseQueue("mailing");
            List<String> canceled = IntStream.range(0, 3).mapToObj(i -> engine.flows().start("mailing", Map.of()))
                    .toList();
            canceled.forEach(engine.flows()::cancel);
            assertThat(engine.flows().clearHistory("mailing")).as("runs deleted").isEqualTo(3);

            engine.resumeQueue("mailing");

            await().atMost(Duration.ofSeconds(10)).until(() -> engine.queue().counts("mailing").completed() == 3);
            assertThat(engine.queue().counts("mailing").failed()).as("failed jobs, kept until discarded").isZero();
        }
    }

    @Test
    void aRestartedInstanceKeepsAQueuePausedFromBeforeItsWorkersStart() {
        try (EmbeddedEngine before = instance()) {
            before.pauseQueue("mailing");
        }

        try (EmbeddedEngine after = instance()) {
            assertThat(after.queue().isPaused("mailing")).isTrue();
            assertThat(scheduling.pausedQueues()).containsExactly("mailing");
        }
    }

    @Test
    void aPauseMadeOnTheQueueAdapterItselfIsLeftAloneByTheStoresRecord() {
        MemoryJobQueue queue = (MemoryJobQueue) MemoryAdapters.queue(Clock.systemUTC());
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Send()).schedulingStore(scheduling)
                .queue(queue).sweepEvery(Duration.ofMillis(50)).build()) {
            queue.pause("mailing");
            engine.pauseQueue("other");
            engine.resumeQueue("other");

            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                    .until(() -> queue.isPaused("mailing"));
        }
    }

    @Test
    void aResumeWhileTheSweepReadsThePausesIsNotTakenForAnotherInstancesPause() throws Exception {
        SchedulingStore recorded = MemoryAdapters.schedulingStore();
        JobQueue jobs = MemoryAdapters.queue(Clock.systemUTC());
        AtomicReference<QueuePauses> pauses = new AtomicReference<>();
        Thread operator = new Thread(() -> pauses.get().resume("mailing"));
        // The operator resumes the queue just after the sweep read the recorded pauses, before it applies them.
        SchedulingStore resumedDuringTheRead = (SchedulingStore) Proxy.newProxyInstance(
                SchedulingStore.class.getClassLoader(), new Class<?>[] {SchedulingStore.class}, (proxy, method, args) -> {
                    Object result = method.invoke(recorded, args);
                    if (method.getName().equals("pausedQueues") && result.equals(Set.of("mailing"))
                            && operator.getState() == Thread.State.NEW) {
                        operator.start();
                        operator.join(500);
                    }
                    return result;
                });
        pauses.set(new QueuePauses(jobs, resumedDuringTheRead, CLOCK));
        pauses.get().follow();
        pauses.get().pause("mailing");

        pauses.get().follow();
        operator.join();

        assertThat(jobs.isPaused("mailing")).as("resumed by the operator, not paused again by the sweep").isFalse();
        pauses.get().follow();
        assertThat(jobs.isPaused("mailing")).isFalse();
    }

    @Test
    void aQueuePausedHereAndResumedOnAnotherInstanceBeforeThisOneLooksAgainIsResumedHere() {
        pausesHere.follow();
        pausesThere.follow();

        pausesHere.pause("mailing");
        pausesThere.follow();
        pausesThere.resume("mailing");
        pausesHere.follow();

        assertThat(here.isPaused("mailing")).as("resumed on the other instance").isFalse();
    }

    @Test
    void aQueueResumedHereAndPausedOnAnotherInstanceBeforeThisOneLooksAgainIsPausedHere() {
        pausesHere.pause("mailing");
        pausesHere.follow();
        pausesThere.follow();

        pausesHere.resume("mailing");
        pausesThere.pause("mailing");
        pausesHere.follow();

        assertThat(here.isPaused("mailing")).as("paused on the other instance").isTrue();
    }

    /**
     * What an instance reports (a list of queues, a metrics scrape) is a read: it applies no pause another instance
     * recorded or removed since this instance last looked (on PostgreSQL that was a write under the pause lock on a
     * GET). Its next look, the sweep's, applies them, with who paused.
     */
    @Test
    void whatAnInstanceReportsOfAPauseAnotherInstanceMadeOrRemovedChangesNothingUntilItsNextLook() {
        pausesHere.follow();
        pausesThere.follow();

        io.nvent.Operator alice = io.nvent.Operator.signedIn("alice").because("supplier outage");
        OperatorScope.actingAs(alice, () -> {
            pausesThere.pause("mailing");
            return null;
        });
        Set<String> beforeItsLook = pausesHere.pausedHere(Set.of("mailing", "billing"));
        Map<String, io.nvent.spi.QueueChange> whoPaused = pausesHere.changes();

        assertThat(beforeItsLook).as("not applied by a read").isEmpty();
        assertThat(here.isPaused("mailing")).isFalse();
        assertThat(whoPaused.get("mailing").by()).as("the store's record, read").contains("alice");

        pausesHere.follow();

        assertThat(pausesHere.pausedHere(Set.of("mailing", "billing"))).containsExactly("mailing");
        assertThat(here.pauseChanges(Set.of("mailing")).get("mailing").by()).as("applied with who paused")
                .contains("alice");

        pausesThere.resume("mailing");
        pausesHere.changes();
        assertThat(here.isPaused("mailing")).as("a read resumes nothing either").isTrue();
        pausesHere.follow();
        assertThat(here.isPaused("mailing")).isFalse();
    }
}
