package io.nvent.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.EventType;
import io.nvent.FlowService;
import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobState;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** What a user's test sees of a compensated run's history in a {@link FlowTestEnvironment}. */
class FlowTestEnvironmentCompensationTest {

    static final AtomicReference<FlowService> FLOWS = new AtomicReference<>();
    static final CountDownLatch FLY_STARTED = new CountDownLatch(1);

    @FlowStep(flow = "trip", name = "book", role = StepRole.ENTRY, emits = "booked", compensation = "unbook")
    static class Book implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("booked", Map.of());
            return "room-1";
        }
    }

    /**
     * Ignores the stop, and returns only once its run has failed (after the run's compensation ended) and the test's
     * {@code awaitEnd} has seen it still running.
     */
    @FlowStep(flow = "trip", name = "fly", subscribes = "booked", compensation = "unfly")
    static class Fly implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            FLY_STARTED.countDown();
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((FLOWS.get().run(ctx.runId()).orElseThrow().status() != RunStatus.FAILED
                    || SEEN_RUNNING_AFTER_THE_END.getCount() > 0) && System.nanoTime() < giveUp) {
                Thread.interrupted();   // asked to stop: it goes on all the same
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            return "seat-9";
        }
    }

    /** Counted down as the test's {@code awaitEnd} looks for a job still running once the run has failed. */
    static final CountDownLatch SEEN_RUNNING_AFTER_THE_END = new CountDownLatch(1);

    /** The in-memory queue, telling when {@code awaitEnd} lists the jobs running once the run has failed. */
    private static JobQueue watched(JobQueue queue, AtomicReference<String> runId) {
        return (JobQueue) Proxy.newProxyInstance(JobQueue.class.getClassLoader(), new Class<?>[] {JobQueue.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("jobs") && args[1] == JobState.ACTIVE && runId.get() != null
                            && FLOWS.get().run(runId.get()).orElseThrow().status() == RunStatus.FAILED) {
                        SEEN_RUNNING_AFTER_THE_END.countDown();
                    }
                    try {
                        return method.invoke(queue, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @FlowStep(flow = "trip", name = "pay", subscribes = "booked", maxAttempts = 1)
    static class Pay implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) throws InterruptedException {
            FLY_STARTED.await(10, TimeUnit.SECONDS);
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (FLOWS.get().run(ctx.runId()).orElseThrow().steps().get("fly") != StepStatus.RUNNING   // stored so
                    && System.nanoTime() < giveUp) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            throw new IllegalStateException("card declined");
        }
    }

    @FlowStep(flow = "trip", name = "unbook", role = StepRole.COMPENSATION)
    static class Unbook implements Step<String, Void> {
        @Override
        public Void execute(String room, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "trip", name = "unfly", role = StepRole.COMPENSATION)
    static class Unfly implements Step<String, Void> {
        @Override
        public Void execute(String seat, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aTestSeesAStepThatCompletedAfterTheCompensationEndedRecordedAsNotUndoneOnceTheRunHasEnded() {
        AtomicReference<String> started = new AtomicReference<>();
        JobQueue queue = MemoryAdapters.queue(Clock.systemUTC());
        try (FlowTestEnvironment env = FlowTestEnvironment.newBuilder().step(new Book()).step(new Fly())
                .step(new Pay()).step(new Unbook()).step(new Unfly()).engine(e -> e.queue(watched(queue, started)))
                .build()) {
            FLOWS.set(env.flows());
            String runId = env.flows().start("trip", null);
            started.set(runId);

            RunInfo run = env.awaitEnd(runId, Duration.ofSeconds(10));

            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            List<HistoryEvent> history = env.history(runId);
            assertThat(history).filteredOn(entry -> entry.type() == EventType.STEP_COMPLETED
                    && entry.step().filter("fly"::equals).isPresent()).singleElement().satisfies(entry ->
                    assertThat(entry.data()).contains("\"result\":\"seat-9\"", "\"notCompensated\":true",
                            "\"compensation\":\"unfly\""));
            assertThat(history).filteredOn(entry -> entry.type() == EventType.RUN_COMPENSATED).singleElement()
                    .satisfies(entry -> assertThat(entry.data()).contains("\"compensated\":[\"book\"]"));
        } finally {
            queue.close();
        }
    }
}
