package io.nvent.cdi.internal.engine;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.StepWait.Reason;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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

    @BeforeEach
    void forget() {
        RAN.clear();
    }

    private EngineHarness instance(String name, ToIntFunction<String> workersOf) {
        return EngineHarness.pooled(store, scheduling, sharedQueue, name, workersOf, new Layout(name), new Render(name));
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
                        .contains("waits for a worker of an instance that takes the queue")
                        .contains("which instances take it cannot be seen from here").contains("1 waiting");
            });
            assertThat(RAN).as("the worker that ran the layout did not continue with the render").containsExactly(
                    "web:layout");

            try (EngineHarness gpu = instance("gpu", RENDER_ONLY)) {
                gpu.awaitStatus(runId, RunStatus.COMPLETED);
                assertThat(RAN).containsExactly("web:layout", "gpu:render");
            }
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
}
