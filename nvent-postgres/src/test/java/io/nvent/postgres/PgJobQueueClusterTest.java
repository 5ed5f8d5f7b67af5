package io.nvent.postgres;

import io.nvent.testkit.HandlerLatches;
import io.nvent.testkit.JobBehaviour;
import io.nvent.testkit.TestThreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Several queue instances on one database, as several servers of a cluster would be. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PgJobQueueClusterTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private static TestDatabase database;
    private static DataSource dataSource;

    private final List<PgJobQueue> instances = new ArrayList<>();
    private final HandlerLatches latches = new HandlerLatches();
    private String queue;

    @BeforeAll
    static void startDatabase() {
        database = TestDatabase.start();
        dataSource = database.pool(40);
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        database.close();
    }

    @BeforeEach
    void nameQueue() {
        queue = "cluster-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void closeInstances() {
        latches.releaseAll();
        instances.forEach(PgJobQueue::close);
    }

    @Test
    void two_instances_on_one_database_run_every_one_of_2000_jobs_exactly_once() throws Exception {
        PgJobQueue a = instance(dataSource, options());
        PgJobQueue b = instance(dataSource, options());
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        AtomicInteger ranOnA = new AtomicInteger();
        AtomicInteger ranOnB = new AtomicInteger();
        a.registerWorker(queue, 8, handler(job -> {
            runs.computeIfAbsent(job.jobId(), id -> new AtomicInteger()).incrementAndGet();
            ranOnA.incrementAndGet();
        }));
        b.registerWorker(queue, 8, handler(job -> {
            runs.computeIfAbsent(job.jobId(), id -> new AtomicInteger()).incrementAndGet();
            ranOnB.incrementAndGet();
        }));

        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            PgJobQueue via = p % 2 == 0 ? a : b;
            int first = p;
            Thread producer = new Thread(() -> {
                for (int i = first; i < 2000; i += 4) {
                    via.enqueue(JobRequest.of(queue, "job-" + i, "work", "{\"i\":" + i + "}"));
                }
            });
            producer.start();
            producers.add(producer);
        }
        for (Thread producer : producers) {
            producer.join();
        }

        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(a.counts(queue)).isEqualTo(new JobCounts(0, 0, 0, 2000, 0)));
        assertThat(runs).hasSize(2000);
        assertThat(runs.values()).allSatisfy(count -> assertThat(count.get()).as("runs of one job").isEqualTo(1));
        assertThat(ranOnA.get()).as("jobs run by instance A").isPositive();
        assertThat(ranOnB.get()).as("jobs run by instance B").isPositive();
    }

    @Test
    void a_job_whose_instance_stopped_renewing_its_lease_runs_again_on_another_instance_once_the_lease_expired()
            throws SQLException {
        PgQueueOptions shortLeases = options().toBuilder().leaseDuration(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(200)).shutdownGrace(Duration.ofMillis(100)).build();
        CuttableDataSource crashing = new CuttableDataSource(dataSource);
        PgJobQueue a = instance(crashing, shortLeases);
        PgJobQueue b = instance(dataSource, shortLeases);
        List<String> ranOn = new CopyOnWriteArrayList<>();
        List<Boolean> redelivered = new CopyOnWriteArrayList<>();
        CountDownLatch hang = latches.newLatch();
        a.registerWorker(queue, 1, handler(job -> {
            ranOn.add("a");
            redelivered.add(job.redelivered());
            hang.await();
        }));
        a.enqueue(JobRequest.of(queue, "survivor", "work", "{}").withTimeout(Duration.ofMinutes(5)));
        await().atMost(PATIENCE).until(() -> ranOn.contains("a"));

        crashing.cut();
        // The lease as A last renewed it; a loaded machine may cut A off long after that renewal.
        Instant leaseAtCut = leaseEnd("survivor");
        List<Instant> startedOnB = new CopyOnWriteArrayList<>();
        b.registerWorker(queue, 1, handler(job -> {
            startedOnB.add(Instant.now());
            ranOn.add("b");
            redelivered.add(job.redelivered());
        }));

        await().atMost(PATIENCE).until(() -> b.job(queue, "survivor").map(JobRecord::state)
                .filter(JobState.COMPLETED::equals).isPresent());
        assertThat(startedOnB).as("run again only once the lease A held had expired").singleElement()
                .satisfies(start -> assertThat(start).isAfterOrEqualTo(leaseAtCut));
        assertThat(ranOn).containsExactly("a", "b");
        assertThat(redelivered).as("the same attempt, handed out again: the handler is told").containsExactly(false,
                true);
        JobRecord record = b.job(queue, "survivor").orElseThrow();
        assertThat(record.attempts()).extracting(JobAttempt::attempt).as("the lost attempt does not count")
                .containsExactly(1, 1);
        assertThat(record.attempts().get(0).error()).get().asString().contains("lease expired")
                .contains(a.instanceId());
        assertThat(record.attempts().get(1).error()).isEmpty();
        assertThat(a.problem()).as("what the cut-off instance tells readiness probes").hasValueSatisfying(
                problem -> assertThat(problem).startsWith("workers of queue " + queue + " cannot reach the database since ")
                        .contains("connection cut by the test"));
        assertThat(b.problem()).isEmpty();
    }

    @Test
    void a_job_running_through_a_database_outage_longer_than_its_lease_stays_with_its_instance_once_the_database_is_back()
            throws Exception {
        PgQueueOptions shortLeases = options().toBuilder().leaseDuration(Duration.ofSeconds(3))
                .pollInterval(Duration.ofMillis(100)).build();
        CuttableDataSource flaky = new CuttableDataSource(dataSource);
        PgJobQueue a = instance(flaky, shortLeases);
        List<String> runs = new CopyOnWriteArrayList<>();
        CountDownLatch hang = latches.newLatch();
        a.registerWorker(queue, 2, handler(job -> {
            runs.add(job.jobId());
            hang.await();
        }));
        a.enqueue(JobRequest.of(queue, "long", "work", "{}").withTimeout(Duration.ofMinutes(5)));
        await().atMost(PATIENCE).until(() -> runs.contains("long"));

        flaky.cut();
        await().atMost(PATIENCE).until(() -> leaseEnd("long").isBefore(Instant.now().minusMillis(200)));
        flaky.reconnect();

        await("the lease, renewed once the database answered").atMost(PATIENCE)
                .until(() -> leaseEnd("long").isAfter(Instant.now()));
        await().during(Duration.ofMillis(1500)).atMost(PATIENCE).untilAsserted(() ->
                assertThat(runs).as("runs of the job while its first attempt still runs").containsExactly("long"));
        hang.countDown();
        await().atMost(PATIENCE).until(() -> a.job(queue, "long").map(JobRecord::state)
                .filter(JobState.COMPLETED::equals).isPresent());
        assertThat(a.job(queue, "long").orElseThrow().attempts()).as("no attempt lost to an expired lease")
                .singleElement().satisfies(attempt -> assertThat(attempt.error()).isEmpty());
    }

    @Test
    void an_instance_restarted_under_the_same_name_takes_back_at_once_the_jobs_it_was_running() {
        PgQueueOptions named = options().toBuilder().instanceId("node-1").leaseDuration(Duration.ofMinutes(10))
                .shutdownGrace(Duration.ofMillis(100)).build();
        CuttableDataSource crashing = new CuttableDataSource(dataSource);
        PgJobQueue first = instance(crashing, named);
        List<String> ran = new CopyOnWriteArrayList<>();
        CountDownLatch hang = latches.newLatch();
        first.registerWorker(queue, 1, handler(job -> {
            ran.add("first life");
            hang.await();
        }));
        first.enqueue(JobRequest.of(queue, "interrupted", "work", "{}"));
        await().atMost(PATIENCE).until(() -> ran.contains("first life"));
        crashing.cut();

        PgJobQueue second = instance(dataSource, named);
        second.registerWorker(queue, 1, handler(job -> ran.add("second life")));

        await().atMost(PATIENCE).until(() -> ran.contains("second life"));
        assertThat(second.job(queue, "interrupted").orElseThrow().attempts().get(0).error()).get().asString()
                .contains("restarted");
    }

    @Test
    void an_instance_with_no_workers_of_a_queue_takes_none_of_its_jobs_and_the_instance_that_takes_the_queue_runs_them() {
        PgJobQueue web = instance(dataSource, options());
        List<String> ranOnWeb = new CopyOnWriteArrayList<>();
        web.registerWorker(queue, 0, handler(job -> ranOnWeb.add(job.jobId())));
        web.enqueue(JobRequest.of(queue, "render-1", "work", "{}"));

        await().during(Duration.ofMillis(600)).atMost(PATIENCE).until(ranOnWeb::isEmpty);
        assertThat(web.queues()).as("known all the same").contains(queue);
        assertThat(web.counts(queue).waiting()).isOne();
        assertThat(web.instancesRunning(queue)).as("none runs a job of it").hasValue(Set.of());

        PgJobQueue gpu = instance(dataSource, options().toBuilder().instanceId("gpu-1").build());
        List<String> ranOnGpu = new CopyOnWriteArrayList<>();
        CountDownLatch seen = new CountDownLatch(1);
        gpu.registerWorker(queue, 1, handler(job -> {
            ranOnGpu.add(job.jobId());
            seen.await(10, TimeUnit.SECONDS);
        }));
        await().atMost(PATIENCE).until(() -> ranOnGpu.contains("render-1"));
        assertThat(web.instancesRunning(queue)).as("seen by the instance that leaves the queue to it")
                .hasValue(Set.of("gpu-1"));
        seen.countDown();
        assertThat(ranOnWeb).isEmpty();
    }

    @Test
    void a_registration_without_workers_after_one_with_workers_on_the_same_queue_object_leaves_those_workers_running() {
        // Two engines of one process sharing the adapter: the one that leaves the queue starts after the other.
        PgJobQueue shared = instance(dataSource, options());
        List<String> ran = new CopyOnWriteArrayList<>();
        shared.registerWorker(queue, 1, handler(job -> ran.add(job.jobId())));

        shared.registerWorker(queue, 0, handler(job -> ran.add("left:" + job.jobId())));
        shared.enqueue(JobRequest.of(queue, "render-1", "work", "{}"));

        await().atMost(PATIENCE).until(() -> ran.contains("render-1"));
        assertThat(ran).containsExactly("render-1");
    }

    @Test
    void a_queue_paused_on_one_instance_starts_nothing_on_any_instance_until_resumed() {
        PgJobQueue a = instance(dataSource, options());
        PgJobQueue b = instance(dataSource, options());
        List<String> ran = new CopyOnWriteArrayList<>();
        b.registerWorker(queue, 2, handler(job -> ran.add(job.jobId())));

        a.pause(queue);
        a.enqueue(JobRequest.of(queue, "held", "work", "{}"));

        assertThat(b.isPaused(queue)).isTrue();
        await().during(Duration.ofMillis(600)).atMost(PATIENCE).until(ran::isEmpty);

        a.resume(queue);

        await().atMost(PATIENCE).until(() -> ran.contains("held"));
        assertThat(b.isPaused(queue)).isFalse();
    }

    @Test
    void an_idle_worker_wakes_within_milliseconds_of_an_enqueue_on_another_instance() {
        PgQueueOptions noPolling = options().toBuilder().pollInterval(Duration.ofMinutes(1)).build();
        PgJobQueue a = instance(dataSource, noPolling);
        PgJobQueue b = instance(dataSource, noPolling);
        List<Long> startedAt = new CopyOnWriteArrayList<>();
        b.registerWorker(queue, 1, handler(job -> startedAt.add(System.nanoTime())));
        await().atMost(PATIENCE).until(b::isListening);

        long enqueuedAt = System.nanoTime();
        a.enqueue(JobRequest.of(queue, "prompt", "work", "{}"));

        await().atMost(PATIENCE).until(() -> startedAt.size() == 1);
        assertThat(Duration.ofNanos(startedAt.get(0) - enqueuedAt)).as("enqueue to start, fallback poll 1 min")
                .isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void a_worker_whose_listener_connection_was_killed_catches_up_on_reconnecting() {
        PgQueueOptions noPolling = options().toBuilder().pollInterval(Duration.ofMinutes(1)).build();
        PgJobQueue worker = instance(dataSource, noPolling);
        List<String> ran = new CopyOnWriteArrayList<>();
        worker.registerWorker(queue, 1, handler(job -> ran.add(job.jobId())));
        await().atMost(PATIENCE).until(worker::isListening);
        // The worker's listener is the connection that last ran LISTEN on the channel: a listener of an instance a
        // test before closed may still be ending its connection on its own thread (once for longer than this test's
        // patience), and is left alone. (A pooled connection's backend_start is the pool's, not the LISTEN's.)
        String newestListener = "SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN " + database.prefix()
                + "jobs' ORDER BY query_start DESC LIMIT 1";
        long killed = database.queryLong(dataSource, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                + " WHERE pid = (" + newestListener + ")");
        // Enqueued elsewhere, so only a notification (maybe lost) or the catch-up after reconnecting
        // can wake the worker; its fallback poll is a minute away.
        instance(dataSource, noPolling).enqueue(JobRequest.of(queue, "while-deaf", "work", "{}"));

        assertThat(killed).as("listener connections killed").isEqualTo(1);
        await().atMost(PATIENCE).until(() -> ran.contains("while-deaf"));
        await().atMost(PATIENCE).until(worker::isListening);
    }

    @Test
    void a_higher_priority_job_enqueued_elsewhere_while_a_backlog_drains_runs_before_the_rest_of_it() {
        PgJobQueue worker = instance(dataSource, options());
        PgJobQueue producer = instance(dataSource, options());
        List<String> order = new CopyOnWriteArrayList<>();
        producer.pause(queue);
        for (int i = 0; i < 300; i++) {
            producer.enqueue(JobRequest.of(queue, "backlog-" + i, "work", "{}"));
        }
        worker.registerWorker(queue, 2, handler(job -> {
            order.add(job.jobId());
            Thread.sleep(5);
        }));
        await().atMost(PATIENCE).until(worker::isListening);
        producer.resume(queue);
        await().atMost(PATIENCE).until(() -> order.size() >= 20);

        producer.enqueue(JobRequest.of(queue, "urgent", "work", "{}").withPriority(5));

        await().atMost(PATIENCE).until(() -> order.contains("urgent"));
        assertThat(order.indexOf("urgent")).as("position of the urgent job").isLessThan(150);
    }

    @Test
    void jobs_enqueued_before_a_restart_run_after_it_including_delayed_ones() {
        PgJobQueue before = instance(dataSource, options());
        before.enqueue(JobRequest.of(queue, "waiting", "work", "{}"));
        before.enqueue(JobRequest.of(queue, "delayed", "work", "{}").withDelay(Duration.ofMillis(700)));
        before.close();

        PgJobQueue after = instance(dataSource, options());
        List<String> ran = new CopyOnWriteArrayList<>();
        after.registerWorker(queue, 2, handler(job -> ran.add(job.jobId())));

        await().atMost(PATIENCE).until(() -> ran.size() == 2);
        // Both may be due by the time the new instance claims (a slow restart on a loaded machine), and then its two
        // workers run them in either order: what counts is that the delayed one did not start before it was due.
        assertThat(ran).containsExactlyInAnyOrder("waiting", "delayed");
        JobRecord delayed = after.job(queue, "delayed").orElseThrow();
        assertThat(delayed.attempts().get(0).startedAt()).isAfterOrEqualTo(delayed.availableAt());
        // The handler returns before its completion is committed, so the counts catch up a moment later.
        await().atMost(PATIENCE).untilAsserted(
                () -> assertThat(after.counts(queue)).isEqualTo(new JobCounts(0, 0, 0, 2, 0)));
    }

    @Test
    void an_instance_shutting_down_mid_attempt_hands_the_job_back_without_using_up_an_attempt() {
        PgQueueOptions impatient = options().toBuilder().shutdownGrace(Duration.ofMillis(200)).build();
        PgJobQueue leaving = instance(dataSource, impatient);
        List<String> ranOn = new CopyOnWriteArrayList<>();
        leaving.registerWorker(queue, 1, handler(job -> {
            ranOn.add("leaving");
            Thread.sleep(Duration.ofMinutes(1).toMillis());
        }));
        leaving.enqueue(JobRequest.of(queue, "handed-back", "work", "{}"));
        await().atMost(PATIENCE).until(() -> ranOn.contains("leaving"));

        leaving.close();

        PgJobQueue staying = instance(dataSource, options());
        assertThat(staying.job(queue, "handed-back")).get().extracting(JobRecord::state).isEqualTo(JobState.WAITING);
        staying.registerWorker(queue, 1, handler(job -> ranOn.add("staying " + job.attempt())));
        await().atMost(PATIENCE).until(() -> ranOn.contains("staying 1"));
        assertThat(staying.job(queue, "handed-back").orElseThrow().attempts().get(0).error()).get().asString()
                .contains("shut down");
    }

    @Test
    void a_stopping_instance_hands_a_job_back_only_once_the_handler_it_interrupted_returned() {
        PgJobQueue leaving = instance(dataSource, options().toBuilder().shutdownGrace(Duration.ofMillis(200)).build());
        PgJobQueue observer = instance(dataSource, options());
        CompletableFuture<Void> keptWhileReturning = new CompletableFuture<>();
        leaving.registerWorker(queue, 1, handler(job -> {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                // As the engine handing the step back to its run, which takes a moment: meanwhile no
                // other instance may take the job, or its start there is refused while the step still runs here.
                try {
                    await().during(Duration.ofMillis(300)).atMost(PATIENCE).until(() ->
                            observer.job(queue, job.jobId()).orElseThrow().state() == JobState.ACTIVE);
                    keptWhileReturning.complete(null);
                } catch (RuntimeException | Error released) {
                    keptWhileReturning.completeExceptionally(released);
                }
                throw e;
            }
        }));
        leaving.enqueue(JobRequest.of(queue, "slow-to-return", "work", "{}"));
        await().atMost(PATIENCE).until(() -> observer.counts(queue).active() == 1);

        leaving.close();

        assertThat(keptWhileReturning).as("the job stayed with the stopping instance until its handler returned")
                .succeedsWithin(PATIENCE);
        assertThat(observer.job(queue, "slow-to-return")).get().extracting(JobRecord::state)
                .isEqualTo(JobState.WAITING);
    }

    @Test
    void an_attempt_interrupted_while_the_queue_waits_out_its_shutdown_grace_is_handed_back_without_using_up_an_attempt()
            throws Exception {
        PgJobQueue stopping = instance(dataSource, options().toBuilder().shutdownGrace(Duration.ofSeconds(20)).build());
        Thread closer = new Thread(stopping::close, "closer");
        List<Thread> workers = new CopyOnWriteArrayList<>();
        List<Throwable> reportedFailures = new CopyOnWriteArrayList<>();
        CountDownLatch blocked = latches.newLatch();
        stopping.registerWorker(queue, 1, new JobHandler() {
            @Override
            public void handle(JobExecution job) {
                workers.add(Thread.currentThread());
                try {
                    blocked.await();
                } catch (InterruptedException e) {
                    // As a step whose blocking call fails with its own exception when interrupted.
                    throw new IllegalStateException("the call the step waited in was interrupted", e);
                }
            }

            @Override
            public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
                reportedFailures.add(error);
            }
        });
        // Its only attempt: counted as failed, it would be a dead letter.
        stopping.enqueue(JobRequest.of(queue, "cut-short", "work", "{}"));
        await().atMost(PATIENCE).until(() -> workers.size() == 1);
        closer.start();
        await().atMost(PATIENCE).until(() -> java.util.Arrays.stream(closer.getStackTrace())
                .anyMatch(frame -> frame.getMethodName().equals("awaitIdle")));

        // As a container interrupts the threads it manages while it stops the application.
        workers.get(0).interrupt();
        closer.join(PATIENCE.toMillis());

        assertThat(closer.isAlive()).as("close() returned").isFalse();
        assertThat(reportedFailures).as("failures reported to the handler").isEmpty();
        PgJobQueue restarted = instance(dataSource, options());
        assertThat(restarted.job(queue, "cut-short")).get().extracting(JobRecord::state).isEqualTo(JobState.WAITING);
        List<JobExecution> ranAgain = new CopyOnWriteArrayList<>();
        restarted.registerWorker(queue, 1, handler(ranAgain::add));
        await().atMost(PATIENCE).until(() -> ranAgain.size() == 1);
        assertThat(ranAgain.get(0).attempt()).as("the same attempt").isEqualTo(1);
        assertThat(ranAgain.get(0).redelivered()).as("handed out again").isTrue();
        assertThat(restarted.job(queue, "cut-short").orElseThrow().attempts().get(0).error()).get().asString()
                .contains("shut down");
    }

    @Test
    void an_attempt_ending_within_the_shutdown_grace_enqueues_its_follow_up_and_enqueues_are_refused_once_closed()
            throws Exception {
        PgJobQueue stopping = instance(dataSource, options().toBuilder().shutdownGrace(Duration.ofSeconds(20)).build());
        Thread closer = new Thread(stopping::close, "closer");
        CompletableFuture<Void> followUp = new CompletableFuture<>();
        List<String> ran = new CopyOnWriteArrayList<>();
        stopping.registerWorker(queue, 1, handler(job -> {
            ran.add(job.jobId());
            // Hands on its next step only once close() waits for the workers (not while it closes the
            // listener, which also waits), as a step finishing late does.
            await().atMost(PATIENCE).until(() -> java.util.Arrays.stream(closer.getStackTrace())
                    .anyMatch(frame -> frame.getMethodName().equals("awaitIdle")));
            try {
                stopping.enqueue(JobRequest.of(queue, "next-step", "work", "{}"));
                followUp.complete(null);
            } catch (RuntimeException e) {
                followUp.completeExceptionally(e);
            }
        }));
        stopping.enqueue(JobRequest.of(queue, "step", "work", "{}"));
        await().atMost(PATIENCE).until(() -> ran.contains("step"));

        closer.start();
        closer.join(PATIENCE.toMillis());

        assertThat(closer.isAlive()).as("close() returned").isFalse();
        assertThat(followUp).as("the follow-up enqueued within the grace").succeedsWithin(Duration.ZERO);
        assertThat(ran).as("attempts on the stopping instance").containsExactly("step");
        assertThat(instance(dataSource, options()).job(queue, "next-step")).get().extracting(JobRecord::state)
                .isEqualTo(JobState.WAITING);
        assertThatThrownBy(() -> stopping.enqueue(JobRequest.of(queue, "after-close", "work", "{}")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void jobs_claimed_ahead_that_had_not_started_when_the_queue_was_paused_go_back_unchanged_and_run_after_resume() {
        PgJobQueue worker = instance(dataSource, options().toBuilder().prefetch(2).build());
        CountDownLatch release = latches.newLatch();
        List<String> ran = new CopyOnWriteArrayList<>();
        worker.registerWorker(queue, 1, handler(job -> {
            ran.add(job.jobId() + " attempt " + job.attempt());
            release.await();
        }));
        for (String id : List.of("first", "second", "third", "fourth")) {
            worker.enqueue(JobRequest.of(queue, id, "work", "{}"));
        }
        PgJobQueue observer = instance(dataSource, options());
        await().atMost(PATIENCE).until(() -> observer.counts(queue).active() == 3);
        assertThat(ran).containsExactly("first attempt 1");
        assertThat(worker.counts(queue)).as("the claimer counts the jobs claimed ahead as waiting")
                .isEqualTo(new JobCounts(3, 0, 1, 0, 0));

        worker.pause(queue);

        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(worker.counts(queue)).isEqualTo(new JobCounts(3, 0, 1, 0, 0)));
        assertThat(worker.job(queue, "second")).get().satisfies(job -> {
            assertThat(job.state()).isEqualTo(JobState.WAITING);
            assertThat(job.attempts()).isEmpty();
        });
        release.countDown();
        worker.resume(queue);
        await().atMost(PATIENCE).until(() -> worker.counts(queue).completed() == 4);
        assertThat(ran).containsExactly("first attempt 1", "second attempt 1", "third attempt 1", "fourth attempt 1");
        assertThat(worker.counts(queue)).isEqualTo(new JobCounts(0, 0, 0, 4, 0));
    }

    @Test
    void counts_come_back_while_a_round_waits_for_a_row_another_transaction_locked_and_count_its_completion()
            throws Exception {
        PgJobQueue worker = instance(dataSource, options());
        CountDownLatch finish = latches.newLatch();
        worker.registerWorker(queue, 1, handler(job -> finish.await()));
        worker.enqueue(JobRequest.of(queue, "locked", "work", "{}"));
        await().atMost(PATIENCE).until(() -> worker.counts(queue).active() == 1);
        try (Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (PreparedStatement lock = other.prepareStatement(
                    "SELECT 1 FROM " + database.prefix() + "job WHERE queue = ? AND job_id = ? FOR UPDATE")) {
                lock.setString(1, queue);
                lock.setString(2, "locked");
                lock.executeQuery().close();
            }
            finish.countDown();
            await().atMost(PATIENCE).until(() -> aStatementWaitsForALockOn(database.prefix() + "job"));

            assertThat(worker.counts(queue)).as("counts while the round recording the completion waits")
                    .isEqualTo(new JobCounts(0, 0, 0, 1, 0));
            other.rollback();
        }
        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(instance(dataSource, options()).counts(queue)).isEqualTo(new JobCounts(0, 0, 0, 1, 0)));
    }

    @Test
    void an_attempt_completes_and_the_next_starts_while_counts_wait_for_the_database() throws Exception {
        PgJobQueue worker = instance(dataSource, options().toBuilder().prefetch(1).build());
        PgJobQueue observer = instance(dataSource, options());
        CountDownLatch finishFirst = latches.newLatch();
        List<String> started = new CopyOnWriteArrayList<>();
        worker.registerWorker(queue, 1, handler(job -> {
            started.add(job.jobId());
            if (job.jobId().equals("first")) {
                finishFirst.await();
            }
        }));
        worker.enqueue(JobRequest.of(queue, "first", "work", "{}"));
        worker.enqueue(JobRequest.of(queue, "second", "work", "{}"));
        // The second claimed ahead, waiting for the slot of the first.
        await().atMost(PATIENCE).until(() -> started.contains("first") && observer.counts(queue).active() == 2);
        try (Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            other.createStatement().execute("LOCK TABLE " + database.prefix() + "count IN ACCESS EXCLUSIVE MODE");
            CompletableFuture<JobCounts> counting = CompletableFuture.supplyAsync(() -> worker.counts(queue));
            await().atMost(PATIENCE).until(() -> aStatementWaitsForALockOn(database.prefix() + "count"));

            finishFirst.countDown();

            await("the next attempt starting").atMost(PATIENCE).until(() -> started.contains("second"));
            assertThat(counting).as("counts still reading").isNotDone();
            other.rollback();
            assertThat(counting).succeedsWithin(PATIENCE);
        }
    }

    // ---------------------------------------------------------------- helpers

    private PgQueueOptions options() {
        return PgQueueOptions.newBuilder().tablePrefix(database.prefix()).shutdownGrace(Duration.ofSeconds(2)).build();
    }

    /** Whether a statement of some connection waits for a lock held by another, on a table named. */
    private static boolean aStatementWaitsForALockOn(String table) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement read = c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ?")) {
            read.setString(1, "%" + table + "%");
            try (ResultSet row = read.executeQuery()) {
                row.next();
                return row.getLong(1) > 0;
            }
        }
    }

    /** When the job's lease runs out, as stored. */
    private Instant leaseEnd(String jobId) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement read = c.prepareStatement(
                "SELECT locked_until FROM " + database.prefix() + "job WHERE queue = ? AND job_id = ?")) {
            read.setString(1, queue);
            read.setString(2, jobId);
            try (ResultSet row = read.executeQuery()) {
                assertThat(row.next()).as("job " + jobId + " stored").isTrue();
                return row.getObject(1, java.time.OffsetDateTime.class).toInstant();
            }
        }
    }

    private PgJobQueue instance(DataSource source, PgQueueOptions options) {
        PgJobQueue instance = new PgJobQueue(source, new TestThreads("cluster"), Clock.systemUTC(), options);
        instances.add(instance);
        return instance;
    }

    /** A handler that runs {@code behaviour} and ignores failures; the other queue tests of this package use it too. */
    static JobHandler handler(JobBehaviour behaviour) {
        return new JobHandler() {
            @Override
            public void handle(JobExecution job) throws Exception {
                behaviour.run(job);
            }

            @Override
            public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
            }
        };
    }
}
