package io.nvent.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.BackoffType;
import io.nvent.RetryPolicy;
import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobPage;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import io.nvent.spi.RateLimit;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link JobQueue} adapter shares. Subclass it once per adapter and implement
 * {@link #createQueue()}.
 *
 * <p>The contract runs in real time with sub-second delays, so the queue under test must use the
 * system clock. Each test works on its own, freshly named queue: a backend may therefore keep one
 * broker or database for the whole class. What needs a JTA transaction (enqueue visible only on
 * commit) is not covered here; container tests check it.
 *
 * @since 0.1
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class JobQueueContractTest {

    /** Long enough for a slow shared machine (10 s was not, for a resize or a burst), short enough to fail fast. */
    protected static final Duration PATIENCE = Duration.ofSeconds(20);
    /** How long "nothing happens" is watched for. */
    private static final Duration QUIET = Duration.ofMillis(400);
    /**
     * How much earlier than its limit allows an attempt may seem to start, as a part of the limit's
     * span: the starts are the attempts' {@link JobAttempt#startedAt}, which an adapter records as it
     * grants the start (not when the handler then runs, which a starved machine delays by 100 ms and
     * more), but by the wall clock and a moment after its rate limit counted the start by a monotonic
     * one. Without the limit the starts would come within a few ms.
     */
    private static final int START_SLACK_PERCENT = 20;

    /** The queue under test, created before each test and closed after it. */
    protected JobQueue queue;
    /** A queue name no other test uses. */
    protected String name;
    private final HandlerLatches latches = new HandlerLatches();

    /**
     * Creates the adapter under test. Called before each test; the instance is closed after it.
     * It must use the system clock.
     *
     * @return the adapter; each test uses a queue name of its own on it
     */
    protected abstract JobQueue createQueue();

    @BeforeEach
    void openQueue() {
        queue = createQueue();
        name = "contract-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void closeQueue() {
        // Handlers still blocked on a test latch would keep close() waiting.
        latches.releaseAll();
        queue.close();
    }

    // ---------------------------------------------------------------- enqueue

    @Test
    void resuming_a_queue_that_is_not_paused_changes_nothing_and_no_limit_holds_an_attempt_back() {
        queue.resume(name);
        assertThat(queue.untilRateLimitAllows(name)).as("no rate limit").isZero();

        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 1, handler);
        queue.enqueue(job("runs"));

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        assertThat(queue.untilRateLimitAllows(name)).isZero();
    }

    @Test
    void enqueuing_a_job_id_the_queue_already_holds_is_ignored() {
        queue.pause(name);
        queue.enqueue(job("same", "{\"n\":1}"));
        queue.enqueue(job("same", "{\"n\":2}"));

        assertThat(queue.counts(name).waiting()).isEqualTo(1);
        assertThat(queue.job(name, "same")).get().extracting(JobRecord::payload).isEqualTo("{\"n\":1}");

        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 2, handler);
        queue.resume(name);
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        assertThat(handler.completed).extracting(JobExecution::payload).containsExactly("{\"n\":1}");
    }

    @Test
    void a_job_enqueued_without_waiting_is_held_once_its_stage_completes_and_then_runs() throws Exception {
        queue.pause(name);
        List<CompletableFuture<Void>> stages = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            stages.add(queue.enqueueAsync(job("async-" + i)).toCompletableFuture());
        }
        stages.add(queue.enqueueAsync(job("async-0")).toCompletableFuture());

        CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new))
                .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(queue.counts(name).waiting()).as("the duplicate id is ignored").isEqualTo(20);
        assertThat(queue.job(name, "async-19")).get().extracting(JobRecord::state).isEqualTo(JobState.WAITING);

        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 4, handler);
        queue.resume(name);
        // A queue may record a job completed before it tells the handler (PostgreSQL's commit comes first).
        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 20) && handler.completed.size() >= 20);
        assertThat(handler.completed).hasSize(20);
    }

    @Test
    void a_job_id_stays_taken_after_its_job_completed() {
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 1, handler);
        queue.enqueue(job("once"));
        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 1));

        queue.enqueue(job("once"));

        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.size() == 1);
        assertThat(queue.counts(name)).isEqualTo(new JobCounts(0, 0, 0, 1, 0));
    }

    @Test
    void a_delayed_job_starts_no_earlier_than_its_delay() {
        Duration delay = Duration.ofMillis(800);
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 1, handler);

        long enqueuedAt = System.nanoTime();
        queue.enqueue(job("later").withDelay(delay));

        assertThat(queue.counts(name).delayed()).isEqualTo(1);
        assertThat(queue.job(name, "later")).get().extracting(JobRecord::state).isEqualTo(JobState.DELAYED);
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        assertThat(Duration.ofNanos(handler.started.get(0).nanoTime() - enqueuedAt)).isGreaterThanOrEqualTo(delay);
    }

    @Test
    void among_available_jobs_the_higher_priority_runs_first() {
        queue.pause(name);
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 1, handler);
        queue.enqueue(job("low").withPriority(0));
        queue.enqueue(job("high").withPriority(3));
        queue.enqueue(job("middle").withPriority(1));
        queue.enqueue(job("low-too").withPriority(0));

        queue.resume(name);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 4);
        assertThat(handler.completed).extracting(JobExecution::jobId)
                .containsExactly("high", "middle", "low", "low-too");
    }

    @Test
    void the_oldest_waiting_job_is_the_one_ready_longest_whatever_its_priority() {
        queue.pause(name);
        assertThat(queue.oldestWaitingSince(name)).as("nothing waits in a new queue").isEmpty();

        Instant beforeLow = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        queue.enqueue(job("low").withPriority(-1));
        Instant afterLow = Instant.now();
        await().atMost(PATIENCE).until(() -> Instant.now().isAfter(afterLow.plusMillis(50)));
        queue.enqueue(job("high").withPriority(3));
        queue.enqueue(job("later").withDelay(Duration.ofSeconds(5)));

        assertThat(queue.oldestWaitingSince(name)).as("the low-priority job, though the high one runs first")
                .hasValueSatisfying(since -> assertThat(since).isBetween(beforeLow, afterLow));

        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 2, handler);
        queue.resume(name);
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 2);
        assertThat(queue.oldestWaitingSince(name)).as("only the delayed job is left, and it does not wait yet")
                .isEmpty();
    }

    @Test
    void a_delayed_job_waits_from_the_end_of_its_delay_not_from_its_enqueue() {
        queue.pause(name);
        // Longer than a loaded machine takes to enqueue (1 s was not: the job was due before it was looked at).
        Duration delay = Duration.ofSeconds(3);
        Instant enqueuedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        queue.enqueue(job("later").withDelay(delay));

        assertThat(queue.oldestWaitingSince(name)).as("delayed, not waiting").isEmpty();
        await().atMost(PATIENCE).until(() -> queue.counts(name).waiting() == 1);
        assertThat(queue.oldestWaitingSince(name))
                .hasValueSatisfying(since -> assertThat(since).isAfterOrEqualTo(enqueuedAt.plus(delay))
                        .isBeforeOrEqualTo(Instant.now()));
    }

    // ---------------------------------------------------------------- workers

    @Test
    void no_more_jobs_run_at_once_than_the_worker_concurrency() {
        queue.pause(name);
        RecordingHandler handler = new RecordingHandler(job -> Thread.sleep(150));
        queue.registerWorker(name, 3, handler);
        for (int i = 0; i < 9; i++) {
            queue.enqueue(job("job-" + i));
        }

        queue.resume(name);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 9);
        assertThat(handler.mostAtOnce.get()).as("most attempts running at once").isEqualTo(3);
    }

    /**
     * A failure report that throws an {@link Error}, past the attempt's own catch, costs the queue none of
     * its workers and loses no job: the failed job is retried as its policy says and ends failed, and the
     * queue runs as many attempts at once as before (an adapter may replace the worker the error ended).
     */
    @Test
    void a_failure_report_that_throws_an_error_costs_the_queue_no_worker_and_its_job_is_still_retried() {
        CountDownLatch hold = latches.newLatch();
        RecordingHandler recording = new RecordingHandler(job -> {
            if (job.jobId().equals("fails")) {
                throw new IllegalStateException("fails on purpose");
            }
            hold.await();
        });
        AtomicBoolean broken = new AtomicBoolean();
        queue.registerWorker(name, 2, new JobHandler() {
            @Override
            public void handle(JobExecution job) throws Exception {
                recording.handle(job);
            }

            @Override
            public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
                recording.onAttemptFailed(job, error, nextAttemptAt);
                if (broken.compareAndSet(false, true)) {
                    throw new BrokenFailureReport();
                }
            }
        });

        queue.enqueue(job("fails").withRetry(RetryPolicy.newBuilder().delays(Duration.ofMillis(20)).build()));

        await().atMost(PATIENCE).until(() -> queueHas(JobState.FAILED, 1));
        assertThat(recording.failures).as("both attempts failed and were reported").hasSize(2);
        queue.enqueue(job("held-0"));
        queue.enqueue(job("held-1"));
        await().atMost(PATIENCE).until(() -> recording.running.get() == 2);
        assertThat(queue.counts(name).active()).isEqualTo(2);
    }

    /**
     * A handler's {@link JobHandler#retryDelay} that throws loses no job and runs no attempt twice: the
     * retry policy's declared delay applies, the job is retried and ends failed, and the queue keeps its
     * workers.
     */
    @Test
    void a_retry_delay_that_throws_leaves_the_declared_delay_and_runs_each_attempt_once() {
        CountDownLatch hold = latches.newLatch();
        AtomicBoolean broken = new AtomicBoolean();
        RecordingHandler recording = new RecordingHandler(job -> {
            if (job.jobId().equals("fails")) {
                throw new IllegalStateException("fails on purpose");
            }
            hold.await();
        }).retryingAfter(declared -> {
            if (broken.compareAndSet(false, true)) {
                throw new BrokenFailureReport();
            }
            return Optional.of(declared);
        });
        queue.registerWorker(name, 2, recording);

        queue.enqueue(job("fails").withRetry(RetryPolicy.newBuilder().delays(Duration.ofMillis(20)).build()));

        await().atMost(PATIENCE).until(() -> queueHas(JobState.FAILED, 1));
        assertThat(recording.started).as("each attempt ran once").extracting(Start::attempt).containsExactly(1, 2);
        assertThat(recording.failures).extracting(Failure::attempt).containsExactly(1, 2);
        assertThat(recording.failures.get(0).nextAttemptAt()).as("retried at the declared delay").isPresent();
        queue.enqueue(job("held-0"));
        queue.enqueue(job("held-1"));
        await().atMost(PATIENCE).until(() -> recording.running.get() == 2);
    }

    /** What a broken failure report throws: an {@link Error}, which no attempt's catch of exceptions takes. */
    private static final class BrokenFailureReport extends Error {
        private static final long serialVersionUID = 1L;

        BrokenFailureReport() {
            super("a broken failure report");
        }
    }

    /**
     * {@link JobCounts#active()} counts the jobs with an attempt executing now, so on one instance it
     * never exceeds the workers' concurrency: not while short jobs of a backlog end in quick succession
     * (an adapter may record their ends in batches, or take the next jobs before a worker is free),
     * nor while a job continues in its worker's slot. Counts are read by every attempt while it runs.
     */
    @Test
    void active_counts_no_more_jobs_than_the_workers_run_at_once_while_a_backlog_drains_and_jobs_continue() {
        int concurrency = 2;
        int backlog = 40;
        boolean continuing = continuesInWorkerSlots();
        AtomicInteger mostActive = new AtomicInteger();
        RecordingHandler handler = new RecordingHandler(job -> {
            mostActive.accumulateAndGet((int) queue.counts(name).active(), Math::max);
            if (continuing && job.jobId().startsWith("job-")) {
                queue.continueWith(job("next-" + job.jobId()));
            }
            Thread.sleep(2);
        });
        queue.pause(name);
        queue.registerWorker(name, concurrency, handler);
        for (int i = 0; i < backlog; i++) {
            queue.enqueue(job("job-" + i));
        }

        queue.resume(name);

        int jobs = continuing ? 2 * backlog : backlog;
        await().atMost(PATIENCE).until(() -> handler.completed.size() == jobs);
        assertThat(handler.mostAtOnce.get()).as("most attempts running at once").isLessThanOrEqualTo(concurrency);
        assertThat(mostActive.get()).as("most jobs counted active while attempts ran").isBetween(1, concurrency);
        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(queue.counts(name)).isEqualTo(new JobCounts(0, 0, 0, jobs, 0)));
    }

    // ---------------------------------------------------------------- workers set at run time

    @Test
    void workers_resized_at_run_time_run_no_more_attempts_at_once_and_resized_back_run_as_many_as_before() {
        Assumptions.assumeTrue(queue.resizesWorkers(), "the adapter cannot resize workers");
        CountDownLatch fewer = latches.newLatch();
        CountDownLatch again = latches.newLatch();
        RecordingHandler handler = new RecordingHandler(job -> (job.jobId().startsWith("fewer") ? fewer : again).await());
        queue.pause(name);
        queue.registerWorker(name, 4, handler);
        queue.resizeWorkers(name, 2);
        for (int i = 0; i < 6; i++) {
            queue.enqueue(job("fewer-" + i));
        }

        queue.resume(name);

        await().atMost(PATIENCE).until(() -> handler.started.size() == 2);
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.size() == 2);
        fewer.countDown();
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 6);
        assertThat(handler.mostAtOnce.get()).as("most attempts running at once").isEqualTo(2);

        queue.resizeWorkers(name, 4);
        for (int i = 0; i < 4; i++) {
            queue.enqueue(job("again-" + i));
        }
        await().atMost(PATIENCE).until(() -> handler.running.get() == 4);
        again.countDown();
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 10);
    }

    @Test
    void shrinking_workers_lets_the_running_attempts_finish_and_no_job_is_lost_or_run_twice() {
        Assumptions.assumeTrue(queue.resizesWorkers(), "the adapter cannot resize workers");
        CountDownLatch first = latches.newLatch();
        CountDownLatch later = latches.newLatch();
        RecordingHandler handler = new RecordingHandler(job -> (job.jobId().startsWith("first") ? first : later).await());
        queue.registerWorker(name, 3, handler);
        for (int i = 0; i < 3; i++) {
            queue.enqueue(job("first-" + i));
        }
        await().atMost(PATIENCE).until(() -> handler.running.get() == 3);

        queue.resizeWorkers(name, 1);
        for (int i = 0; i < 4; i++) {
            queue.enqueue(job("later-" + i));
        }
        first.countDown();

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 3);
        assertThat(handler.failures).as("running attempts are not interrupted").isEmpty();
        await().atMost(PATIENCE).until(() -> handler.running.get() == 1);
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.running.get() == 1);
        later.countDown();
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 7);
        assertThat(handler.started).extracting(start -> start.execution().jobId()).as("each job ran once")
                .hasSize(7).doesNotHaveDuplicates();
        assertThat(handler.failures).isEmpty();
    }

    @Test
    void after_shrinking_no_new_attempt_starts_while_as_many_as_the_new_workers_still_run() {
        Assumptions.assumeTrue(queue.resizesWorkers(), "the adapter cannot resize workers");
        CountDownLatch one = latches.newLatch();
        CountDownLatch rest = latches.newLatch();
        RecordingHandler handler = new RecordingHandler(job -> (job.jobId().equals("first-0") ? one : rest).await());
        queue.registerWorker(name, 1, handler);
        queue.enqueue(job("first-0"));
        await().atMost(PATIENCE).until(() -> handler.running.get() == 1);
        queue.resizeWorkers(name, 3);
        queue.enqueue(job("first-1"));
        queue.enqueue(job("first-2"));
        await().atMost(PATIENCE).until(() -> handler.running.get() == 3);
        queue.resizeWorkers(name, 1);
        queue.enqueue(job("later"));

        one.countDown();

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.size() == 3);
        rest.countDown();
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 4);
        assertThat(handler.mostAtOnce.get()).as("most attempts running at once").isEqualTo(3);
    }

    @Test
    void workers_resized_to_none_start_nothing_until_given_workers_again() {
        Assumptions.assumeTrue(queue.resizesWorkers(), "the adapter cannot resize workers");
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 2, handler);
        queue.resizeWorkers(name, 0);
        queue.enqueue(job("held"));

        startsItsWaitingJobOnlyOnceGivenAWorker(handler);
    }

    @Test
    void a_queue_registered_without_workers_runs_none_of_its_waiting_jobs_until_given_workers() {
        RecordingHandler handler = registeredWithoutWorkersAfterAJobWaits();

        startsItsWaitingJobOnlyOnceGivenAWorker(handler);
    }

    @Test
    void a_queue_registered_without_workers_and_paused_runs_its_jobs_once_given_workers_and_resumed() {
        RecordingHandler handler = registeredWithoutWorkersAfterAJobWaits();
        queue.pause(name);

        queue.resizeWorkers(name, 1);

        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.isEmpty());
        assertThat(queue.isPaused(name)).isTrue();

        queue.resume(name);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
    }

    /** Enqueues a job, then registers the queue without workers (skipped where the adapter cannot resize them). */
    private RecordingHandler registeredWithoutWorkersAfterAJobWaits() {
        Assumptions.assumeTrue(queue.resizesWorkers(), "the adapter cannot resize workers");
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.enqueue(job("waiting"));
        queue.registerIdleWorker(name, handler);
        return handler;
    }

    /** The queue, not paused, starts none of its one waiting job; given a worker, it runs it. */
    private void startsItsWaitingJobOnlyOnceGivenAWorker(RecordingHandler handler) {
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.isEmpty());
        assertThat(queue.counts(name).waiting()).isEqualTo(1);
        assertThat(queue.isPaused(name)).as("not a pause").isFalse();

        queue.resizeWorkers(name, 1);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
    }

    @Test
    void an_adapter_that_cannot_resize_workers_says_so_and_refuses_with_an_id() {
        Assumptions.assumeFalse(queue.resizesWorkers(), "the adapter resizes workers");
        queue.registerWorker(name, 1, new RecordingHandler(job -> { }));

        assertThatThrownBy(() -> queue.resizeWorkers(name, 2)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageStartingWith("NVENT-");
    }

    @Test
    void a_paused_queue_starts_nothing_until_resumed() {
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 2, handler);
        queue.pause(name);
        queue.enqueue(job("held"));

        assertThat(queue.isPaused(name)).isTrue();
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.isEmpty());
        assertThat(queue.counts(name).waiting()).isEqualTo(1);

        queue.resume(name);

        assertThat(queue.isPaused(name)).isFalse();
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
    }

    /**
     * The health check, a list of queues and a metrics scrape ask which queues are paused at once: the answer is what
     * {@link JobQueue#isPaused} says of each, a queue unknown to the adapter included (not paused), and a pause or
     * resume shows at once.
     */
    @Test
    void the_paused_queues_read_at_once_are_those_isPaused_says_are_paused() {
        String other = name + "-other";
        String unknown = name + "-unknown";
        queue.registerWorker(name, 1, new RecordingHandler(job -> { }));
        queue.registerWorker(other, 1, new RecordingHandler(job -> { }));

        queue.pause(name);

        assertThat(queue.pausedQueues(Set.of(name, other, unknown))).containsExactly(name);
        assertThat(queue.pausedQueues(Set.of())).isEmpty();

        queue.resume(name);
        queue.pause(other);

        assertThat(queue.pausedQueues(Set.of(name, other, unknown))).containsExactly(other);
    }

    /**
     * A pause made straight on the adapter, in code, is not "paused by unknown": the adapter tells it was code, on
     * which instance ({@code code@<instance>}) and since when, until the queue is resumed.
     */
    @Test
    void a_pause_made_in_code_on_the_adapter_tells_it_was_code_on_this_instance_and_since_when() {
        queue.registerWorker(name, 1, new RecordingHandler(job -> { }));
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        queue.pause(name);

        io.nvent.spi.QueueChange change = queue.pauseChanges(Set.of(name, name + "-other")).get(name);
        assertThat(change).as("who paused %s", name).isNotNull();
        assertThat(change.by()).hasValueSatisfying(by -> assertThat(by).startsWith(io.nvent.spi.QueueChange.IN_CODE)
                .hasSizeGreaterThan(io.nvent.spi.QueueChange.IN_CODE.length()));
        assertThat(change.at()).isBetween(before, Instant.now().plusSeconds(1));
        assertThat(queue.pauseChanges(Set.of(name + "-other"))).isEmpty();

        queue.resume(name);

        assertThat(queue.pauseChanges(Set.of(name))).as("a resumed queue is paused by nobody").isEmpty();
    }

    /**
     * The engine pauses with its operator's change, which the adapter then tells as it was given; a second pause of
     * the paused queue keeps the first one's (it is still that pause that holds).
     */
    @Test
    void a_pause_with_a_change_tells_that_change_and_a_second_pause_keeps_the_first() {
        queue.registerWorker(name, 1, new RecordingHandler(job -> { }));
        Instant at = Instant.parse("2026-12-07T14:02:00Z");
        io.nvent.spi.QueueChange alice = new io.nvent.spi.QueueChange(Optional.of("alice"), at,
                Optional.of("supplier outage"));

        queue.pause(name, alice);
        queue.pause(name);
        queue.pause(name, new io.nvent.spi.QueueChange(Optional.of("bob"), at.plusSeconds(60), Optional.empty()));

        assertThat(queue.isPaused(name)).isTrue();
        assertThat(queue.pauseChanges(Set.of(name))).containsExactly(java.util.Map.entry(name, alice));
    }

    /**
     * A pause the engine makes in code acting as nobody ({@code QueueControls} with no operator) is told as by nobody,
     * at its time: not taken for a pause written by hand somewhere (PostgreSQL once said {@code sql as <role>}).
     */
    @Test
    void a_pause_with_a_change_by_nobody_is_told_as_by_nobody() {
        queue.registerWorker(name, 1, new RecordingHandler(job -> { }));
        io.nvent.spi.QueueChange nobody = new io.nvent.spi.QueueChange(Optional.empty(),
                Instant.parse("2026-12-07T14:02:00Z"), Optional.empty());

        queue.pause(name, nobody);

        assertThat(queue.pauseChanges(Set.of(name))).containsExactly(java.util.Map.entry(name, nobody));
    }

    /** A pause with no change at all is a caller's bug: refused, and the queue keeps running. */
    @Test
    void a_pause_with_no_change_is_refused_and_pauses_nothing() {
        queue.registerWorker(name, 1, new RecordingHandler(job -> { }));

        assertThatThrownBy(() -> queue.pause(name, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("change");

        assertThat(queue.isPaused(name)).isFalse();
    }

    // ---------------------------------------------------------------- rate limits

    @Test
    void a_rate_limited_queue_starts_no_more_attempts_in_any_span_than_its_limit() {
        RateLimit threePerSecond = new RateLimit(3, Duration.ofSeconds(1));
        queue.pause(name);
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.limitRate(name, Optional.of(threePerSecond));
        queue.registerWorker(name, 4, handler);
        for (int i = 0; i < 9; i++) {
            queue.enqueue(job("job-" + i));
        }

        queue.resume(name);

        // Three spans at the least, on top of the usual patience: a loaded machine must not fail it.
        await().atMost(PATIENCE.plusSeconds(3)).until(() -> handler.completed.size() == 9);
        assertThat(queue.rateLimit(name)).contains(threePerSecond);
        assertStartsKeep(threePerSecond, handler);
    }

    @Test
    void a_burst_after_an_idle_spell_starts_no_more_attempts_in_a_span_than_the_limit() {
        RateLimit twoPerSecond = new RateLimit(2, Duration.ofSeconds(1));
        queue.limitRate(name, Optional.of(twoPerSecond));
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 4, handler);
        // Idle workers wait for jobs meanwhile, as after a quiet hour.
        await().pollDelay(Duration.ofMillis(1500)).atMost(PATIENCE).until(() -> true);

        for (int i = 0; i < 4; i++) {
            queue.enqueue(job("burst-" + i));
        }

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 4);
        assertStartsKeep(twoPerSecond, handler);
    }

    @Test
    void jobs_held_through_a_pause_start_no_faster_than_the_limit_once_resumed() {
        RateLimit twoPerSecond = new RateLimit(2, Duration.ofSeconds(1));
        queue.limitRate(name, Optional.of(twoPerSecond));
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 4, handler);
        await().pollDelay(Duration.ofMillis(300)).atMost(PATIENCE).until(() -> true);
        queue.pause(name);
        for (int i = 0; i < 4; i++) {
            queue.enqueue(job("held-" + i));
        }
        // Longer than the limit's span: what the workers took in before the pause must not count from then.
        await().pollDelay(Duration.ofMillis(1500)).atMost(PATIENCE).until(() -> true);

        queue.resume(name);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 4);
        assertStartsKeep(twoPerSecond, handler);
    }

    @Test
    void jobs_held_back_by_a_rate_limit_wait_until_it_is_lifted() {
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.limitRate(name, Optional.of(new RateLimit(1, Duration.ofDays(1))));
        queue.registerWorker(name, 2, handler);
        for (int i = 0; i < 3; i++) {
            queue.enqueue(job("job-" + i));
        }

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.size() == 1);
        assertThat(queue.counts(name).waiting()).as("held back, waiting").isEqualTo(2);

        queue.limitRate(name, Optional.empty());

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 3);
        assertThat(queue.rateLimit(name)).isEmpty();
    }

    @Test
    void a_limit_that_holds_the_next_start_back_says_for_how_long_at_most_one_span_and_nothing_once_lifted() {
        RateLimit onePerDay = new RateLimit(1, Duration.ofDays(1));
        queue.limitRate(name, Optional.of(onePerDay));
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 1, handler);
        assertThat(queue.untilRateLimitAllows(name)).as("nothing started yet").isZero();

        queue.enqueue(job("only"));
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);

        assertThat(queue.untilRateLimitAllows(name)).isPositive().isLessThanOrEqualTo(onePerDay.per());
        queue.limitRate(name, Optional.empty());
        assertThat(queue.untilRateLimitAllows(name)).as("no limit any more").isZero();
    }

    @Test
    void the_wait_for_a_rate_limit_is_never_negative_and_ends_once_the_span_has_passed() {
        RateLimit onePerFifthOfASecond = new RateLimit(1, Duration.ofMillis(200));
        queue.limitRate(name, Optional.of(onePerFifthOfASecond));
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 1, handler);
        List<Duration> waits = new CopyOnWriteArrayList<>();

        queue.enqueue(job("first"));
        queue.enqueue(job("second"));
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 2);
        await().pollInterval(Duration.ofMillis(10)).atMost(PATIENCE).until(() -> {
            Duration wait = queue.untilRateLimitAllows(name);
            waits.add(wait);
            return wait.isZero() || wait.isNegative();
        });

        assertThat(waits).allSatisfy(wait -> assertThat(wait).isBetween(Duration.ZERO, onePerFifthOfASecond.per()));
        await().during(QUIET).atMost(PATIENCE).until(() -> queue.untilRateLimitAllows(name).isZero());
    }

    @Test
    void a_rate_limited_queue_refuses_continuations_so_that_they_go_through_the_limit() {
        List<Boolean> taken = new CopyOnWriteArrayList<>();
        RecordingHandler handler = new RecordingHandler(job -> {
            if (job.jobId().equals("first")) {
                taken.add(queue.continueWith(job("second")));
            }
        });
        queue.limitRate(name, Optional.of(new RateLimit(1000, Duration.ofSeconds(1))));
        queue.registerWorker(name, 1, handler);

        queue.enqueue(job("first"));

        await().atMost(PATIENCE).until(() -> taken.size() == 1);
        assertThat(taken).containsExactly(false);
    }

    @Test
    void a_handler_that_cannot_prepare_claimed_jobs_still_runs_every_one() {
        queue.pause(name);
        for (int i = 0; i < 6; i++) {
            queue.enqueue(job("unprepared-" + i));
        }
        RecordingHandler recording = new RecordingHandler(job -> { });
        queue.registerWorker(name, 4, new JobHandler() {
            @Override
            public void prepare(List<JobExecution> claimed) {
                throw new IllegalStateException("the database behind the preparation is down");
            }

            @Override
            public void handle(JobExecution job) throws Exception {
                recording.handle(job);
            }

            @Override
            public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
                recording.onAttemptFailed(job, error, nextAttemptAt);
            }
        });
        queue.resume(name);

        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 6) && recording.completed.size() >= 6);
        assertThat(recording.completed).hasSize(6);
        assertThat(recording.failures).isEmpty();
    }

    // ---------------------------------------------------------------- retries

    @Test
    void a_failing_job_is_retried_after_its_backoff_and_each_failure_is_reported_with_the_next_attempt_time() {
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(3).backoff(BackoffType.EXPONENTIAL)
                .initialDelay(Duration.ofMillis(200)).maxDelay(Duration.ofMillis(300)).build();
        RecordingHandler handler = new RecordingHandler(job -> {
            if (job.attempt() < 3) {
                throw new IllegalStateException("boom " + job.attempt());
            }
        });
        queue.registerWorker(name, 1, handler);

        queue.enqueue(job("flaky").withRetry(retry));

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        assertThat(handler.started).extracting(Start::attempt).containsExactly(1, 2, 3);
        assertThat(handler.started).allSatisfy(start -> assertThat(start.execution().maxAttempts()).isEqualTo(3));
        assertThat(handler.started).as("a retry is a new attempt, not a redelivery")
                .allSatisfy(start -> assertThat(start.execution().redelivered()).isFalse());
        assertThat(handler.failures).extracting(Failure::attempt).containsExactly(1, 2);
        assertThat(handler.failures).allSatisfy(failure -> assertThat(failure.nextAttemptAt()).isPresent());
        assertThat(handler.failures).extracting(failure -> failure.error().getMessage())
                .containsExactly("boom 1", "boom 2");
        assertThat(handler.gapBefore(2)).as("backoff before attempt 2").isGreaterThanOrEqualTo(retry.delayBefore(2));
        assertThat(handler.gapBefore(3)).as("backoff before attempt 3").isGreaterThanOrEqualTo(retry.delayBefore(3));
        assertThat(handler.failures.get(0).nextAttemptAt().orElseThrow())
                .isAfterOrEqualTo(handler.failures.get(0).reportedAt().plus(retry.delayBefore(2)).minusMillis(50));
    }

    @Test
    void a_failing_job_with_a_list_of_delays_is_retried_after_each_delay_it_lists() {
        // Shorter second: a queue that kept only the backoff fields would wait the longest one twice.
        RetryPolicy retry = RetryPolicy.newBuilder().delays(Duration.ofMillis(400), Duration.ofMillis(20)).build();
        RecordingHandler handler = new RecordingHandler(job -> {
            if (job.attempt() < 3) {
                throw new IllegalStateException("boom " + job.attempt());
            }
        });
        queue.registerWorker(name, 1, handler);

        queue.enqueue(job("listed").withRetry(retry));

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        assertThat(handler.started).extracting(Start::attempt).containsExactly(1, 2, 3);
        assertThat(handler.gapBefore(2)).as("the first delay before attempt 2").isGreaterThanOrEqualTo(Duration.ofMillis(400));
        Failure second = handler.failures.get(1);
        assertThat(second.nextAttemptAt().orElseThrow()).as("the second delay before attempt 3, not the first again")
                .isBefore(second.reportedAt().plusMillis(200));
    }

    @Test
    void a_job_failing_its_last_attempt_is_failed_and_held_as_a_dead_letter() {
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(2).backoff(BackoffType.FIXED)
                .initialDelay(Duration.ofMillis(50)).build();
        RecordingHandler handler = new RecordingHandler(job -> {
            throw new IllegalArgumentException("always " + job.attempt());
        });
        queue.registerWorker(name, 1, handler);

        queue.enqueue(job("doomed").withRetry(retry));

        await().atMost(PATIENCE).until(() -> queueHas(JobState.FAILED, 1));
        assertThat(handler.failures).extracting(Failure::attempt).containsExactly(1, 2);
        assertThat(handler.failures.get(0).nextAttemptAt()).isPresent();
        assertThat(handler.failures.get(1).nextAttemptAt()).as("no next attempt after the last").isEmpty();
        assertThat(queue.counts(name)).isEqualTo(new JobCounts(0, 0, 0, 0, 1));
        assertThat(queue.jobs(name, JobState.FAILED, 0, 10)).extracting(JobRecord::jobId).containsExactly("doomed");
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.size() == 2);
    }

    @Test
    void a_failure_the_handler_finds_not_worth_a_retry_fails_the_job_at_once_as_a_dead_letter_a_retry_runs_again() {
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(3).backoff(BackoffType.FIXED)
                .initialDelay(Duration.ofMillis(200)).build();
        AtomicInteger runs = new AtomicInteger();
        RecordingHandler handler = new RecordingHandler(job -> {
            if (runs.incrementAndGet() == 1) {
                throw new IllegalArgumentException("invalid input");
            }
        }).retryingOnly(error -> !(error instanceof IllegalArgumentException));
        queue.registerWorker(name, 1, handler);

        queue.enqueue(job("invalid").withRetry(retry));

        await().atMost(PATIENCE).until(() -> queueHas(JobState.FAILED, 1));
        assertThat(handler.asked).as("the failures the queue asked about").singleElement()
                .satisfies(failure -> assertThat(failure.getMessage()).isEqualTo("invalid input"));
        assertThat(handler.failures).singleElement().satisfies(failure -> {
            assertThat(failure.attempt()).isEqualTo(1);
            assertThat(failure.nextAttemptAt()).as("no next attempt").isEmpty();
        });
        assertThat(queue.jobs(name, JobState.FAILED, 0, 10)).extracting(JobRecord::jobId).containsExactly("invalid");
        await().during(retry.delayBefore(2).plus(QUIET)).atMost(PATIENCE).until(() -> handler.started.size() == 1);

        assertThat(queue.retry(name, "invalid")).isTrue();

        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 1));
        assertThat(handler.started).extracting(Start::attempt).containsExactly(1, 1);
        assertThat(queue.counts(name).failed()).isZero();
    }

    @Test
    void a_failed_job_is_retried_after_the_delay_its_handler_chooses_from_the_declared_one() {
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(2).backoff(BackoffType.FIXED)
                .initialDelay(Duration.ofHours(1)).build();
        List<Duration> declared = new CopyOnWriteArrayList<>();
        RecordingHandler handler = new RecordingHandler(job -> {
            if (job.attempt() == 1) {
                throw new IllegalStateException("partner busy");
            }
        }).retryingAfter(delay -> {
            declared.add(delay);
            return Optional.of(Duration.ofMillis(50));
        });
        queue.registerWorker(name, 1, handler);

        queue.enqueue(job("decided").withRetry(retry));

        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 1));
        assertThat(handler.started).extracting(Start::attempt).containsExactly(1, 2);
        assertThat(declared).as("the policy's delay, which the handler was given").containsExactly(Duration.ofHours(1));
        assertThat(handler.failures).singleElement().satisfies(failure -> assertThat(failure.nextAttemptAt())
                .hasValueSatisfying(at -> assertThat(at).isBefore(failure.reportedAt().plusSeconds(60))));
    }

    @Test
    void a_failed_job_whose_handler_chooses_no_delay_fails_at_once_as_a_dead_letter() {
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(3).backoff(BackoffType.FIXED)
                .initialDelay(Duration.ofMillis(50)).build();
        RecordingHandler handler = new RecordingHandler(job -> {
            throw new IllegalStateException("account closed");
        }).retryingAfter(delay -> Optional.empty());
        queue.registerWorker(name, 1, handler);

        queue.enqueue(job("given-up").withRetry(retry));

        await().atMost(PATIENCE).until(() -> queueHas(JobState.FAILED, 1));
        assertThat(handler.failures).singleElement().satisfies(failure -> {
            assertThat(failure.attempt()).isEqualTo(1);
            assertThat(failure.nextAttemptAt()).as("no next attempt").isEmpty();
        });
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.size() == 1);
    }

    @Test
    void a_failure_the_handler_finds_worth_a_retry_is_retried_as_before() {
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(2).backoff(BackoffType.FIXED)
                .initialDelay(Duration.ofMillis(50)).build();
        RecordingHandler handler = new RecordingHandler(job -> {
            if (job.attempt() == 1) {
                throw new IllegalStateException("partner away");
            }
        }).retryingOnly(error -> !(error instanceof IllegalArgumentException));
        queue.registerWorker(name, 1, handler);

        queue.enqueue(job("flaky").withRetry(retry));

        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 1));
        assertThat(handler.started).extracting(Start::attempt).containsExactly(1, 2);
        assertThat(handler.failures).singleElement().satisfies(failure -> assertThat(failure.nextAttemptAt()).isPresent());
    }

    @Test
    void a_continuation_failing_not_worth_a_retry_is_held_as_a_dead_letter() {
        Assumptions.assumeTrue(continuesInWorkerSlots(), "the adapter takes no continuations");
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(3).backoff(BackoffType.FIXED)
                .initialDelay(Duration.ofMillis(50)).build();
        RecordingHandler handler = new RecordingHandler(job -> {
            if (job.jobId().equals("first")) {
                assertThat(queue.continueWith(job("invalid").withRetry(retry))).isTrue();
            } else {
                throw new IllegalArgumentException("invalid input");
            }
        }).retryingOnly(error -> !(error instanceof IllegalArgumentException));
        queue.registerWorker(name, 1, handler);

        queue.enqueue(job("first"));

        await().atMost(PATIENCE).until(() -> queueHas(JobState.FAILED, 1));
        assertThat(handler.failures).singleElement().satisfies(failure -> assertThat(failure.nextAttemptAt()).isEmpty());
        assertThat(queue.jobs(name, JobState.FAILED, 0, 10)).extracting(JobRecord::jobId).containsExactly("invalid");
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.size() == 2);
    }

    @Test
    void an_attempt_exceeding_its_timeout_fails_with_a_TimeoutException() {
        CountDownLatch never = latches.newLatch();
        RecordingHandler handler = new RecordingHandler(job -> never.await());
        queue.registerWorker(name, 1, handler);

        queue.enqueue(job("slow").withTimeout(Duration.ofMillis(300)));

        await().atMost(PATIENCE).until(() -> queueHas(JobState.FAILED, 1));
        assertThat(handler.failures).singleElement().satisfies(failure -> {
            assertThat(failure.error()).isInstanceOf(TimeoutException.class);
            assertThat(failure.nextAttemptAt()).isEmpty();
        });
        assertThat(queue.job(name, "slow")).get().satisfies(record -> {
            assertThat(record.attempts()).singleElement().satisfies(attempt -> assertThat(attempt.error()).isPresent());
            assertThat(record.lastError()).get().asString().contains("TimeoutException");
        });
    }

    // ---------------------------------------------------------------- continuations

    /**
     * Whether the adapter runs continuations ({@link JobQueue#continueWith}); an adapter that
     * takes none only has to refuse them.
     *
     * @return {@code true} by default; {@code false} to check only that continuations are refused
     */
    protected boolean continuesInWorkerSlots() {
        return true;
    }

    @Test
    void a_job_offered_by_a_running_handler_runs_next_in_its_slot_and_is_held_as_completed_once_it_ended() {
        List<Boolean> taken = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        RecordingHandler handler = new RecordingHandler(job -> {
            threads.add(Thread.currentThread().getName());
            if (job.jobId().equals("first")) {
                taken.add(queue.continueWith(job("second")));
            }
        });
        queue.registerWorker(name, 2, handler);

        queue.enqueue(job("first"));

        if (!continuesInWorkerSlots()) {
            await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
            assertThat(taken).containsExactly(false);
            return;
        }
        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 2));
        assertThat(taken).containsExactly(true);
        assertThat(handler.completed).extracting(JobExecution::jobId).containsExactly("first", "second");
        assertThat(threads).as("the worker thread of the first job").hasSize(2).containsOnly(threads.get(0));
        assertThat(handler.started.get(1).execution().attempt()).isEqualTo(1);
        assertThat(handler.started.get(1).execution().redelivered()).isFalse();
        assertThat(queue.job(name, "second")).get().satisfies(record -> {
            assertThat(record.state()).isEqualTo(JobState.COMPLETED);
            assertThat(record.attempts()).singleElement().satisfies(attempt -> {
                assertThat(attempt.attempt()).isEqualTo(1);
                assertThat(attempt.endedAt()).isPresent();
            });
        });
        assertThat(queue.counts(name)).isEqualTo(new JobCounts(0, 0, 0, 2, 0));
    }

    @Test
    void a_continuation_is_refused_outside_a_worker_when_delayed_of_lower_priority_or_a_second_one() {
        List<Boolean> taken = new CopyOnWriteArrayList<>();
        RecordingHandler handler = new RecordingHandler(job -> {
            if (job.jobId().equals("first")) {
                taken.add(queue.continueWith(job("delayed").withDelay(Duration.ofSeconds(1))));
                taken.add(queue.continueWith(job("lower").withPriority(-1)));
                taken.add(queue.continueWith(JobRequest.of(name + "-other", "elsewhere", "other", "{}")));
                taken.add(queue.continueWith(job("second")));
                taken.add(queue.continueWith(job("third")));
            }
        });
        queue.registerWorker(name, 1, handler);

        assertThat(queue.continueWith(job("outside"))).as("offered by no worker").isFalse();
        queue.enqueue(job("first"));

        await().atMost(PATIENCE).until(() -> taken.size() == 5);
        assertThat(taken).containsExactly(false, false, false, continuesInWorkerSlots(), false);
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.completed.size() == (continuesInWorkerSlots() ? 2 : 1));
        assertThat(queue.job(name, "outside")).isEmpty();
    }

    @Test
    void a_failing_continuation_is_held_with_its_first_attempt_and_retried_after_its_backoff() {
        Assumptions.assumeTrue(continuesInWorkerSlots(), "the adapter takes no continuations");
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(2).backoff(BackoffType.FIXED)
                .initialDelay(Duration.ofMillis(200)).build();
        RecordingHandler handler = new RecordingHandler(job -> {
            if (job.jobId().equals("first")) {
                assertThat(queue.continueWith(job("flaky").withRetry(retry))).isTrue();
            } else if (job.attempt() == 1) {
                throw new IllegalStateException("boom in continuation");
            }
        });
        queue.registerWorker(name, 1, handler);

        queue.enqueue(job("first"));

        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 2));
        assertThat(handler.failures).singleElement().satisfies(failure -> {
            assertThat(failure.attempt()).isEqualTo(1);
            assertThat(failure.execution().jobId()).isEqualTo("flaky");
            assertThat(failure.nextAttemptAt()).isPresent();
        });
        assertThat(handler.started).extracting(start -> start.execution().jobId() + "#" + start.attempt())
                .containsExactly("first#1", "flaky#1", "flaky#2");
        assertThat(handler.gapBefore(2)).as("backoff before attempt 2").isGreaterThanOrEqualTo(retry.delayBefore(2));
        assertThat(queue.job(name, "flaky")).get().satisfies(record -> {
            assertThat(record.attempts()).extracting(JobAttempt::attempt).containsExactly(1, 2);
            assertThat(record.attempts().get(0).error()).get().asString().contains("boom in continuation");
        });
    }

    @Test
    void a_continuation_failing_its_only_attempt_is_held_as_a_dead_letter() {
        Assumptions.assumeTrue(continuesInWorkerSlots(), "the adapter takes no continuations");
        RecordingHandler handler = new RecordingHandler(job -> {
            if (job.jobId().equals("first")) {
                assertThat(queue.continueWith(job("doomed"))).isTrue();
            } else {
                throw new IllegalArgumentException("always");
            }
        });
        queue.registerWorker(name, 1, handler);

        queue.enqueue(job("first"));

        await().atMost(PATIENCE).until(() -> queueHas(JobState.FAILED, 1));
        assertThat(handler.failures).singleElement().satisfies(failure -> assertThat(failure.nextAttemptAt()).isEmpty());
        assertThat(queue.jobs(name, JobState.FAILED, 0, 10)).extracting(JobRecord::jobId).containsExactly("doomed");
        assertThat(queue.counts(name)).isEqualTo(new JobCounts(0, 0, 0, 1, 1));
    }

    // ---------------------------------------------------------------- inspection

    @Test
    void counts_tell_how_many_jobs_are_in_each_state() {
        CountDownLatch release = latches.newLatch();
        queue.pause(name);
        queue.enqueue(job("hold"));
        queue.enqueue(job("ok"));
        queue.enqueue(job("fail"));
        queue.enqueue(job("later").withDelay(Duration.ofHours(1)));

        assertThat(queue.counts(name)).isEqualTo(new JobCounts(3, 1, 0, 0, 0));

        queue.registerWorker(name, 3, new RecordingHandler(job -> {
            switch (job.jobId()) {
                case "hold" -> release.await();
                case "fail" -> throw new IllegalStateException("fails on purpose");
                default -> { }
            }
        }));
        queue.resume(name);

        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(queue.counts(name)).isEqualTo(new JobCounts(0, 1, 1, 1, 1)));
        assertThat(queue.job(name, "hold")).get().extracting(JobRecord::state).isEqualTo(JobState.ACTIVE);
        assertThat(queue.queues()).contains(name);

        release.countDown();

        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(queue.counts(name)).isEqualTo(new JobCounts(0, 1, 0, 2, 1)));
    }

    @Test
    void job_records_keep_every_attempt_with_its_error() {
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(3).backoff(BackoffType.FIXED)
                .initialDelay(Duration.ofMillis(50)).build();
        RecordingHandler handler = new RecordingHandler(job -> {
            if (job.attempt() == 1) {
                throw new IllegalStateException("first try fails");
            }
        });
        queue.registerWorker(name, 1, handler);
        Instant before = Instant.now();

        queue.enqueue(job("recorded", "{\"k\":\"v\"}").withRetry(retry));

        // The record, not the counts: a queue may count a completion its handler returned before the record
        // says so (PostgreSQL's counts include completions still in the group being written).
        await().atMost(PATIENCE).until(() -> queue.job(name, "recorded").map(JobRecord::state)
                .filter(JobState.COMPLETED::equals).isPresent());
        JobRecord record = queue.job(name, "recorded").orElseThrow();
        assertThat(record.queue()).isEqualTo(name);
        assertThat(record.name()).isEqualTo("recorded-step");
        assertThat(record.payload()).isEqualTo("{\"k\":\"v\"}");
        assertThat(record.state()).isEqualTo(JobState.COMPLETED);
        assertThat(record.maxAttempts()).isEqualTo(3);
        assertThat(record.createdAt()).isBetween(before.minusSeconds(1), Instant.now());
        assertThat(record.attempts()).extracting(a -> a.attempt()).containsExactly(1, 2);
        assertThat(record.attempts().get(0).error()).get().asString().contains("first try fails");
        assertThat(record.attempts().get(1).error()).isEmpty();
        assertThat(record.attempts()).allSatisfy(a -> assertThat(a.endedAt()).get().matches(end -> !end.isBefore(a.startedAt())));
        assertThat(record.lastError()).get().asString().contains("first try fails");
        assertThat(queue.job(name, "unknown")).isEmpty();
    }

    @Test
    void jobs_in_a_state_are_listed_newest_first_a_page_at_a_time() {
        queue.pause(name);
        queue.enqueue(job("a"));
        queue.enqueue(job("b"));
        queue.enqueue(job("c"));

        assertThat(queue.jobs(name, JobState.WAITING, 0, 10)).extracting(JobRecord::jobId).containsExactly("c", "b", "a");
        assertThat(queue.jobs(name, JobState.WAITING, 1, 1)).extracting(JobRecord::jobId).containsExactly("b");
        assertThat(queue.jobs(name, JobState.COMPLETED, 0, 10)).isEmpty();
        assertThat(queue.jobs(name, JobState.WAITING, 3, 10)).as("past the last page").isEmpty();
    }

    @Test
    void jobs_paged_by_position_are_listed_newest_first_none_skipped_or_repeated_while_new_jobs_arrive() {
        queue.pause(name);
        for (int i = 1; i <= 7; i++) {
            queue.enqueue(job("old-" + i));
        }

        JobPage first = queue.jobsAfter(name, JobState.WAITING, Optional.empty(), 3);
        queue.enqueue(job("new-1"));
        queue.enqueue(job("new-2"));
        JobPage second = queue.jobsAfter(name, JobState.WAITING, first.next(), 3);
        queue.enqueue(job("new-3"));
        JobPage third = queue.jobsAfter(name, JobState.WAITING, second.next(), 3);

        assertThat(first.jobs()).extracting(JobRecord::jobId).containsExactly("old-7", "old-6", "old-5");
        assertThat(second.jobs()).extracting(JobRecord::jobId).containsExactly("old-4", "old-3", "old-2");
        assertThat(third.jobs()).extracting(JobRecord::jobId).as("the last page").containsExactly("old-1");
        assertThat(first.next()).as("a full page goes on").isPresent();
        assertThat(third.next()).as("a page that is not full is the last").isEmpty();
        assertThat(queue.jobsAfter(name, JobState.WAITING, Optional.empty(), 20).jobs()).extracting(JobRecord::jobId)
                .as("the first page, read again, shows the new jobs first").startsWith("new-3", "new-2", "new-1", "old-7");
        assertThat(queue.jobsAfter(name, JobState.COMPLETED, Optional.empty(), 3).jobs()).isEmpty();
    }

    @Test
    void a_full_last_page_goes_on_to_an_empty_one_and_a_position_the_adapter_never_gave_is_refused_with_an_id() {
        queue.pause(name);
        queue.enqueue(job("a"));
        queue.enqueue(job("b"));

        JobPage full = queue.jobsAfter(name, JobState.WAITING, Optional.empty(), 2);
        JobPage after = queue.jobsAfter(name, JobState.WAITING, full.next(), 2);

        assertThat(full.jobs()).extracting(JobRecord::jobId).containsExactly("b", "a");
        assertThat(after.jobs()).isEmpty();
        assertThat(after.next()).isEmpty();
        assertThatThrownBy(() -> queue.jobsAfter(name, JobState.WAITING, Optional.of("not a position"), 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NVENT-")
                .hasMessageContaining("not a position");
    }

    // ---------------------------------------------------------------- close

    @Test
    void closing_stops_the_workers_so_a_job_falling_due_afterwards_does_not_start() {
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 1, handler);
        queue.enqueue(job("before"));
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        queue.enqueue(job("after-close").withDelay(QUIET));

        queue.close();

        await().during(QUIET.multipliedBy(2)).atMost(PATIENCE).until(() -> handler.started.size() == 1);
    }

    @Test
    void close_twice_is_harmless() {
        RecordingHandler handler = new RecordingHandler(job -> { });
        queue.registerWorker(name, 2, handler);
        queue.enqueue(job("runs"));
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);

        queue.close();
        queue.close();
        // and once more after the test, as for every test
    }

    // ---------------------------------------------------------------- dead letters

    @Test
    void retry_runs_a_failed_job_again_with_a_fresh_set_of_attempts() {
        AtomicInteger runs = new AtomicInteger();
        RecordingHandler handler = new RecordingHandler(job -> {
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("fails the first time");
            }
        });
        queue.registerWorker(name, 1, handler);
        queue.enqueue(job("again").withRetry(RetryPolicy.NO_RETRY));
        await().atMost(PATIENCE).until(() -> queueHas(JobState.FAILED, 1));

        assertThat(queue.retry(name, "again")).isTrue();

        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 1));
        assertThat(handler.started).extracting(Start::attempt).containsExactly(1, 1);
        assertThat(queue.counts(name).failed()).isZero();
        assertThat(queue.retry(name, "again")).as("a completed job is not retried").isFalse();
        assertThat(queue.retry(name, "unknown")).as("an unknown job is not retried").isFalse();
    }

    @Test
    void a_retried_job_that_fails_again_is_failed_with_its_new_error_and_can_be_retried_again() {
        AtomicInteger runs = new AtomicInteger();
        AtomicBoolean partnerDown = new AtomicBoolean(true);
        RecordingHandler handler = new RecordingHandler(job -> {
            int run = runs.incrementAndGet();
            if (partnerDown.get()) {
                throw new IllegalStateException("partner down (try " + run + ")");
            }
        });
        queue.registerWorker(name, 1, handler);
        queue.enqueue(job("again").withRetry(RetryPolicy.NO_RETRY));
        await().atMost(PATIENCE).until(() -> queueHas(JobState.FAILED, 1));

        assertThat(queue.retry(name, "again")).isTrue();

        await().atMost(PATIENCE).until(() -> runs.get() == 2 && queueHas(JobState.FAILED, 1));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(queue.job(name, "again")).hasValueSatisfying(job -> {
            assertThat(job.state()).isEqualTo(JobState.FAILED);
            assertThat(job.lastError()).hasValueSatisfying(error -> assertThat(error).contains("(try 2)"));
        }));
        partnerDown.set(false);
        assertThat(queue.retry(name, "again")).as("failed again, it can be retried again").isTrue();
        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 1));
        assertThat(queue.counts(name).failed()).isZero();
    }

    @Test
    void redrive_retries_every_failed_job_of_the_queue() {
        AtomicInteger failuresLeft = new AtomicInteger(3);
        RecordingHandler handler = new RecordingHandler(job -> {
            if (failuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("not yet");
            }
        });
        queue.registerWorker(name, 1, handler);
        for (String id : List.of("x", "y", "z")) {
            queue.enqueue(job(id));
        }
        await().atMost(PATIENCE).until(() -> queueHas(JobState.FAILED, 3));

        assertThat(queue.redrive(name)).isEqualTo(3);

        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 3));
        assertThat(queue.counts(name).failed()).isZero();
        assertThat(queue.redrive(name)).isZero();
    }

    @Test
    void discard_removes_a_failed_job_for_good() {
        RecordingHandler handler = new RecordingHandler(job -> {
            throw new IllegalStateException("always fails");
        });
        queue.registerWorker(name, 1, handler);
        queue.enqueue(job("dealt-with").withRetry(RetryPolicy.NO_RETRY));
        queue.enqueue(job("kept").withRetry(RetryPolicy.NO_RETRY));
        await().atMost(PATIENCE).until(() -> queueHas(JobState.FAILED, 2));

        assertThat(queue.discard(name, "dealt-with")).isTrue();

        assertThat(queue.job(name, "dealt-with")).isEmpty();
        assertThat(queue.counts(name).failed()).isEqualTo(1);
        assertThat(queue.jobs(name, JobState.FAILED, 0, 10)).extracting(JobRecord::jobId).containsExactly("kept");
        assertThat(queue.discard(name, "dealt-with")).as("a job is discarded once").isFalse();
        assertThat(queue.discard(name, "unknown")).as("an unknown job is not discarded").isFalse();
        assertThat(queue.redrive(name)).as("a redrive leaves the discarded job out").isEqualTo(1);
        await().atMost(PATIENCE).until(() -> handler.started.size() == 3);
        assertThat(handler.started).extracting(start -> start.execution().jobId()).containsExactlyInAnyOrder("dealt-with", "kept", "kept");
    }

    @Test
    void discard_leaves_a_job_that_has_not_failed() {
        queue.pause(name);
        queue.registerWorker(name, 1, new RecordingHandler(job -> { }));
        queue.enqueue(job("waiting"));
        await().atMost(PATIENCE).until(() -> queueHas(JobState.WAITING, 1));

        assertThat(queue.discard(name, "waiting")).isFalse();
        assertThat(queue.retry(name, "waiting")).as("only a failed job is retried").isFalse();

        assertThat(queue.job(name, "waiting")).map(JobRecord::state).contains(JobState.WAITING);
        queue.resume(name);
        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 1));
    }

    @Test
    void discard_and_retry_leave_a_running_job() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        RecordingHandler handler = new RecordingHandler(job -> release.await());
        queue.registerWorker(name, 1, handler);
        queue.enqueue(job("running"));
        await().atMost(PATIENCE).until(() -> queueHas(JobState.ACTIVE, 1));

        assertThat(queue.discard(name, "running")).as("a running job is not discarded").isFalse();
        assertThat(queue.retry(name, "running")).as("a running job is not retried").isFalse();

        release.countDown();
        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, 1));
        assertThat(handler.started).as("it ran once").hasSize(1);
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Whether a queue that {@link #createQueue()} makes after another one was closed holds the jobs
     * the closed one held, as one on the same broker or database does.
     *
     * @return {@code true} by default; {@code false} for an adapter that keeps its jobs in memory,
     *     whose closed queue must then hold the job as waiting
     */
    protected boolean keepsJobsAcrossRestarts() {
        return true;
    }

    @Test
    void an_attempt_the_close_cuts_short_counts_as_no_attempt_and_runs_again_as_the_same_one_after_a_restart() {
        CountDownLatch blocked = latches.newLatch();
        RecordingHandler closing = new RecordingHandler(job -> {
            try {
                blocked.await();
            } catch (InterruptedException e) {
                // As a step whose blocking call fails with its own exception when interrupted.
                throw new IllegalStateException("the call the step waited in was interrupted", e);
            }
        });
        queue.registerWorker(name, 1, closing);
        // Its only attempt: counted as failed, it would be a dead letter.
        queue.enqueue(job("cut-short"));
        await().atMost(PATIENCE).until(() -> closing.started.size() == 1);

        queue.close();

        if (!keepsJobsAcrossRestarts()) {
            await().atMost(PATIENCE).until(() -> queue.job(name, "cut-short").orElseThrow().state() != JobState.ACTIVE);
            assertThat(queue.job(name, "cut-short")).map(JobRecord::state).contains(JobState.WAITING);
            assertThat(closing.failures).as("failures reported to the handler").isEmpty();
            return;
        }
        queue = createQueue();
        RecordingHandler restarted = new RecordingHandler(job -> { });
        queue.registerWorker(name, 1, restarted);
        await().atMost(PATIENCE).until(() -> restarted.completed.size() == 1);
        assertThat(restarted.started).singleElement().satisfies(start -> {
            assertThat(start.attempt()).as("the same attempt").isEqualTo(1);
            assertThat(start.execution().redelivered()).as("handed out again").isTrue();
        });
        assertThat(closing.failures).as("failures reported to the handler").isEmpty();
        assertThat(queue.counts(name).failed()).as("dead letters").isZero();
    }

    /**
     * What the engine relies on to hand back a step that went on in its worker when a stop cuts it short: the
     * queue keeps nothing of the continuation ({@link JobQueue#continueWith}), and takes the job its handler,
     * interrupted, enqueues in its place before it returns, which then runs after a restart.
     */
    @Test
    void a_continuation_the_close_cuts_short_leaves_nothing_and_the_job_its_handler_enqueues_in_its_place_runs_after_a_restart() {
        if (!continuesInWorkerSlots()) {
            return;
        }
        CountDownLatch blocked = latches.newLatch();
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        RecordingHandler closing = new RecordingHandler(job -> {
            if (job.jobId().equals("first")) {
                assertThat(queue.continueWith(job("continued"))).isTrue();
                return;
            }
            try {
                blocked.await();
            } catch (InterruptedException e) {
                try {
                    queue.enqueue(job("in-its-place"));
                } catch (RuntimeException notTaken) {
                    refused.add(notTaken);
                }
                throw new IllegalStateException("the call the continued job waited in was interrupted", e);
            }
        });
        queue.registerWorker(name, 1, closing);
        queue.enqueue(job("first"));
        await().atMost(PATIENCE).until(() -> closing.started.size() == 2);

        queue.close();
        await().atMost(PATIENCE).until(() -> closing.running.get() == 0);

        assertThat(refused).as("enqueues refused while the handler was cut short").isEmpty();
        assertThat(closing.failures).as("failures reported to the handler").isEmpty();
        if (!keepsJobsAcrossRestarts()) {
            await().atMost(PATIENCE).until(() -> queue.job(name, "continued").isEmpty());
            assertThat(queue.job(name, "in-its-place")).map(JobRecord::state).contains(JobState.WAITING);
            return;
        }
        queue = createQueue();
        RecordingHandler restarted = new RecordingHandler(job -> { });
        queue.registerWorker(name, 1, restarted);
        await().atMost(PATIENCE).until(() -> restarted.completed.stream()
                .anyMatch(job -> job.jobId().equals("in-its-place")));
        // The first job may come again where its end was rolled back with the continuation's (JMS); never the latter.
        assertThat(restarted.started).extracting(start -> start.execution().jobId()).doesNotContain("continued");
    }

    /**
     * Only the attempt a worker runs as a continuation leaves nothing when the close cuts it short: a continuation
     * that failed is a job of the queue like any other, and the close cutting its retry short keeps it, to run after
     * a restart (the engine queues no job in its place then).
     */
    @Test
    void the_retry_of_a_failed_continuation_the_close_cuts_short_is_kept_and_runs_after_a_restart() {
        Assumptions.assumeTrue(continuesInWorkerSlots(), "the adapter takes no continuations");
        RetryPolicy retry = RetryPolicy.newBuilder().maxAttempts(3).backoff(BackoffType.FIXED)
                .initialDelay(Duration.ofMillis(20)).build();
        CountDownLatch blocked = latches.newLatch();
        RecordingHandler closing = new RecordingHandler(job -> {
            if (job.jobId().equals("first")) {
                assertThat(queue.continueWith(job("continued").withRetry(retry))).isTrue();
                return;
            }
            if (job.attempt() == 1) {
                throw new IllegalStateException("the continued job failed on its own");
            }
            blocked.await();
        });
        queue.registerWorker(name, 1, closing);
        queue.enqueue(job("first"));
        await().atMost(PATIENCE).until(() -> closing.started.size() == 3);

        queue.close();
        await().atMost(PATIENCE).until(() -> closing.running.get() == 0);

        if (!keepsJobsAcrossRestarts()) {
            await().atMost(PATIENCE).until(() -> queue.job(name, "continued").map(JobRecord::state)
                    .filter(JobState.WAITING::equals).isPresent());
            return;
        }
        queue = createQueue();
        RecordingHandler restarted = new RecordingHandler(job -> { });
        queue.registerWorker(name, 1, restarted);
        await().atMost(PATIENCE).until(() -> restarted.completed.stream()
                .anyMatch(job -> job.jobId().equals("continued")));
    }

    /**
     * What the engine relies on to tell a step continued in its worker from one the queue sent through itself after
     * all ({@link JobHandler#notContinued}): a continuation taken while the queue runs, but paused before the offering
     * attempt ended, goes into the queue, and the handler hears so on the offering thread before that job runs, once;
     * a continuation that does run in the slot is not reported. An adapter that does not report it leaves the engine
     * taking the job's attempt for a continuation: a stop then queues a recovery job beside the job the queue keeps.
     */
    @Test
    void a_continuation_the_queue_sends_through_itself_after_all_is_reported_to_its_handler_before_it_runs_and_a_continued_one_is_not()
            throws InterruptedException {
        Assumptions.assumeTrue(continuesInWorkerSlots(), "the adapter takes no continuations");
        CountDownLatch offered = latches.newLatch();
        CountDownLatch paused = latches.newLatch();
        List<String> seen = new CopyOnWriteArrayList<>();
        RecordingHandler handler = new RecordingHandler(job -> {
            seen.add("runs " + job.jobId() + " on " + Thread.currentThread().getName());
            if (job.jobId().equals("first")) {
                assertThat(queue.continueWith(job("second"))).isTrue();
                offered.countDown();
                paused.await();
            } else if (job.jobId().equals("third")) {
                assertThat(queue.continueWith(job("fourth"))).isTrue();
            }
        }).hearingNotContinued(job -> seen.add("not continued " + job.jobId() + " on "
                + Thread.currentThread().getName()));
        queue.registerWorker(name, 1, handler);
        queue.enqueue(job("first"));
        assertThat(offered.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("first offered second").isTrue();

        queue.pause(name);
        paused.countDown();

        await().atMost(PATIENCE).until(() -> seen.stream().anyMatch(line -> line.startsWith("not continued second")));
        String offeringThread = seen.get(0).substring(seen.get(0).indexOf(" on ") + 4);
        assertThat(seen).as("heard on the thread that offered it, and second not run while the queue is paused")
                .containsExactly("runs first on " + offeringThread, "not continued second on " + offeringThread);
        queue.resume(name);
        await().atMost(PATIENCE).until(() -> handler.completed.stream().anyMatch(job -> job.jobId().equals("second")));
        queue.enqueue(job("third"));
        await().atMost(PATIENCE).until(() -> handler.completed.stream().anyMatch(job -> job.jobId().equals("fourth")));

        assertThat(handler.started).extracting(start -> start.execution().jobId())
                .containsExactly("first", "second", "third", "fourth");
        assertThat(seen).filteredOn(line -> line.startsWith("not continued")).as("fourth ran in third's slot")
                .singleElement().asString().startsWith("not continued second");
    }

    // ---------------------------------------------------------------- helpers

    /**
     * No more attempts started, as the queue granted them ({@link JobAttempt#startedAt}), in any span of the
     * limit than it allows; each attempt the handler saw start is among them.
     */
    private void assertStartsKeep(RateLimit limit, RecordingHandler handler) {
        int attempts = handler.started.size();
        await().atMost(PATIENCE).until(() -> queueHas(JobState.COMPLETED, attempts));
        List<Instant> starts = queue.jobs(name, JobState.COMPLETED, 0, attempts + 1).stream()
                .flatMap(job -> job.attempts().stream()).map(JobAttempt::startedAt).sorted().toList();
        assertThat(starts).as("attempts the queue recorded").hasSize(attempts);
        int max = limit.max();
        for (int i = max; i < starts.size(); i++) {
            assertThat(Duration.between(starts.get(i - max), starts.get(i))).as("from start %d to start %d", i - max, i)
                    .isGreaterThanOrEqualTo(limit.per().multipliedBy(100 - START_SLACK_PERCENT).dividedBy(100));
        }
    }

    /**
     * A job of the queue under test: no delay, priority 0, no retry, a 10 s timeout, payload {@code {}}.
     *
     * @param id job id
     * @return the job
     */
    protected JobRequest job(String id) {
        return job(id, "{}");
    }

    /**
     * A job of the queue under test with a payload.
     *
     * @param id job id
     * @param payload JSON payload
     * @return the job, otherwise as {@link #job(String)} makes it
     */
    protected JobRequest job(String id, String payload) {
        return JobRequest.of(name, id, id + "-step", payload).withTimeout(Duration.ofSeconds(10));
    }

    private boolean queueHas(JobState state, long count) {
        return queue.counts(name).of(state) == count;
    }


    /** An attempt as the handler saw it start. */
    protected record Start(JobExecution execution, long nanoTime) {
        int attempt() {
            return execution.attempt();
        }
    }

    /** A failed attempt as reported to the handler. */
    protected record Failure(JobExecution execution, Throwable error, Optional<Instant> nextAttemptAt,
                             Instant reportedAt) {
        int attempt() {
            return execution.attempt();
        }
    }

    /** Runs a behaviour and records starts, completions, failures and the most attempts at once. */
    protected static final class RecordingHandler implements JobHandler {
        final List<Start> started = new CopyOnWriteArrayList<>();
        final List<JobExecution> completed = new CopyOnWriteArrayList<>();
        final List<Failure> failures = new CopyOnWriteArrayList<>();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        /** The failures the queue asked {@link #isRetryable} about. */
        final List<Throwable> asked = new CopyOnWriteArrayList<>();
        private final JobBehaviour behaviour;
        private volatile Predicate<Throwable> retryable = error -> true;
        /** The delay the handler chooses from the declared one; empty to ask {@link #isRetryable} as by default. */
        private volatile Optional<Function<Duration, Optional<Duration>>> delays = Optional.empty();
        /** Told of the jobs offered to continue with that the queue sends instead ({@link JobHandler#notContinued}). */
        private volatile java.util.function.Consumer<JobRequest> notContinued = job -> { };

        RecordingHandler(JobBehaviour behaviour) {
            this.behaviour = behaviour;
        }

        /** This handler, saying that only failures matching {@code worthARetry} are worth a retry. */
        RecordingHandler retryingOnly(Predicate<Throwable> worthARetry) {
            this.retryable = worthARetry;
            return this;
        }

        /** This handler, choosing each retry's delay from the declared one (empty: no retry). */
        RecordingHandler retryingAfter(Function<Duration, Optional<Duration>> chooser) {
            this.delays = Optional.of(chooser);
            return this;
        }

        @Override
        public boolean isRetryable(JobExecution job, Throwable error) {
            asked.add(error);
            return retryable.test(error);
        }

        @Override
        public Optional<Duration> retryDelay(JobExecution job, Throwable error, Duration declaredDelay) {
            return delays.isPresent() ? delays.get().apply(declaredDelay)
                    : JobHandler.super.retryDelay(job, error, declaredDelay);
        }

        @Override
        public void handle(JobExecution job) throws Exception {
            started.add(new Start(job, System.nanoTime()));
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                behaviour.run(job);
                completed.add(job);
            } finally {
                running.decrementAndGet();
            }
        }

        @Override
        public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
            failures.add(new Failure(job, error, nextAttemptAt, Instant.now()));
        }

        /** This handler, telling {@code listener} of each job offered to continue with that the queue sends instead. */
        RecordingHandler hearingNotContinued(java.util.function.Consumer<JobRequest> listener) {
            this.notContinued = listener;
            return this;
        }

        @Override
        public void notContinued(JobRequest job) {
            notContinued.accept(job);
        }

        /** Time between the start of the attempt before {@code attempt} and its own start. */
        Duration gapBefore(int attempt) {
            Predicate<Start> isAttempt = s -> s.attempt() == attempt;
            Predicate<Start> isPrevious = s -> s.attempt() == attempt - 1;
            long start = started.stream().filter(isAttempt).findFirst().orElseThrow().nanoTime();
            long previous = started.stream().filter(isPrevious).findFirst().orElseThrow().nanoTime();
            return Duration.ofNanos(start - previous);
        }
    }
}
