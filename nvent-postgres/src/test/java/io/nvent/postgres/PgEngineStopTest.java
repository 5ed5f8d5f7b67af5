package io.nvent.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.FlowStore;
import io.nvent.spi.SchedulingStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine on the PostgreSQL queue, stopped while a step runs, as a rolling deploy stops an instance. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PgEngineStopTest {

    /** Long: a step that came back only once its lease expired would not come back within the test. */
    private static final Duration LEASE = Duration.ofMinutes(10);
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @RegisterExtension
    static final PgInstances database = new PgInstances();

    /** A step whose first execution blocks in its work until interrupted, failing then as a blocked call does. */
    @FlowStep(flow = "export", name = "upload", role = StepRole.ENTRY)
    static class BlocksOnce implements Step<Object, String> {
        final AtomicInteger executions = new AtomicInteger();
        final CountDownLatch blocking = new CountDownLatch(1);

        @Override
        public String execute(Object input, StepContext ctx) {
            if (executions.incrementAndGet() > 1) {
                return "uploaded";
            }
            blocking.countDown();
            try {
                new CountDownLatch(1).await();
                return "never";
            } catch (InterruptedException e) {
                throw new IllegalStateException("the upload was interrupted", e);
            }
        }
    }

    @FlowStep(flow = "shipping", name = "take", role = StepRole.ENTRY, emits = "taken")
    static class Take implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("taken", Map.of("order", "o-1"));
            return "taken";
        }
    }

    /** Packs what was taken, in the worker that ran take: its first execution blocks until interrupted. */
    @FlowStep(flow = "shipping", name = "pack", subscribes = "taken")
    static class Pack extends BlocksOnce {
    }

    @Test
    void a_step_the_stop_cut_short_runs_again_at_once_on_the_next_instance_without_being_found_stalled()
            throws Exception {
        FlowStore store = MemoryAdapters.store();
        SchedulingStore scheduling = MemoryAdapters.schedulingStore();
        BlocksOnce step = new BlocksOnce();
        EmbeddedEngine stopping = engine(store, scheduling, step);
        String runId = stopping.flows().start("export", null);
        assertThat(step.blocking.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("the step runs").isTrue();
        await().atMost(PATIENCE).until(() -> stopping.flows().run(runId).orElseThrow().steps().get("upload")
                == StepStatus.RUNNING);

        // Its grace over, the queue interrupts the step and hands its job back; the engine hands the step back.
        stopping.close();

        assertThat(stopping.flows().run(runId).orElseThrow().steps()).containsEntry("upload", StepStatus.QUEUED);
        assertThat(scheduling.leasesOfRun(runId)).as("leases of the run").isEmpty();
        try (EmbeddedEngine next = engine(store, scheduling, step)) {
            await().atMost(PATIENCE).until(() -> next.flows().run(runId).orElseThrow().status()
                    == RunStatus.COMPLETED);
            List<HistoryEvent> history = next.flows().events(runId, EventQuery.all());
            assertThat(history).extracting(event -> event.type().wireName()).doesNotContain("step.stalled")
                    .containsSubsequence("step.started", "step.retry", "step.started", "step.completed");
            assertThat(history).filteredOn(event -> event.type() == EventType.STEP_RETRY)
                    .singleElement().satisfies(retry -> assertThat(retry.data()).contains("instanceStopped"));
        }
        assertThat(step.executions).hasValue(2);
    }

    @Test
    void a_step_continued_in_the_worker_of_the_step_before_it_and_cut_short_by_the_stop_runs_at_once_on_the_other_instance()
            throws Exception {
        FlowStore store = MemoryAdapters.store();
        SchedulingStore scheduling = MemoryAdapters.schedulingStore();
        Take take = new Take();
        Pack pack = new Pack();
        EmbeddedEngine stopping = engine(store, scheduling, take, pack);
        String runId = stopping.flows().start("shipping", null);
        assertThat(pack.blocking.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("pack runs").isTrue();
        await().atMost(PATIENCE).until(() -> stopping.flows().run(runId).orElseThrow().steps().get("pack")
                == StepStatus.RUNNING);
        try (EmbeddedEngine other = engine(store, scheduling, take, pack)) {
            // Pack has no row in the queue: it went on in take's worker, whose job completed.
            stopping.close();

            // Within the test's patience, far less than the lease the lost-job check waits for.
            await().atMost(PATIENCE).until(() -> other.flows().run(runId).orElseThrow().status()
                    == RunStatus.COMPLETED);
            List<HistoryEvent> history = other.flows().events(runId, EventQuery.all());
            assertThat(history).extracting(event -> event.type().wireName()).doesNotContain("step.stalled")
                    .containsSubsequence("step.started", "step.completed", "step.started", "step.retry",
                            "step.started", "step.completed");
            HistoryEvent handedBack = history.stream().filter(event -> event.type() == EventType.STEP_RETRY)
                    .findFirst().orElseThrow();
            assertThat(handedBack.data()).contains("instanceStopped", runId + ":pack:recover-");
            assertThat(history).filteredOn(event -> event.type() == EventType.STEP_STARTED
                    && event.step().filter("pack"::equals).isPresent()).extracting(HistoryEvent::attempt)
                    .as("the attempt cut short does not count").containsExactly(1, 1);
        }
        assertThat(pack.executions).as("pack, cut short once, then run once").hasValue(2);
    }

    /** An instance: the stores it shares with the others, and the PostgreSQL queue on the test's database. */
    private static EmbeddedEngine engine(FlowStore store, SchedulingStore scheduling, Step<?, ?>... steps) {
        EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder();
        for (Step<?, ?> step : steps) {
            builder.step(step);
        }
        return builder.store(store).schedulingStore(scheduling).queue(database.queue("pg-engine"))
                .leaseDuration(LEASE).build();
    }
}
