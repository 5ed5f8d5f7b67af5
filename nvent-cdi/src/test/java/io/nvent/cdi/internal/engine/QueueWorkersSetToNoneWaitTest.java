package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepWait;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.cdi.internal.Threads;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * "Why has this invoice not been sent?": a step waiting on a queue an operator set to 0 workers says that the queue's
 * workers are set to 0 on every instance that takes it, and how to raise them, not that it waits for a free worker.
 */
class QueueWorkersSetToNoneWaitTest {

    @FlowStep(flow = "invoice", name = "send", role = StepRole.ENTRY, queue = "invoices")
    public static class Send implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "month-end", name = "close", role = StepRole.ENTRY, emits = "closed")
    public static class Close implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("closed", "2026-11");
            return null;
        }
    }

    @FlowStep(flow = "month-end", name = "invoice", subscribes = "closed", queue = "invoices")
    public static class Invoice extends Send {
    }

    @FlowStep(flow = "month-end", name = "remind", subscribes = "closed", queue = "invoices")
    public static class Remind extends Send {
    }

    @FlowStep(flow = "month-end", name = "archive", subscribes = "closed", queue = "invoices")
    public static class Archive extends Send {
    }

    /** Counts the reads of the queues' worker records. */
    static final class CountingWorkerReads extends MemorySchedulingStore {
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public Map<String, Integer> queueWorkers() {
            reads.incrementAndGet();
            return super.queueWorkers();
        }
    }

    @Test
    void theWaitsOfARunWithManyStepsOnAQueueSetToNoWorkersReadTheWorkerRecordsOnce() {
        CountingWorkerReads scheduling = new CountingWorkerReads();
        try (EngineHarness h = new EngineHarness(new MemoryFlowStore(), scheduling, "instance-a", new Close(),
                new Invoice(), new Remind(), new Archive())) {
            h.engine.workerOverrides().set("invoices", 0);
            String runId = h.engine.start("month-end", null);
            await().until(() -> h.queue.counts("invoices").waiting() == 3);
            int before = scheduling.reads.get();

            assertThat(h.engine.waits(runId)).hasSize(3).allSatisfy(wait -> assertThat(wait.detail())
                    .startsWith("NVENT-0465 the workers of queue 'invoices' are set to 0"));
            assertThat(scheduling.reads.get() - before).isEqualTo(1);
        }
    }

    @Test
    void aStepWaitingOnAQueueSetToNoWorkersSaysSoAndHowToRaiseThemAndRunsOnceTheyAre() {
        try (EngineHarness h = new EngineHarness(new Send())) {
            h.engine.workerOverrides().set("invoices", 0);
            String runId = h.engine.start("invoice", null);
            await().until(() -> h.queue.counts("invoices").waiting() == 1);

            assertThat(h.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.reason()).isEqualTo(StepWait.Reason.WORKER);
                assertThat(wait.queue()).isEqualTo("invoices");
                assertThat(wait.detail()).startsWith("NVENT-0465 the workers of queue 'invoices' are set to 0 on every"
                        + " instance that takes it").contains("none of its jobs starts",
                        "PUT /api/nvent/queues/invoices/concurrency with {\"workers\": 4}",
                        "DELETE it for each instance's nvent.queue.invoices.concurrency (4 here)",
                        "audit log (NVENT-0016)").doesNotContain("waits for a worker of queue");
            });

            h.engine.workerOverrides().set("invoices", 4);

            h.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    @Test
    void onAnInstanceLeavingTheQueueToOthersTheWaitSaysThatTheirWorkersAreSetToNoneToo() {
        MemoryFlowStore store = new MemoryFlowStore();
        MemorySchedulingStore scheduling = new MemorySchedulingStore();
        MemoryJobQueue shared = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
        try (EngineHarness web = EngineHarness.pooled(store, scheduling, shared, "web", queue -> 0, new Send());
             EngineHarness worker = EngineHarness.pooled(store, scheduling, shared, "worker", queue -> 4, new Send())) {
            worker.engine.workerOverrides().set("invoices", 0);
            String runId = web.engine.start("invoice", null);
            await().until(() -> shared.counts("invoices").waiting() == 1);

            assertThat(web.engine.waits(runId)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .startsWith("NVENT-0465 the workers of queue 'invoices' are set to 0 on every instance that takes"
                            + " it").contains("this instance takes none of its jobs either way (nvent.queue.invoices"
                            + ".concurrency=0", "PUT /api/nvent/queues/invoices/concurrency"));

            worker.engine.workerOverrides().remove("invoices");

            worker.awaitStatus(runId, RunStatus.COMPLETED);
        }
    }

    @Test
    void onAMemoryQueueNoInstanceTakesTheWaitSaysThatNothingTakesItNotThatRaisingItsWorkersWouldHelp() {
        try (EngineHarness h = new EngineHarness(0, new Send())) {
            h.engine.workerOverrides().set("invoices", 0);
            String runId = h.engine.start("invoice", null);
            await().until(() -> h.queue.counts("invoices").waiting() == 1);

            assertThat(h.engine.waits(runId)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .contains("the memory queue (nvent.queue.adapter=memory) is not shared with other instances:"
                            + " nothing in this deployment takes it").doesNotContain("until they are raised"));
        }
    }

}
