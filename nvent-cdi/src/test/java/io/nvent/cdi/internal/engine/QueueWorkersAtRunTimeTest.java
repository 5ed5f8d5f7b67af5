package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.ClusterInstance;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.spi.JobHandler;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * "2 workers per instance instead of 4 until morning": a queue's workers set at run time on one instance are
 * followed by every instance sharing the scheduling store, and removed, each goes back to its configured ones; an
 * instance that leaves the queue to others keeps leaving it.
 */
class QueueWorkersAtRunTimeTest {

    @FlowStep(flow = "invoice", name = "send", role = StepRole.ENTRY, queue = "invoices")
    public static class Send implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    private final MemoryFlowStore store = new MemoryFlowStore();
    private final MemorySchedulingStore scheduling = new MemorySchedulingStore();

    private EmbeddedEngine instance(int workers) {
        return EmbeddedEngine.newBuilder().step(new Send()).store(store).schedulingStore(scheduling)
                .concurrency("invoices", workers).build();
    }

    @Test
    void workersSetOnOneInstanceAreFollowedByTheOthersAndRemovedEachGoesBackToItsOwn() {
        try (EmbeddedEngine a = instance(4); EmbeddedEngine b = instance(8); EmbeddedEngine elsewhere = instance(0)) {
            a.setQueueWorkers("invoices", 2);

            assertThat(a.queueWorkersHere("invoices")).as("at once where it was set").isEqualTo(2);
            awaitWorkers(b, 2);
            elsewhere.sweep();
            assertThat(elsewhere.queueWorkersHere("invoices")).as("a queue left to others stays so").isZero();
            assertThat(b.queueWorkersOverride("invoices")).isEqualTo(OptionalInt.of(2));

            b.removeQueueWorkers("invoices");

            assertThat(b.queueWorkersHere("invoices")).isEqualTo(8);
            awaitWorkers(a, 4);
            assertThat(a.queueWorkersOverride("invoices")).isEmpty();
        }
    }

    @Test
    void anInstanceStartingWhileWorkersAreSetRunsThemAndRunsItsSteps() {
        try (EmbeddedEngine a = instance(4)) {
            a.setQueueWorkers("invoices", 1);
        }
        try (EmbeddedEngine restarted = instance(4)) {
            assertThat(restarted.queueWorkersHere("invoices")).isEqualTo(1);
            String runId = restarted.flows().start("invoice", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> restarted.flows().run(runId).orElseThrow().status()
                    == io.nvent.RunStatus.COMPLETED);
        }
    }

    @Test
    void anInstanceStartingWhileWorkersAreSetStartsThoseNotFirstItsConfiguredOnes() {
        scheduling.setQueueWorkers("invoices", OptionalInt.of(1));
        List<String> calls = new CopyOnWriteArrayList<>();
        MemoryJobQueue queue = new MemoryJobQueue(Clock.systemUTC(), Thread::new) {
            @Override
            public void registerWorker(String name, int concurrency, JobHandler handler) {
                calls.add("register " + name + " " + concurrency);
                super.registerWorker(name, concurrency, handler);
            }

            @Override
            public void resizeWorkers(String name, int workers) {
                calls.add("resize " + name + " " + workers);
                super.resizeWorkers(name, workers);
            }
        };

        try (EmbeddedEngine restarted = EmbeddedEngine.newBuilder().step(new Send()).store(store)
                .schedulingStore(scheduling).queue(queue).concurrency("invoices", 4).build()) {
            assertThat(calls).as("no attempt starts at the configured 4 before the 1 set applies")
                    .containsExactly("register invoices 1");
            assertThat(restarted.queueWorkersHere("invoices")).isEqualTo(1);
        }
    }

    @Test
    void anInstanceStartingWhileTheWorkersAreSetToNoneRunsNoJobOfTheQueueUntilTheyAreRaised() {
        AtomicInteger workerThreads = new AtomicInteger();
        MemoryJobQueue shared = new MemoryJobQueue(Clock.systemUTC(), task -> {
            workerThreads.incrementAndGet();
            return new Thread(task);
        });
        try (EmbeddedEngine before = EmbeddedEngine.newBuilder().step(new Send()).store(store)
                .schedulingStore(scheduling).queue(shared).concurrency("invoices", 0).build()) {
            before.setQueueWorkers("invoices", 0);
            String runId = before.flows().start("invoice", null);

            try (EmbeddedEngine started = EmbeddedEngine.newBuilder().step(new Send()).store(store)
                    .schedulingStore(scheduling).queue(shared).concurrency("invoices", 4).build()) {
                started.sweep();
                assertThat(workerThreads).as("not one worker started, so the waiting job stays waiting").hasValue(0);
                assertThat(started.queueWorkersHere("invoices")).isZero();
                assertThat(store.findRun(runId).orElseThrow().status()).isEqualTo(io.nvent.RunStatus.RUNNING);

                started.setQueueWorkers("invoices", 1);

                await().atMost(Duration.ofSeconds(10)).until(() -> started.flows().run(runId).orElseThrow().status()
                        == io.nvent.RunStatus.COMPLETED);
            }
        }
    }

    @Test
    void anInstanceStartedWithNoWorkersShowsZeroThenRunsTheRaisedCountAndItsOwnOnceTheRecordIsRemoved() {
        scheduling.setQueueWorkers("invoices", OptionalInt.of(0));
        AtomicInteger workerThreads = new AtomicInteger();
        MemoryJobQueue queue = new MemoryJobQueue(Clock.systemUTC(), task -> {
            workerThreads.incrementAndGet();
            return new Thread(task);
        });
        try (EmbeddedEngine restarted = EmbeddedEngine.newBuilder().step(new Send()).store(store)
                .schedulingStore(scheduling).queue(queue).concurrency("invoices", 4).build()) {
            assertThat(workersSeen(restarted)).as("its record says 0 from the start").isZero();
            assertThat(restarted.flows().health().checks()).filteredOn(check -> check.name().equals("queues"))
                    .singleElement().as("0 is the operator's choice").matches(check -> check.up());

            restarted.setQueueWorkers("invoices", 2);
            restarted.sweep();

            assertThat(workerThreads).hasValue(2);
            assertThat(workersSeen(restarted)).isEqualTo(2);

            restarted.removeQueueWorkers("invoices");
            restarted.sweep();

            assertThat(workerThreads).as("back to its configured 4").hasValue(4);
            assertThat(restarted.queueWorkersHere("invoices")).isEqualTo(4);
            assertThat(workersSeen(restarted)).isEqualTo(4);
            String runId = restarted.flows().start("invoice", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> restarted.flows().run(runId).orElseThrow().status()
                    == io.nvent.RunStatus.COMPLETED);
        }
    }

    @Test
    void theInstancesViewShowsTheWorkersEachInstanceRunsNowNotItsConfiguredOnes() {
        try (EmbeddedEngine a = instance(4)) {
            assertThat(workersSeen(a)).isEqualTo(4);

            a.setQueueWorkers("invoices", 2);
            a.sweep();

            assertThat(workersSeen(a)).isEqualTo(2);

            a.removeQueueWorkers("invoices");
            a.sweep();

            assertThat(workersSeen(a)).isEqualTo(4);
        }
    }

    @Test
    void aQueueSetToNoWorkersWithJobsWaitingIsNotReportedAsTakenByNoInstance() {
        try (EmbeddedEngine a = instance(4)) {
            a.setQueueWorkers("invoices", 0);
            a.flows().start("invoice", null);
            a.sweep();

            assertThat(workersSeen(a)).isZero();
            assertThat(a.flows().health().checks()).filteredOn(check -> check.name().equals("queues")).singleElement()
                    .as("set to 0 by an operator, as a pause: no NVENT-0030").matches(check -> check.up());
        }
    }

    private static int workersSeen(EmbeddedEngine engine) {
        ClusterInstance self = engine.flows().instances().instances().stream().filter(ClusterInstance::thisInstance)
                .findFirst().orElseThrow();
        return self.queues().get("invoices");
    }

    @Test
    void workersOutOfRangeAreRefusedAndNothingIsRecorded() {
        try (EmbeddedEngine a = instance(4)) {
            assertThatThrownBy(() -> a.setQueueWorkers("invoices", -1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0 to 1000");
            assertThatThrownBy(() -> a.setQueueWorkers("invoices", 1001)).isInstanceOf(IllegalArgumentException.class);
            assertThat(a.queueWorkersOverride("invoices")).isEmpty();
            assertThat(a.queueWorkersHere("invoices")).isEqualTo(4);
        }
    }

    private static void awaitWorkers(EmbeddedEngine engine, int workers) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            engine.sweep();
            return engine.queueWorkersHere("invoices") == workers;
        });
    }
}
