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
    static final class Book implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            ctx.emit("booked", Map.of());
            return "room-1";
        }
    }

    /** Ignores the stop, and returns only once its run has failed: after the run's compensation ended. */
    @FlowStep(flow = "trip", name = "fly", subscribes = "booked", compensation = "unfly")
    static final class Fly implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            FLY_STARTED.countDown();
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (FLOWS.get().run(ctx.runId()).orElseThrow().status() != RunStatus.FAILED
                    && System.nanoTime() < giveUp) {
                Thread.interrupted();   // asked to stop: it goes on all the same
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));   // and takes its time to return
            return "seat-9";
        }
    }

    @FlowStep(flow = "trip", name = "pay", subscribes = "booked", maxAttempts = 1)
    static final class Pay implements Step<Object, Void> {
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
    static final class Unbook implements Step<String, Void> {
        @Override
        public Void execute(String room, StepContext ctx) {
            return null;
        }
    }

    @FlowStep(flow = "trip", name = "unfly", role = StepRole.COMPENSATION)
    static final class Unfly implements Step<String, Void> {
        @Override
        public Void execute(String seat, StepContext ctx) {
            return null;
        }
    }

    @Test
    void aTestSeesAStepThatCompletedAfterTheCompensationEndedRecordedAsNotUndoneOnceTheRunHasEnded() {
        try (FlowTestEnvironment env = FlowTestEnvironment.of(new Book(), new Fly(), new Pay(), new Unbook(),
                new Unfly())) {
            FLOWS.set(env.flows());
            String runId = env.flows().start("trip", null);

            RunInfo run = env.awaitEnd(runId, Duration.ofSeconds(10));

            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            List<HistoryEvent> history = env.history(runId);
            assertThat(history).filteredOn(entry -> entry.type() == EventType.STEP_COMPLETED
                    && entry.step().filter("fly"::equals).isPresent()).singleElement().satisfies(entry ->
                    assertThat(entry.data()).contains("\"result\":\"seat-9\"", "\"notCompensated\":true",
                            "\"compensation\":\"unfly\""));
            assertThat(history).filteredOn(entry -> entry.type() == EventType.RUN_COMPENSATED).singleElement()
                    .satisfies(entry -> assertThat(entry.data()).contains("\"compensated\":[\"book\"]"));
        }
    }
}
