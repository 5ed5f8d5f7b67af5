package io.nvent.cdi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.testkit.LogRecorder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** What the engine scheduled on an executor it does not own is taken back when it stops. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EngineSchedulerTest {

    /** The container's executor, which goes on after the engine stopped. */
    private final ScheduledThreadPoolExecutor container = (ScheduledThreadPoolExecutor) Threads.daemonScheduler(
            "container", 2);
    private final EngineScheduler engine = new EngineScheduler(container);

    @AfterEach
    void stopContainer() {
        container.shutdownNow();
    }

    @Test
    void timers_not_yet_due_when_the_engine_stops_are_canceled_on_the_executor_and_never_run() {
        AtomicInteger ran = new AtomicInteger();
        engine.schedule(ran::incrementAndGet, 200, TimeUnit.MILLISECONDS);
        engine.scheduleWithFixedDelay(ran::incrementAndGet, 200, 200, TimeUnit.MILLISECONDS);

        assertThat(engine.stop(Duration.ofSeconds(1))).isTrue();

        assertThat(container.getQueue()).as("tasks left on the container's executor").isEmpty();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> ran.get() == 0);
        assertThat(container.isShutdown()).as("the container's executor").isFalse();
    }

    @Test
    void a_task_running_when_the_engine_stops_ends_before_stop_returns() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean ended = new AtomicBoolean();
        engine.schedule(() -> {
            running.countDown();
            awaitUninterruptibly(release);
            ended.set(true);
        }, 0, TimeUnit.MILLISECONDS);
        assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Boolean> stopping = CompletableFuture.supplyAsync(() -> engine.stop(Duration.ofSeconds(10)));

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !stopping.isDone());
        release.countDown();
        assertThat(stopping.get(10, TimeUnit.SECONDS)).as("every task ended in time").isTrue();
        assertThat(ended).as("the task ended before stop returned").isTrue();
    }

    @Test
    void a_task_scheduled_after_the_engine_stopped_never_runs() {
        engine.stop(Duration.ZERO);
        AtomicInteger ran = new AtomicInteger();

        engine.schedule(ran::incrementAndGet, 0, TimeUnit.MILLISECONDS).cancel(false);
        engine.execute(ran::incrementAndGet);

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> ran.get() == 0);
        assertThat(container.getQueue()).isEmpty();
    }

    @Test
    void a_task_still_running_after_the_patience_is_interrupted_and_reported() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        engine.schedule(() -> {
            running.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.complete(true);
            }
        }, 0, TimeUnit.MILLISECONDS);
        assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();

        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0526"))) {
            assertThat(engine.stop(Duration.ofMillis(100))).isFalse();

            assertThat(interrupted.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(log.messagesContaining("NVENT-0526")).singleElement().asString()
                    .contains("1 task(s) of the engine", "they are interrupted");
        }
    }

    @Test
    void a_timer_the_engine_cancels_itself_is_forgotten_and_leaves_nothing_on_the_executor() {
        AtomicInteger ran = new AtomicInteger();

        engine.schedule(ran::incrementAndGet, 1, TimeUnit.HOURS).cancel(false);

        assertThat(container.getQueue()).isEmpty();
        assertThat(ran).hasValue(0);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
