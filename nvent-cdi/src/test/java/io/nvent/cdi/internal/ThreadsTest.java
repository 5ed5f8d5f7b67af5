package io.nvent.cdi.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadsTest {

    @Test
    void aCanceledTimerLeavesTheSchedulerAtOnce() {
        ScheduledExecutorService scheduler = Threads.daemonScheduler("test-scheduler", 1);
        try {
            ScheduledFuture<?> timer = scheduler.schedule(() -> { }, 1, TimeUnit.HOURS);

            timer.cancel(false);

            assertThat(((ScheduledThreadPoolExecutor) scheduler).getQueue()).isEmpty();
        } finally {
            scheduler.shutdownNow();
        }
    }
}
