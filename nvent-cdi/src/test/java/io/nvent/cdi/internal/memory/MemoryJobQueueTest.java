package io.nvent.cdi.internal.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.cdi.internal.Threads;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import io.nvent.testkit.Concurrently;
import io.nvent.testkit.HandlerLatches;
import io.nvent.testkit.JobBehaviour;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the in-memory queue's own design must guarantee beyond the shared contract: its worker
 * threads, the timeout check that shares the timer thread, and the bounded job records.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MemoryJobQueueTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final MemoryJobQueue queue = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("memq-test-worker"));
    private final HandlerLatches latches = new HandlerLatches();

    @AfterEach
    void close() {
        latches.releaseAll();
        queue.close();
    }

    @Test
    void jobs_enqueued_by_many_threads_while_workers_run_are_each_handled_exactly_once() {
        int producers = 8;
        int perProducer = 2_500;
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        Handler handler = new Handler(job -> runs.computeIfAbsent(job.jobId(), id -> new AtomicInteger()).incrementAndGet());
        queue.registerWorker("busy", 4, handler);

        Concurrently.run(producers, producer -> {
            for (int i = 0; i < perProducer; i++) {
                queue.enqueue(JobRequest.of("busy", producer + "-" + i, "noop", "{}"));
            }
        });

        long total = (long) producers * perProducer;
        await().atMost(PATIENCE).until(() -> queue.counts("busy").completed() == total);
        assertThat(runs).hasSize((int) total);
        assertThat(runs.values()).allSatisfy(count -> assertThat(count).hasValue(1));
        assertThat(handler.mostAtOnce).as("most attempts running at once").hasValueLessThanOrEqualTo(4);
        assertThat(queue.counts("busy").waiting() + queue.counts("busy").active()).isZero();
    }

    @Test
    void registering_again_with_a_lower_concurrency_runs_fewer_jobs_at_once() {
        CountDownLatch release = latches.newLatch();
        Handler wide = new Handler(job -> release.await());
        queue.registerWorker("narrowing", 3, wide);
        for (int i = 0; i < 3; i++) {
            queue.enqueue(JobRequest.of("narrowing", "wide-" + i, "hold", "{}"));
        }
        await().atMost(PATIENCE).until(() -> wide.running.get() == 3);

        Handler narrow = new Handler(job -> Thread.sleep(20));
        queue.registerWorker("narrowing", 1, narrow);
        for (int i = 0; i < 6; i++) {
            queue.enqueue(JobRequest.of("narrowing", "narrow-" + i, "short", "{}"));
        }
        release.countDown();

        await().atMost(PATIENCE).until(() -> queue.counts("narrowing").completed() == 9);
        assertThat(narrow.mostAtOnce).as("most attempts at once after narrowing").hasValue(1);
    }

    @Test
    void registering_again_with_a_higher_concurrency_runs_more_jobs_at_once() {
        CountDownLatch release = latches.newLatch();
        Handler handler = new Handler(job -> release.await());
        queue.registerWorker("widening", 1, handler);
        for (int i = 0; i < 3; i++) {
            queue.enqueue(JobRequest.of("widening", "job-" + i, "hold", "{}"));
        }
        await().atMost(PATIENCE).until(() -> handler.running.get() == 1);

        queue.registerWorker("widening", 3, handler);

        await().atMost(PATIENCE).until(() -> handler.running.get() == 3);
        assertThat(queue.counts("widening").active()).isEqualTo(3);
    }

    @Test
    void a_timed_out_attempt_that_ignores_its_interrupt_does_not_disturb_the_next_job_of_its_worker() {
        CountDownLatch stuck = latches.newLatch();
        List<Boolean> nextSawInterrupt = new CopyOnWriteArrayList<>();
        Handler handler = new Handler(job -> {
            if (job.jobId().equals("stubborn")) {
                // Ignores the interrupt, as careless handler code does, and returns with it still set.
                while (stuck.getCount() > 0) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
            } else {
                nextSawInterrupt.add(Thread.currentThread().isInterrupted());
                Thread.sleep(50); // would throw if a stale interrupt hit this attempt
            }
        });
        queue.registerWorker("stubborn", 1, handler);
        queue.enqueue(JobRequest.of("stubborn", "stubborn", "slow", "{}").withTimeout(Duration.ofMillis(200)));
        queue.enqueue(JobRequest.of("stubborn", "next", "fine", "{}"));

        await().atMost(PATIENCE).until(() -> queue.counts("stubborn").failed() == 1);
        assertThat(handler.failures).singleElement().isInstanceOf(TimeoutException.class);
        assertThat(queue.counts("stubborn").completed()).as("the worker is still held by the stubborn attempt").isZero();

        stuck.countDown();

        await().atMost(PATIENCE).until(() -> queue.counts("stubborn").completed() == 1);
        assertThat(nextSawInterrupt).containsExactly(false);
        assertThat(queue.job("stubborn", "stubborn")).get().extracting(JobRecord::state).isEqualTo(JobState.FAILED);
    }

    @Test
    void attempts_with_different_timeouts_each_time_out_at_their_own_deadline() {
        CountDownLatch never = latches.newLatch();
        Handler handler = new Handler(job -> never.await());
        queue.registerWorker("deadlines", 2, handler);

        queue.enqueue(JobRequest.of("deadlines", "long", "slow", "{}").withTimeout(Duration.ofMinutes(10)));
        await().atMost(PATIENCE).until(() -> handler.running.get() == 1);
        queue.enqueue(JobRequest.of("deadlines", "short", "slow", "{}").withTimeout(Duration.ofMillis(200)));

        await().atMost(PATIENCE).until(() -> queue.counts("deadlines").failed() == 1);
        assertThat(queue.job("deadlines", "short")).get().extracting(JobRecord::state).isEqualTo(JobState.FAILED);
        assertThat(queue.job("deadlines", "long")).get().extracting(JobRecord::state).isEqualTo(JobState.ACTIVE);
    }

    @Test
    void a_failure_report_that_throws_an_error_does_not_cost_the_queue_its_worker() {
        List<String> completed = new CopyOnWriteArrayList<>();
        queue.registerWorker("reporting", 1, new JobHandler() {
            @Override
            public void handle(JobExecution job) {
                if (job.jobId().equals("failing")) {
                    throw new IllegalStateException("fails on purpose");
                }
                completed.add(job.jobId());
            }

            @Override
            public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
                throw new AssertionError("a broken failure report");
            }
        });

        queue.enqueue(JobRequest.of("reporting", "failing", "fails", "{}"));
        queue.enqueue(JobRequest.of("reporting", "after", "fine", "{}"));

        await().atMost(PATIENCE).until(() -> completed.contains("after"));
        assertThat(queue.counts("reporting").failed()).isEqualTo(1);
    }

    @Test
    void only_the_latest_completed_jobs_keep_their_records_but_every_completion_is_counted() {
        queue.pause("history");
        queue.registerWorker("history", 2, new Handler(job -> { }));
        for (int i = 0; i < 1_500; i++) {
            queue.enqueue(JobRequest.of("history", "job-" + i, "noop", "{}"));
        }

        queue.resume("history");

        await().atMost(PATIENCE).until(() -> queue.counts("history").completed() == 1_500);
        assertThat(queue.jobs("history", JobState.COMPLETED, 0, 2_000)).hasSize(1_000);
        assertThat(queue.job("history", "job-1499")).get().satisfies(record -> {
            assertThat(record.state()).isEqualTo(JobState.COMPLETED);
            assertThat(record.attempts()).singleElement().satisfies(attempt -> {
                assertThat(attempt.attempt()).isEqualTo(1);
                assertThat(attempt.endedAt()).isPresent();
                assertThat(attempt.error()).isEmpty();
            });
        });
    }

    @Test
    void closing_the_queue_stops_its_workers() {
        queue.registerWorker("closing", 3, new Handler(job -> { }));
        await().atMost(PATIENCE).until(() -> workerThreads() == 3);

        queue.close();

        await().atMost(PATIENCE).until(() -> workerThreads() == 0);
    }

    @Test
    void an_attempt_the_close_interrupts_counts_as_no_attempt_and_its_job_waits_again() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch blocked = latches.newLatch();
        Handler handler = new Handler(job -> {
            started.countDown();
            try {
                blocked.await();
            } catch (InterruptedException e) {
                // As a step whose blocking call fails with its own exception when interrupted.
                throw new IllegalStateException("the call the step waited in was interrupted", e);
            }
        });
        queue.registerWorker("closing", 1, handler);
        // Its only attempt: counted as failed, it would fail the job for good.
        queue.enqueue(JobRequest.of("closing", "cut-short", "blocks", "{}"));
        assertThat(started.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("attempt started").isTrue();

        queue.close();

        await().atMost(PATIENCE).until(() -> queue.job("closing", "cut-short").orElseThrow().state() != JobState.ACTIVE);
        assertThat(queue.job("closing", "cut-short")).get().satisfies(record -> {
            assertThat(record.state()).isEqualTo(JobState.WAITING);
            assertThat(record.attempts()).as("attempts").isEmpty();
        });
        assertThat(handler.failures).as("failures reported to the handler").isEmpty();
    }

    private static long workerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("memq-test-worker") && thread.isAlive()).count();
    }

    /** Runs a behaviour, counting the attempts running at once and collecting failures. */
    @Test
    void a_closed_queue_whose_workers_are_resized_meanwhile_starts_no_worker_and_runs_nothing() {
        AtomicInteger ran = new AtomicInteger();
        queue.registerWorker("closing", 1, new Handler(job -> ran.incrementAndGet()));
        queue.close();

        queue.resizeWorkers("closing", 2);
        queue.enqueue(JobRequest.of("closing", "after-close", "noop", "{}"));

        await().during(Duration.ofMillis(400)).atMost(PATIENCE).until(() -> ran.get() == 0);
    }

    private static final class Handler implements JobHandler {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        private final JobBehaviour behaviour;

        Handler(JobBehaviour behaviour) {
            this.behaviour = behaviour;
        }

        @Override
        public void handle(JobExecution job) throws Exception {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                behaviour.run(job);
            } finally {
                running.decrementAndGet();
            }
        }

        @Override
        public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
            failures.add(error);
        }
    }
}
