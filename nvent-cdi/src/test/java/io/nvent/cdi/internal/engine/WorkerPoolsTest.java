package io.nvent.cdi.internal.engine;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.StepWait.Reason;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.JobCounts;
import io.nvent.spi.RateLimit;
import io.nvent.spi.RateLimitGroup;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Worker pools: instances sharing a store and a queue, where a pool alone takes the {@code render}
 * queue and the web-facing instances take everything but it.
 */
class WorkerPoolsTest {

    /** Which instance ran which step: "web:layout", "gpu:render". */
    private static final List<String> RAN = new CopyOnWriteArrayList<>();

    private static final ToIntFunction<String> ALL_BUT_RENDER = queue -> queue.equals("render") ? 0 : 4;
    private static final ToIntFunction<String> RENDER_ONLY = queue -> queue.equals("render") ? 2 : 0;

    private final MemoryFlowStore store = new MemoryFlowStore();
    private final MemorySchedulingStore scheduling = new MemorySchedulingStore();
    private final MemoryJobQueue sharedQueue = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("pool-worker"));

    /** A step that records the instance it ran on. */
    abstract static class PosterStep implements Step<Object, Void> {
        private final String instance;

        PosterStep(String instance) {
            this.instance = instance;
        }

        @Override
        public Void execute(Object input, StepContext ctx) {
            RAN.add(instance + ":" + getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT));
            return null;
        }
    }

    @FlowStep(flow = "poster", name = "layout", role = StepRole.ENTRY, queue = "layout", emits = "laid-out")
    static class Layout extends PosterStep {
        Layout(String instance) {
            super(instance);
        }

        @Override
        public Void execute(Object input, StepContext ctx) {
            super.execute(input, ctx);
            ctx.emit("laid-out", "{}");
            return null;
        }
    }

    @FlowStep(flow = "poster", name = "render", queue = "render", subscribes = "laid-out")
    static class Render extends PosterStep {
        Render(String instance) {
            super(instance);
        }
    }

    /** Holds the first scan, as if its instance died mid-step: it never ends in time. */
    private static volatile CountDownLatch firstScanHangs = new CountDownLatch(1);
    private static final AtomicInteger SCANS = new AtomicInteger();
    private static final AtomicInteger PROOFS = new AtomicInteger();
    private static final AtomicInteger STAMPS = new AtomicInteger();

    @FlowStep(flow = "scan", name = "scan", role = StepRole.ENTRY, queue = "render")
    static class Scan extends PosterStep {
        Scan(String instance) {
            super(instance);
        }

        @Override
        public Void execute(Object input, StepContext ctx) {
            super.execute(input, ctx);
            if (SCANS.incrementAndGet() == 1) {
                try {
                    firstScanHangs.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return null;
        }
    }

    /** A step that records its instance and fails the first time it runs, on whichever instance. */
    abstract static class FailsFirstTime extends PosterStep {
        private final AtomicInteger runs;

        FailsFirstTime(String instance, AtomicInteger runs) {
            super(instance);
            this.runs = runs;
        }

        @Override
        public Void execute(Object input, StepContext ctx) {
            super.execute(input, ctx);
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException(getClass().getSimpleName() + " fails the first time");
            }
            return null;
        }
    }

    /** Its retry is due an hour after its first attempt failed. */
    @FlowStep(flow = "proof", name = "proof", role = StepRole.ENTRY, queue = "render", maxAttempts = 2,
            backoffDelayMs = 3_600_000, retryJitter = 0)
    static class Proof extends FailsFirstTime {
        Proof(String instance) {
            super(instance, PROOFS);
        }
    }

    /** Its only attempt failing, it is dead until an operator retries it. */
    @FlowStep(flow = "stamp", name = "stamp", role = StepRole.ENTRY, queue = "render", maxAttempts = 1)
    static class Stamp extends FailsFirstTime {
        Stamp(String instance) {
            super(instance, STAMPS);
        }
    }

    @BeforeEach
    void forget() {
        RAN.clear();
        SCANS.set(0);
        PROOFS.set(0);
        STAMPS.set(0);
        firstScanHangs = new CountDownLatch(1);
    }

    private EngineHarness instance(String name, ToIntFunction<String> workersOf) {
        return EngineHarness.pooled(store, scheduling, sharedQueue, name, workersOf, new Layout(name), new Render(name),
                new Scan(name), new Proof(name), new Stamp(name));
    }

    @Test
    void theRenderStepsOfRunsStartedOnAWebInstanceRunOnlyInThePoolThatTakesTheRenderQueue() {
        try (EngineHarness web = instance("web", ALL_BUT_RENDER); EngineHarness gpu = instance("gpu", RENDER_ONLY)) {
            List<String> runs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                runs.add(web.engine.start("poster", null));
            }

            runs.forEach(runId -> web.awaitStatus(runId, RunStatus.COMPLETED));
            assertThat(RAN).as("the layouts on the web instance, the renders in the pool").hasSize(10)
                    .filteredOn(ran -> ran.endsWith(":render")).containsOnly("gpu:render");
            assertThat(RAN).filteredOn(ran -> ran.endsWith(":layout")).containsOnly("web:layout");
            assertThat(web.engine.workersHere("render")).isZero();
            assertThat(gpu.engine.workersHere("render")).isEqualTo(2);
        }
    }

    @Test
    void aRunWhoseNextStepIsOnAQueueLeftToThePoolWaitsSayingSoAndGoesOnOnceThePoolRuns() {
        try (EngineHarness web = instance("web", ALL_BUT_RENDER)) {
            String runId = web.engine.start("poster", null);

            await().atMost(Duration.ofSeconds(10)).until(() -> !web.engine.waits(runId).isEmpty()
                    && web.engine.waits(runId).get(0).step().equals("render")
                    && web.engine.waits(runId).get(0).reason() == Reason.WORKER);
            assertThat(web.engine.waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.status()).isEqualTo(StepStatus.QUEUED);
                assertThat(wait.queue()).isEqualTo("render");
                assertThat(wait.detail()).startsWith("queue 'render' has no worker on this instance")
                        .contains("the memory queue (nvent.queue.adapter=memory) is not shared with other instances:"
                                + " nothing in this deployment takes it (a CDI deployment warned of it at start,"
                                + " NVENT-0441)")
                        .doesNotContain("cannot be seen from here").contains("1 waiting");
            });
            assertThat(RAN).as("the worker that ran the layout did not continue with the render").containsExactly(
                    "web:layout");

            try (EngineHarness gpu = instance("gpu", RENDER_ONLY)) {
                gpu.awaitStatus(runId, RunStatus.COMPLETED);
                assertThat(RAN).containsExactly("web:layout", "gpu:render");
            }
        }
    }

    /** A step whose starts are limited per customer. */
    @FlowStep(flow = "quota", name = "call", role = StepRole.ENTRY, queue = "quota")
    static class Call implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    /** A memory queue standing in for a shared one: other instances run its workers. */
    static final class TakenElsewhere extends MemoryJobQueue {
        TakenElsewhere() {
            super(Clock.systemUTC(), Threads.daemonThreads("pool-worker"));
        }

        @Override
        public boolean hasWorkers(String queueName) {
            return true;
        }
    }

    @Test
    void aStepHeldByItsGroupsRateLimitOnAQueueLeftToThePoolSaysItWaitsForAWorkerOfAnotherInstance() {
        RateLimit oneADay = new RateLimit(1, Duration.ofDays(1));
        scheduling.takeRateLimitedStart(new RateLimitGroup("quota", "\"acme\""), oneADay, Clock.systemUTC());
        try (EmbeddedEngine web = EmbeddedEngine.newBuilder().step(new Call()).store(store).schedulingStore(scheduling)
                .queue(new TakenElsewhere()).concurrency("quota", 0).rateLimit("quota", Optional.of(oneADay))
                .rateLimitGroupKey("quota", "customer").build()) {
            String runId = web.flows().start("quota", Map.of("customer", "acme"));

            assertThat(web.flows().waits(runId)).singleElement().satisfies(wait -> {
                assertThat(wait.reason()).isEqualTo(Reason.RATE_LIMIT);
                assertThat(wait.detail()).startsWith("queue 'quota' has no worker on this instance")
                        .contains("it waits for a worker of an instance that takes the queue")
                        .contains("which instances take it cannot be seen from here")
                        .contains(", and then for the queue's rate limit for its group \"acme\"")
                        .doesNotContain("waits for a worker of queue 'quota'");
            });
        }
    }

    @Test
    void aRunStartedInThePoolWaitsForAnInstanceThatTakesItsFirstStep() {
        try (EngineHarness gpu = instance("gpu", RENDER_ONLY)) {
            String runId = gpu.engine.start("poster", null);

            assertThat(gpu.engine.waits(runId)).singleElement().satisfies(wait -> assertThat(wait.detail())
                    .startsWith("queue 'layout' has no worker on this instance"));
            try (EngineHarness web = instance("web", ALL_BUT_RENDER)) {
                web.awaitStatus(runId, RunStatus.COMPLETED);
            }
        }
    }

    @Test
    void aStepOfAQueueLeftToThePoolWhoseInstanceStoppedRenewingItsLeaseIsRecoveredByAWebInstanceAndRunsInThePool() {
        try (EngineHarness web = instance("web", ALL_BUT_RENDER); EngineHarness gpu = instance("gpu", RENDER_ONLY)) {
            String runId = web.engine.start("scan", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> !scheduling.leasesOfRun(runId).isEmpty());
            // The scan hangs on gpu, as if it died; another instance of the pool takes the queue's next jobs (the
            // memory queue's workers run the handler of the engine registered last).
            try (EngineHarness gpuTwo = instance("gpu-2", RENDER_ONLY)) {

                // The web instance's sweep notices: gpu stopped renewing the lease of its scan.
                web.clock.advance(Duration.ofSeconds(61));
                web.sweep();

                web.awaitStatus(runId, RunStatus.COMPLETED);
                assertThat(web.types(runId)).containsSubsequence("step.started", "step.stalled", "flow.stalled",
                        "step.retry", "step.started", "step.completed", "flow.completed");
                assertThat(RAN).as("recovered in the pool, never on the instance that noticed").containsExactly(
                        "gpu:scan", "gpu-2:scan");
                firstScanHangs.countDown();
                await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10)).until(() ->
                        web.engine.run(runId).orElseThrow().status() == RunStatus.COMPLETED && RAN.size() == 2);
            }
        }
    }

    @Test
    void aRetryOfAQueueLeftToThePoolWhoseJobTheQueueLostIsQueuedAgainByAWebInstanceAndRunsInThePool() {
        try (EngineHarness web = instance("web", ALL_BUT_RENDER); EngineHarness gpu = instance("gpu", RENDER_ONLY)) {
            String runId = web.engine.start("proof", null);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    web.engine.run(runId).orElseThrow().steps().get("proof") == StepStatus.RETRYING);
            // The queue loses its jobs, the retry's delayed one among them (a broker restarted without them), and
            // the pool's workers with it; the pool comes back.
            sharedQueue.clear();
            try (EngineHarness gpuBack = instance("gpu-back", RENDER_ONLY)) {

                // Past the retry's time and a lease: the web instance's sweeps queue the retry again. The pool's
                // clock moves with the web instance's, or the web instance would take the pool's lease on the retry
                // for one long expired; the sweeps stop once the retry is back in the queue, as the next one, a
                // lease later, would rightly find a retry still running on a loaded machine stalled.
                EngineHarness.moveClocks(Duration.ofHours(2), web, gpuBack);
                web.sweep();
                for (int sweep = 1; sweep < 5 && !retryBackInTheQueue(); sweep++) {
                    EngineHarness.moveClocks(Duration.ofSeconds(61), web, gpuBack);
                    web.sweep();
                }
                assertThat(retryBackInTheQueue()).as("the retry queued again").isTrue();

                web.awaitStatus(runId, RunStatus.COMPLETED);
                assertThat(RAN).as("the retry ran in the pool, never on the instance that queued it again")
                        .containsExactly("gpu:proof", "gpu-back:proof");
            }
        }
    }

    private boolean retryBackInTheQueue() {
        JobCounts render = sharedQueue.counts("render");
        return render.waiting() + render.delayed() + render.active() + render.completed() > 0;
    }

    @Test
    void aQueueLeftToThePoolIsPausedAndItsDeadStepRetriedByAnOperatorOnAWebInstanceAndRunsInThePool() {
        try (EngineHarness web = instance("web", ALL_BUT_RENDER); EngineHarness gpu = instance("gpu", RENDER_ONLY)) {
            web.engine.queuePauses().pause("render");
            gpu.engine.queuePauses().follow();
            String runId = web.engine.start("stamp", null);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(10)).until(RAN::isEmpty);

            web.engine.queuePauses().resume("render");
            gpu.engine.queuePauses().follow();
            web.awaitStatus(runId, RunStatus.FAILED);
            web.engine.retryStep(runId, "stamp");

            web.awaitStatus(runId, RunStatus.COMPLETED);
            assertThat(RAN).containsExactly("gpu:stamp", "gpu:stamp");
        }
    }
}
