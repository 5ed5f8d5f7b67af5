package io.nvent.cdi.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.cdi.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExecutorTickSchedulerTest {

    private static final Schedule EVERY_5_MINUTES = new CronSchedule(Cron.parse("*/5 * * * *"), ZoneId.of("UTC"));

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void aScheduleArmedAfterItsLastHandedOutTickHandsOutATickFallenSinceAtOnceAndOnce() {
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-11-30T10:05:30Z"));
        ExecutorTickScheduler scheduler = new ExecutorTickScheduler(executor, clock);
        Queue<Instant> handedOut = new ConcurrentLinkedQueue<>();

        scheduler.arm("sync", EVERY_5_MINUTES, Instant.parse("2026-11-30T10:00:00Z"), (name, tick) -> handedOut.add(tick));

        await().atMost(Duration.ofSeconds(10)).until(() -> !handedOut.isEmpty());
        scheduler.disarm("sync");
        assertThat(handedOut).containsExactly(Instant.parse("2026-11-30T10:05:00Z"));
    }
}
