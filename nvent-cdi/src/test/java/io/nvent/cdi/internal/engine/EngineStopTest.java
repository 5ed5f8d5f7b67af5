package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.NventException;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.AwaitRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** Once an engine says it stopped, nothing of it runs, and it starts no run it could not hand on. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EngineStopTest {

    @FlowStep(flow = "noop", name = "noop", role = StepRole.ENTRY)
    static class Noop implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "done";
        }
    }

    /** A scheduling store that can hold a sweep in its read of due awaits, as a slow database would. */
    static final class SweepHoldingStore extends MemorySchedulingStore {
        final AtomicInteger reads = new AtomicInteger();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean hold;

        @Override
        public List<AwaitRecord> dueAwaits(Instant now, int limit) {
            reads.incrementAndGet();
            if (hold) {
                hold = false;
                held.countDown();
                // Not interruptible, as a JDBC call that waits for its database.
                boolean interrupted = false;
                while (true) {
                    try {
                        release.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.dueAwaits(now, limit);
        }
    }

    @Test
    void a_sweep_running_when_the_engine_closes_ends_before_close_returns_and_no_sweep_follows() throws Exception {
        SweepHoldingStore scheduling = new SweepHoldingStore();
        EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Noop()).schedulingStore(scheduling)
                .sweepEvery(Duration.ofMillis(10)).build();
        scheduling.hold = true;
        assertThat(scheduling.held.await(10, TimeUnit.SECONDS)).as("a sweep reads due awaits").isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(engine::close);

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !closing.isDone());
        scheduling.release.countDown();
        closing.get(10, TimeUnit.SECONDS);
        int readsAtClose = scheduling.reads.get();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> scheduling.reads.get() == readsAtClose);
    }

    @Test
    void a_start_after_the_engine_closed_its_queue_is_refused_as_retryable_and_stores_no_run() {
        EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Noop()).build();
        engine.close();

        assertThatThrownBy(() -> engine.flows().start("noop", Map.of()))
                .isInstanceOfSatisfying(NventException.class, e -> assertThat(e.isRetryable()).isTrue())
                .hasMessageStartingWith("NVENT-0527 flow 'noop' was not started: the engine of this instance has "
                        + "stopped");
        assertThat(engine.flows().stats("noop").total()).as("runs").isZero();
    }
}
