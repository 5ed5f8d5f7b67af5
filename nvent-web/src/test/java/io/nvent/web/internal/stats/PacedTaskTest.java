package io.nvent.web.internal.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** How long the statistics wait between two counts, with a fake clock and a scheduler that records. */
class PacedTaskTest {

    private final AtomicLong now = new AtomicLong();
    private final List<Long> delays = new ArrayList<>();
    private final List<Runnable> scheduled = new ArrayList<>();
    private Duration taskTakes = Duration.ZERO;

    private PacedTask task(Duration interval) {
        return new PacedTask(() -> now.addAndGet(taskTakes.toNanos()), interval, (run, delay) -> {
            delays.add(delay);
            scheduled.add(run);
        }, now::get);
    }

    private void runScheduled() {
        scheduled.remove(0).run();
    }

    @Test
    void aQuickTaskRunsAgainAfterTheInterval() {
        taskTakes = Duration.ofMillis(10);
        task(Duration.ofSeconds(1)).start();
        runScheduled();
        runScheduled();

        assertThat(delays).containsExactly(nanos(1000), nanos(1000), nanos(1000));
    }

    @Test
    void aSlowTaskWaitsTwentyTimesAsLongAsItTookSoItKeepsItsConnectionBusyAtMostFivePercentOfTheTime() {
        task(Duration.ofSeconds(1)).start();
        taskTakes = Duration.ofMillis(400);
        runScheduled();
        taskTakes = Duration.ofMillis(30);
        runScheduled();

        assertThat(delays).containsExactly(nanos(1000), nanos(8000), nanos(1000));
    }

    @Test
    void aTaskThatFailsIsScheduledAgain() {
        PacedTask failing = new PacedTask(() -> {
            throw new IllegalStateException("store down");
        }, Duration.ofSeconds(1), (run, delay) -> scheduled.add(run), now::get);
        failing.start();

        try {
            runScheduled();
        } catch (IllegalStateException expected) {
            // the executor would log it; what matters is the next run
        }

        assertThat(scheduled).hasSize(1);
    }

    @Test
    void aSchedulerThatWasShutDownEndsTheTask() {
        PacedTask task = new PacedTask(() -> { }, Duration.ofSeconds(1), (run, delay) -> {
            throw new RejectedExecutionException("shut down");
        }, now::get);

        task.start();

        assertThat(scheduled).isEmpty();
    }

    private static long nanos(long millis) {
        return Duration.ofMillis(millis).toNanos();
    }
}
