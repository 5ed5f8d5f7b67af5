package io.nvent.jms;

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
import io.nvent.testkit.TestThreads;
import java.time.Clock;
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

/** The engine on the JMS queue, stopped while a step runs, as a rolling deploy stops an instance. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JmsEngineStopTest {

    @RegisterExtension
    static final InVmBroker broker = InVmBroker.of(5, "engine-stop");

    /** Long: a step that came back only once its lease expired would not come back within the test. */
    private static final Duration LEASE = Duration.ofMinutes(10);
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @FlowStep(flow = "shipping", name = "take", role = StepRole.ENTRY, emits = "taken")
    static class Take implements Step<Object, String> {
        final AtomicInteger executions = new AtomicInteger();

        @Override
        public String execute(Object input, StepContext ctx) {
            executions.incrementAndGet();
            ctx.emit("taken", Map.of("order", "o-1"));
            return "taken";
        }
    }

    /** Packs what was taken, in the worker that ran take: its first execution blocks until interrupted. */
    @FlowStep(flow = "shipping", name = "pack", subscribes = "taken")
    static class Pack implements Step<Object, String> {
        final AtomicInteger executions = new AtomicInteger();
        final CountDownLatch blocking = new CountDownLatch(1);

        @Override
        public String execute(Object input, StepContext ctx) {
            if (executions.incrementAndGet() > 1) {
                return "packed";
            }
            blocking.countDown();
            try {
                new CountDownLatch(1).await();
                return "never";
            } catch (InterruptedException e) {
                throw new IllegalStateException("the packing was interrupted", e);
            }
        }
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
            // Pack has no message of its own: it went on in take's worker, in take's transaction.
            stopping.close();

            // Within the test's patience, far less than the lease the lost-job check waits for.
            await().atMost(PATIENCE).until(() -> other.flows().run(runId).orElseThrow().status()
                    == RunStatus.COMPLETED);
            List<HistoryEvent> history = other.flows().events(runId, EventQuery.all());
            assertThat(history).extracting(event -> event.type().wireName()).doesNotContain("step.stalled");
            HistoryEvent handedBack = history.stream().filter(event -> event.type() == EventType.STEP_RETRY)
                    .findFirst().orElseThrow();
            assertThat(handedBack.data()).contains("instanceStopped", runId + ":pack:recover-");
            assertThat(history).filteredOn(event -> event.type() == EventType.STEP_STARTED
                    && event.step().filter("pack"::equals).isPresent()).extracting(HistoryEvent::attempt)
                    .as("the attempt cut short does not count").containsExactly(1, 1);
        }
        assertThat(pack.executions).as("pack, cut short once, then run once").hasValue(2);
        // Take's message, rolled back with pack's transaction, may come again: it finds take done and runs nothing.
        assertThat(take.executions).hasValue(1);
    }

    /** An instance: the stores it shares with the others, and a JMS queue on the test's broker. */
    private static EmbeddedEngine engine(FlowStore store, SchedulingStore scheduling, Step<?, ?>... steps) {
        JmsJobQueue queue = new JmsJobQueue(broker.clients(), new TestThreads("jms-engine"), Clock.systemUTC(),
                JmsJobQueueOptions.newBuilder().shutdownGrace(Duration.ofMillis(500)).build());
        EmbeddedEngine.Builder builder = EmbeddedEngine.newBuilder();
        for (Step<?, ?> step : steps) {
            builder.step(step);
        }
        return builder.store(store).schedulingStore(scheduling).queue(queue).leaseDuration(LEASE).build();
    }
}
