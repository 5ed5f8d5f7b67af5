package io.nvent.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.BackoffType;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.RetryPolicy;
import io.nvent.cdi.internal.ClockTimers;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class VirtualClockTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    private final VirtualClock clock = VirtualClock.startingAt(T0);
    private final ClockTimers timers = clock.timers();
    private final List<String> ran = new CopyOnWriteArrayList<>();

    @Test
    void aTimerRunsWhenTheClockReachesItsTimeAndNotBefore() {
        timers.at(T0.plus(Duration.ofHours(1)), () -> ran.add("in an hour"));

        clock.advance(Duration.ofMinutes(59));
        assertThat(ran).isEmpty();
        assertThat(clock.nextTimer()).contains(T0.plus(Duration.ofHours(1)));

        clock.advance(Duration.ofMinutes(1));
        assertThat(ran).containsExactly("in an hour");
        assertThat(clock.nextTimer()).isEmpty();
    }

    @Test
    void oneMoveRunsThePassedTimersInTheOrderOfTheirTimesEachSeeingItsOwnTime() {
        timers.at(T0.plus(Duration.ofHours(2)), () -> ran.add("2h at " + clock.instant()));
        timers.at(T0.plus(Duration.ofHours(1)), () -> {
            ran.add("1h at " + clock.instant());
            // as a schedule tick re-arms itself: the next one falls within the same move
            timers.at(clock.instant().plus(Duration.ofMinutes(90)), () -> ran.add("2h30 at " + clock.instant()));
        });

        clock.advance(Duration.ofHours(3));

        assertThat(ran).containsExactly("1h at 2030-01-01T01:00:00Z", "2h at 2030-01-01T02:00:00Z",
                "2h30 at 2030-01-01T02:30:00Z");
        assertThat(clock.instant()).isEqualTo(T0.plus(Duration.ofHours(3)));
    }

    @Test
    void aTimerPlannedForATimeTheClockShowsRunsWithoutTheClockMoving() {
        timers.at(T0, () -> ran.add("now"));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ran).containsExactly("now"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !clock.isRunningTimers());
        assertThat(clock.instant()).isEqualTo(T0);
    }

    @Test
    void aCanceledTimerDoesNotRun() {
        ClockTimers.Planned planned = timers.at(T0.plus(Duration.ofMinutes(1)), () -> ran.add("canceled"));

        planned.cancel();
        clock.advance(Duration.ofHours(1));

        assertThat(ran).isEmpty();
        assertThat(clock.nextTimer()).isEmpty();
    }

    @FlowStep(flow = "later", name = "retried", role = StepRole.ENTRY, maxAttempts = 2, backoff = BackoffType.FIXED,
            backoffDelayMs = 3_600_000)
    static final class FailsOnce implements Step<Map<String, Object>, Void> {
        final AtomicInteger attempts = new AtomicInteger();

        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("not yet");
            }
            return null;
        }
    }

    @Test
    void anEngineOnTheClockRetriesAStepOnceTheClockPassedItsBackoffAndNotInRealTime() {
        FailsOnce step = new FailsOnce();
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock).step(step).build()) {
            String runId = engine.flows().start("later", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> clock.nextTimer().isPresent());

            assertThat(clock.nextTimer()).contains(T0.plus(Duration.ofHours(1)));
            assertThat(step.attempts).hasValue(1);

            clock.advance(Duration.ofHours(1));

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    engine.flows().run(runId).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED));
            assertThat(step.attempts).hasValue(2);
        }
    }

    /** Fails a job's first attempt; records when each attempt ran, and reports each failure as {@code report} says. */
    private final class FailsFirstAttempt implements JobHandler {
        final List<Instant> attempts = new CopyOnWriteArrayList<>();
        private final Runnable report;

        FailsFirstAttempt(Runnable report) {
            this.report = report;
        }

        @Override
        public void handle(JobExecution job) {
            attempts.add(clock.instant());
            if (job.attempt() == 1) {
                throw new IllegalStateException("partner away");
            }
        }

        @Override
        public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
            report.run();
        }
    }

    private static JobRequest retriedAfterAnHour(String queue) {
        return JobRequest.of(queue, "job", "push", "{}").withRetry(RetryPolicy.newBuilder().maxAttempts(2)
                .backoff(BackoffType.FIXED).initialDelay(Duration.ofHours(1)).build());
    }

    @Test
    void aRetryComesDueAtItsBackoffAfterTheFailureEvenIfTheClockPassedThatTimeWhileTheFailureWasReported() {
        JobQueue queue = MemoryAdapters.queue(clock);
        // As a test that moves the time while a loaded machine still reports the failure.
        FailsFirstAttempt handler = new FailsFirstAttempt(() -> clock.advance(Duration.ofHours(1)));
        try {
            queue.registerWorker("partner", 1, handler);
            queue.enqueue(retriedAfterAnHour("partner"));

            await().atMost(Duration.ofSeconds(10)).until(() -> handler.attempts.size() == 2);
            assertThat(handler.attempts).containsExactly(T0, T0.plus(Duration.ofHours(1)));
            assertThat(clock.nextTimer()).isEmpty();
        } finally {
            queue.close();
        }
    }

    @Test
    void aFailedAttemptsJobCountsAsRunningUntilItsRetryWaitsForTheClock() {
        JobQueue queue = MemoryAdapters.queue(clock);
        // What a test waiting for the queue to be idle before it moves the clock sees while the failure is reported.
        List<String> seen = new CopyOnWriteArrayList<>();
        FailsFirstAttempt handler = new FailsFirstAttempt(() -> seen.add(queue.counts("partner").active() + " running, "
                + "next timer " + clock.nextTimer().map(Instant::toString).orElse("none")));
        try {
            queue.registerWorker("partner", 1, handler);
            queue.enqueue(retriedAfterAnHour("partner"));

            await().atMost(Duration.ofSeconds(10)).until(() -> clock.nextTimer().isPresent());
            assertThat(seen).containsExactly("1 running, next timer none");
            assertThat(queue.counts("partner").active()).isZero();
            assertThat(queue.counts("partner").delayed()).isEqualTo(1);
            assertThat(clock.nextTimer()).contains(T0.plus(Duration.ofHours(1)));
        } finally {
            queue.close();
        }
    }

    @Test
    void theClockDoesNotGoBack() {
        assertThatThrownBy(() -> clock.advanceTo(T0.minusSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("forward only");
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("forward only");
    }
}
