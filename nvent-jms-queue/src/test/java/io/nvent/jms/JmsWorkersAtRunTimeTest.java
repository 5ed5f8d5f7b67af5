package io.nvent.jms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.spi.JobCounts;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import io.nvent.spi.RateLimit;
import io.nvent.testkit.Concurrently;
import io.nvent.testkit.LogRecorder;
import io.nvent.testkit.TestThreads;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A JMS queue's workers set at run time ({@link JmsJobQueue#resizeWorkers}), beyond the contract: the worker
 * threads and their pooled connections, the broker's consumers, and what the log says the pool must hold.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class JmsWorkersAtRunTimeTest {

    /** Long enough for three workers to connect on a loaded 2-core machine (10 s was not, under load). */
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Duration QUIET = Duration.ofMillis(700);

    @RegisterExtension
    static final InVmBroker broker = InVmBroker.of(4, "workers");

    private final ActiveMQConnectionFactory factory = broker.clients();
    private final List<JmsJobQueue> nodes = new CopyOnWriteArrayList<>();
    private final List<CountDownLatch> latches = new CopyOnWriteArrayList<>();
    /** Every worker thread the nodes made. */
    private final List<Thread> made = new CopyOnWriteArrayList<>();
    private final String queue = InVmBroker.freshQueue("workers");

    @AfterEach
    void closeNodes() {
        latches.forEach(CountDownLatch::countDown);
        nodes.forEach(JmsJobQueue::close);
    }

    @Test
    void a_queue_taken_without_workers_receives_nothing_until_given_workers_and_then_runs_as_many_at_once() {
        JmsJobQueue node = node(factory);
        CountDownLatch release = latch();
        Handler handler = new Handler(job -> release);
        node.enqueue(job("waiting-0"));
        node.enqueue(job("waiting-1"));
        node.enqueue(job("waiting-2"));
        List<Thread> before = List.copyOf(made);

        node.registerIdleWorker(queue, handler);

        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.isEmpty());
        assertThat(made).as("no worker thread, so no connection of the workers' pool taken").isEqualTo(before);
        assertThat(node.problem()).as("0 workers is the operator's choice, not a problem").isEmpty();

        node.resizeWorkers(queue, 2);

        await().atMost(PATIENCE).until(() -> handler.running.get() == 2);
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.size() == 2);
        release.countDown();
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 3);
        assertThat(handler.started).as("each job ran once").hasSize(3).doesNotHaveDuplicates();
    }

    @Test
    void a_shrink_lets_the_attempts_under_way_finish_and_starts_none_until_fewer_than_the_new_workers_run() {
        JmsJobQueue node = node(factory);
        Map<String, CountDownLatch> release = Map.of("first-0", latch(), "first-1", latch(), "first-2", latch());
        Handler handler = new Handler(job -> release.getOrDefault(job.jobId(), new CountDownLatch(0)));
        node.registerWorker(queue, 3, handler);
        release.keySet().forEach(id -> node.enqueue(job(id)));
        await().atMost(PATIENCE).until(() -> handler.running.get() == 3);

        node.resizeWorkers(queue, 1);
        node.enqueue(job("later-0"));
        node.enqueue(job("later-1"));

        release.get("first-0").countDown();
        await().atMost(PATIENCE).until(() -> handler.completed.contains("first-0"));
        release.get("first-1").countDown();
        await().atMost(PATIENCE).until(() -> handler.completed.contains("first-1"));
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.size() == 3);
        assertThat(node.counts(queue)).as("the later jobs wait while one attempt runs")
                .isEqualTo(new JobCounts(2, 0, 1, 2, 0));

        release.get("first-2").countDown();

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 5);
        assertThat(handler.started).as("each job ran once, none handed back and run again").hasSize(5)
                .doesNotHaveDuplicates();
        assertThat(handler.redelivered).as("no attempt rolled back").isEmpty();
        assertThat(handler.mostSinceShrink.get()).as("most attempts at once once the shrunk workers' ended").isOne();
        await().atMost(PATIENCE).until(() -> node.counts(queue).equals(new JobCounts(0, 0, 0, 5, 0)));
    }

    @Test
    void a_job_a_shrunk_worker_received_as_it_was_leaving_runs_once_as_a_first_delivery_not_as_a_redelivery() {
        JmsJobQueue node = node(factory, Duration.ofSeconds(3));
        Handler handler = new Handler(job -> new CountDownLatch(0));
        node.registerWorker(queue, 3, handler);
        String onBroker = JmsJobQueueOptions.DEFAULTS.prefix() + queue;
        await().atMost(PATIENCE).until(() -> broker.receivingConsumersOf(onBroker) == 3);

        node.resizeWorkers(queue, 1);
        for (int i = 0; i < 3; i++) {
            node.enqueue(job("met-a-leaving-worker-" + i));
        }

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 3);
        assertThat(handler.started).as("each job ran once").hasSize(3).doesNotHaveDuplicates();
        assertThat(handler.redelivered).as("no job that never ran flagged as redelivered").isEmpty();
        await().atMost(PATIENCE).until(() -> node.counts(queue).equals(new JobCounts(0, 0, 0, 3, 0)));
    }

    @Test
    void shrunk_workers_waiting_for_a_job_leave_at_once_and_give_their_pooled_connections_back() {
        JmsJobQueue node = node(BoundedConnectionPool.of(factory, 3));
        node.registerWorker(queue, 3, new Handler(job -> new CountDownLatch(0)));
        String onBroker = JmsJobQueueOptions.DEFAULTS.prefix() + queue;
        await().atMost(PATIENCE).until(() -> broker.receivingConsumersOf(onBroker) == 3);

        node.resizeWorkers(queue, 1);

        await().atMost(PATIENCE).until(() -> broker.receivingConsumersOf(onBroker) == 1);
        Handler other = new Handler(job -> new CountDownLatch(0));
        node.registerWorker(queue + "-other", 2, other);
        node.enqueue(job(queue + "-other", "on-the-connections-given-back"));
        await().atMost(PATIENCE).until(() -> other.completed.size() == 1);
        assertThat(node.problem()).as("no worker starved by the pool of 3").isEmpty();
    }

    @Test
    void shrunk_workers_waiting_out_a_rate_limit_leave_at_once_and_their_threads_end() {
        JmsJobQueue node = node(factory);
        Handler handler = new Handler(job -> new CountDownLatch(0));
        int before = made.size();
        node.registerWorker(queue, 2, handler);
        List<Thread> workers = List.copyOf(made.subList(before, made.size()));
        node.limitRate(queue, Optional.of(new RateLimit(1, Duration.ofHours(1))));
        node.enqueue(job("uses-the-only-start"));
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        node.enqueue(job("waits-an-hour"));

        node.resizeWorkers(queue, 0);

        await().atMost(PATIENCE).until(() -> workers.stream().noneMatch(Thread::isAlive));
        assertThat(workers).hasSize(2);
        assertThat(broker.receivingConsumersOf(JmsJobQueueOptions.DEFAULTS.prefix() + queue)).isZero();
        assertThat(node.counts(queue).waiting()).as("the job waits for workers").isOne();
    }

    @Test
    void workers_held_back_by_a_rate_limit_hold_no_consumer_the_broker_could_hand_a_job_to() {
        JmsJobQueue node = node(factory);
        Handler handler = new Handler(job -> new CountDownLatch(0));
        node.registerWorker(queue, 2, handler);
        node.limitRate(queue, Optional.of(new RateLimit(1, Duration.ofHours(1))));

        node.enqueue(job("uses-the-only-start"));
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);

        // One kept, it could be pushed the next job and hold it for the hour, away from workers allowed to start.
        await().atMost(PATIENCE).until(() -> broker.receivingConsumersOf(JmsJobQueueOptions.DEFAULTS.prefix() + queue) == 0);
    }

    @Test
    void a_rate_limit_set_while_the_workers_wait_for_a_message_bounds_their_next_starts_too() {
        JmsJobQueue node = node(factory);
        Handler handler = new Handler(job -> new CountDownLatch(0));
        node.registerWorker(queue, 2, handler);
        await().atMost(PATIENCE).until(() -> broker.receivingConsumersOf(JmsJobQueueOptions.DEFAULTS.prefix() + queue) == 2);

        node.limitRate(queue, Optional.of(new RateLimit(1, Duration.ofHours(1))));
        node.enqueue(job("uses-the-only-start"));
        node.enqueue(job("waits-an-hour"));

        await().atMost(PATIENCE).until(() -> !handler.completed.isEmpty());
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.size() == 1);
        assertThat(node.counts(queue).waiting()).as("the second job waits out the limit").isOne();
    }

    @Test
    void workers_grown_after_a_shrink_run_as_many_attempts_at_once_and_the_log_says_the_pool_they_need() {
        JmsJobQueue node = node(factory);
        CountDownLatch hold = latch();
        Handler handler = new Handler(job -> hold);
        node.registerWorker(queue, 2, handler);

        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0616"))) {
            node.resizeWorkers(queue, 1);
            node.resizeWorkers(queue, 4);
            for (int i = 0; i < 4; i++) {
                node.enqueue(job("grown-" + i));
            }

            await().atMost(PATIENCE).until(() -> handler.running.get() == 4);
            assertThat(log.messagesContaining("NVENT-0616")).hasSize(2).last().asString().contains(
                    "JMS queue nvent." + queue + " runs 4 workers on this node from now on, 1 before",
                    "this node's 1 queue has 4 workers in all", "must hold at least 6 (4 for the workers, 2 for the"
                            + " live event stream's subscription and sends");
        }
        hold.countDown();
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 4);
    }

    @Test
    void workers_set_to_none_leave_the_queue_to_other_nodes_and_its_jobs_wait_until_they_are_back() {
        JmsJobQueue node = node(factory);
        Handler handler = new Handler(job -> new CountDownLatch(0));
        node.registerWorker(queue, 2, handler);
        String onBroker = JmsJobQueueOptions.DEFAULTS.prefix() + queue;

        node.resizeWorkers(queue, 0);
        await().atMost(PATIENCE).until(() -> broker.receivingConsumersOf(onBroker) == 0);
        node.enqueue(job("waits"));

        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.isEmpty());
        assertThat(node.counts(queue).waiting()).isOne();
        assertThat(node.isPaused(queue)).as("not a pause").isFalse();

        node.resizeWorkers(queue, 2);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        await().atMost(PATIENCE).until(() -> broker.receivingConsumersOf(onBroker) == 2);
    }

    @Test
    void workers_grown_past_the_pool_are_reported_with_the_new_total_and_no_longer_once_shrunk_to_fit() {
        JmsJobQueue node = node(BoundedConnectionPool.ofSessions(factory, 2));
        Handler handler = new Handler(job -> new CountDownLatch(0));
        node.registerWorker(queue, 1, handler);

        node.resizeWorkers(queue, 3);

        await().atMost(PATIENCE).until(() -> node.problem().isPresent());
        assertThat(node.problem().orElseThrow()).contains("this node's 1 queue has 3 workers in all",
                "the pool must hold at least 5 (3 for the workers");

        node.resizeWorkers(queue, 2);

        await().atMost(PATIENCE).until(() -> node.problem().isEmpty());
        node.enqueue(job("fits"));
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
    }

    @Test
    void a_queue_without_workers_here_or_a_closing_queue_is_left_as_it_is() {
        JmsJobQueue node = node(factory);
        Handler handler = new Handler(job -> new CountDownLatch(0));
        node.registerWorker(queue, 0, handler);

        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0616"))) {
            node.resizeWorkers(queue, 2);
            node.resizeWorkers(queue + "-unknown", 2);
            node.enqueue(job("left-to-other-nodes"));

            await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.isEmpty());
            assertThat(node.queues()).as("an unknown queue stays unknown").doesNotContain(queue + "-unknown");
            node.registerWorker(queue + "-closing", 1, handler);
            node.close();
            node.resizeWorkers(queue + "-closing", 3);
            assertThat(log.records()).as("nothing changed").isEmpty();
        }
    }

    @Test
    void resizes_racing_each_other_leave_the_workers_the_last_one_set() {
        JmsJobQueue node = node(factory);
        CountDownLatch hold = latch();
        Handler handler = new Handler(job -> hold);
        node.registerWorker(queue, 2, handler);

        Concurrently.run(8, thread -> node.resizeWorkers(queue, thread % 4));
        node.resizeWorkers(queue, 3);
        for (int i = 0; i < 5; i++) {
            node.enqueue(job("raced-" + i));
        }

        await().atMost(PATIENCE).until(() -> handler.running.get() == 3);
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.running.get() == 3);
        hold.countDown();
        await().atMost(PATIENCE).until(() -> handler.completed.size() == 5);
        assertThat(handler.started).doesNotHaveDuplicates();
    }

    @Test
    void a_worker_killed_by_an_error_its_failure_handler_throws_is_replaced_and_the_queue_runs_as_many_attempts_again() {
        JmsJobQueue node = node(factory);
        Dying handler = new Dying(latch());
        node.registerWorker(queue, 2, handler);

        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0617"))) {
            node.enqueue(job("fails-and-kills-its-worker"));

            await().atMost(PATIENCE).until(() -> !log.records().isEmpty());
            assertThat(log.messagesContaining("NVENT-0617")).singleElement().asString()
                    .contains("a worker of queue " + queue + " died", "WorkerKiller", "a new one replaces it");
        }
        node.enqueue(job("held-0"));
        node.enqueue(job("held-1"));
        await().atMost(PATIENCE).until(() -> handler.holding.get() == 2);
    }

    @Test
    void a_job_whose_attempt_kills_its_worker_with_a_stack_overflow_runs_again_on_the_worker_that_replaces_it() {
        JmsJobQueue node = node(factory);
        AtomicBoolean overflowed = new AtomicBoolean();
        Handler handler = new Handler(job -> {
            if (job.jobId().equals("overflows") && overflowed.compareAndSet(false, true)) {
                throw new StackOverflowError("deep recursion in the handler");
            }
            return new CountDownLatch(0);
        });
        node.registerWorker(queue, 1, handler);

        node.enqueue(job("overflows"));
        node.enqueue(job("after-it"));

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 2);
        assertThat(handler.completed).containsExactlyInAnyOrder("overflows", "after-it");
        assertThat(node.counts(queue).active()).isZero();
    }

    @Test
    void a_worker_interrupted_by_anything_but_the_close_is_replaced() {
        JmsJobQueue node = node(factory);
        Dying handler = new Dying(latch());
        int before = made.size();
        node.registerWorker(queue, 2, handler);
        List<Thread> workers = List.copyOf(made.subList(before, made.size()));
        node.pause(queue);
        await().atMost(PATIENCE).until(() -> workers.stream().allMatch(t -> t.getState() == Thread.State.WAITING));

        workers.get(0).interrupt();

        await().atMost(PATIENCE).until(() -> !workers.get(0).isAlive() && made.size() == before + 3);
        node.resume(queue);
        node.enqueue(job("held-0"));
        node.enqueue(job("held-1"));
        await().atMost(PATIENCE).until(() -> handler.holding.get() == 2);
    }

    @Test
    void a_job_a_worker_gathers_for_its_commit_as_the_workers_shrink_goes_back_and_runs_once_workers_are_back() {
        AtomicReference<Runnable> onGather = new AtomicReference<>(() -> { });
        JmsJobQueue node = node(GatheringHook.of(factory, () -> onGather.getAndSet(() -> { }).run()));
        Handler handler = new Handler(job -> new CountDownLatch(0));
        node.enqueue(job("first"));
        node.enqueue(job("gathered"));
        onGather.set(() -> node.resizeWorkers(queue, 0));

        node.registerWorker(queue, 1, handler);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.size() == 1);
        assertThat(node.counts(queue).waiting()).as("the gathered job waits for workers").isOne();

        node.resizeWorkers(queue, 1);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 2);
        assertThat(handler.started).containsExactlyInAnyOrder("first", "gathered");
        assertThat(handler.redelivered).as("the gathered job never ran before").isEmpty();
    }

    @Test
    void a_redelivered_job_a_worker_gathers_as_the_workers_shrink_goes_back_too_and_runs_once_workers_are_back()
            throws Exception {
        AtomicReference<Runnable> onGather = new AtomicReference<>(() -> { });
        JmsJobQueue node = node(GatheringHook.of(factory, () -> onGather.getAndSet(() -> { }).run()));
        Handler handler = new Handler(job -> new CountDownLatch(0));
        node.enqueue(job("first"));
        node.enqueue(job("gathered"));
        rollBackDeliveries(2);
        onGather.set(() -> node.resizeWorkers(queue, 0));

        node.registerWorker(queue, 1, handler);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        await().during(QUIET).atMost(PATIENCE).until(() -> handler.started.size() == 1);
        assertThat(node.counts(queue).waiting()).as("the gathered job waits for workers, not run by the leaving one")
                .isOne();

        node.resizeWorkers(queue, 1);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 2);
        assertThat(handler.started).as("each job ran once").hasSize(2).doesNotHaveDuplicates();
        assertThat(handler.redelivered).as("both may have run before: still told so").hasSize(2);
    }

    @Test
    void a_job_a_worker_received_as_the_queue_was_paused_keeps_its_place_before_the_jobs_that_waited_behind_it() {
        Handler handler = new Handler(job -> new CountDownLatch(0));
        JmsJobQueue node = pausedAsItsWorkerReceivesTheFirstOfThree(JmsJobQueueOptions.newBuilder(), handler);
        assertThat(handler.started).as("received as the pause came: handed back").isEmpty();

        node.resume(queue);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 3);
        assertThat(handler.started).as("in the order they were enqueued").containsExactly("first", "second", "third");
        assertThat(handler.redelivered).isEmpty();
    }

    /**
     * {@code raised-priority-delay = PT0S} turns off the delivery delays nvent adds to re-sort the queue: the 1 ms that
     * keeps a sent-back job's place too, so a job sent back goes behind the jobs waiting at its priority, as before.
     */
    @Test
    void with_the_raised_priority_delay_off_a_job_received_as_the_queue_was_paused_is_sent_back_without_a_delay_behind_the_others() {
        Handler handler = new Handler(job -> new CountDownLatch(0));
        JmsJobQueue node = pausedAsItsWorkerReceivesTheFirstOfThree(
                JmsJobQueueOptions.newBuilder().raisedPriorityDelay(Duration.ZERO), handler);

        node.resume(queue);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 3);
        assertThat(handler.started).as("sent back at once, behind the jobs that waited")
                .containsExactly("second", "third", "first");
    }

    @Test
    void a_job_a_worker_received_as_the_queue_was_paused_runs_after_the_resume_as_a_first_delivery() {
        JmsJobQueue node = node(factory, Duration.ofSeconds(3));
        Handler handler = new Handler(job -> new CountDownLatch(0));
        node.registerWorker(queue, 1, handler);
        String onBroker = JmsJobQueueOptions.DEFAULTS.prefix() + queue;

        for (int pause = 0; pause < 3; pause++) {
            await().atMost(PATIENCE).until(() -> broker.receivingConsumersOf(onBroker) == 1);
            node.pause(queue);
            node.enqueue(job("received-as-paused-" + pause));
            await().atMost(PATIENCE).until(() -> broker.receivingConsumersOf(onBroker) == 0);
            assertThat(node.counts(queue).waiting()).as("handed back to the queue").isOne();
            node.resume(queue);
            int ran = pause + 1;
            await().atMost(PATIENCE).until(() -> handler.completed.size() == ran);
        }

        assertThat(handler.started).hasSize(3).doesNotHaveDuplicates();
        assertThat(handler.redelivered).as("a pause is no failed delivery").isEmpty();
    }

    @Test
    void while_one_of_a_queues_workers_waits_for_its_replacement_the_others_take_jobs_and_the_instance_stays_ready() {
        JmsJobQueue node = node(factory);
        Dying handler = new Dying(latch());
        node.registerWorker(queue, 2, handler);

        Optional<String> reported = problemWhileTheWorkerThatDiedWaits(node);

        assertThat(reported).as("one worker of two still takes jobs: nothing for readiness to fail on").isEmpty();
        String onBroker = JmsJobQueueOptions.DEFAULTS.prefix() + queue;
        await().atMost(PATIENCE).until(() -> broker.receivingConsumersOf(onBroker) == 2);
        node.enqueue(job("held-0"));
        node.enqueue(job("held-1"));
        await().atMost(PATIENCE).until(() -> handler.holding.get() == 2);
    }

    @Test
    void while_the_only_worker_of_a_queue_here_waits_for_its_replacement_the_queue_says_it_takes_no_job_here() {
        JmsJobQueue node = node(factory);
        Dying handler = new Dying(latch());
        node.registerWorker(queue, 1, handler);

        Optional<String> reported = problemWhileTheWorkerThatDiedWaits(node);

        assertThat(reported).get().asString().contains("NVENT-0622",
                "queue " + queue + " runs 0 of its 1 workers on this node", "1 died", "NVENT-0617");
        await().atMost(PATIENCE).until(() -> node.problem().isEmpty());
        node.enqueue(job("held"));
        await().atMost(PATIENCE).until(() -> handler.holding.get() == 1);
    }

    /** What the queue reports as its worker that died logs that it waits for its replacement (in its backoff). */
    private Optional<String> problemWhileTheWorkerThatDiedWaits(JmsJobQueue node) {
        AtomicReference<Optional<String>> reported = new AtomicReference<>();
        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0617")
                && reported.compareAndSet(null, node.problem()))) {
            node.enqueue(job("fails-and-kills-its-worker"));

            await().atMost(PATIENCE).until(() -> reported.get() != null);
        }
        return reported.get();
    }

    @Test
    void a_redelivered_job_a_worker_receives_as_it_leaves_goes_back_costing_no_delivery_and_still_says_it_may_have_run()
            throws Exception {
        Handler handler = new Handler(job -> new CountDownLatch(0));

        JmsJobQueue node = sentBackByAShrinkAsItsWorkerReceivesIt("redelivered", 1, JmsJobQueueOptions.newBuilder(),
                handler);

        String onBroker = JmsJobQueueOptions.DEFAULTS.prefix() + queue;
        assertThat(handler.started).as("the leaving worker ran nothing").isEmpty();
        try (Connection connection = factory.createConnection()) {
            connection.start();
            Session session = connection.createSession(true, Session.SESSION_TRANSACTED);
            jakarta.jms.Message waiting = session.createConsumer(session.createQueue(onBroker)).receive(PATIENCE.toMillis());
            assertThat(waiting).as("back in the queue").isNotNull();
            assertThat(waiting.getIntProperty("JMSXDeliveryCount")).as("the leave cost no delivery").isOne();
            assertThat(waiting.propertyExists("nventMayHaveRun")).as("its attempt may have run").isTrue();
            assertThat(waiting.getIntProperty("nventDeliveries")).as("the delivery before the leave").isOne();
            session.rollback();
        }
        node.resizeWorkers(queue, 1);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        assertThat(handler.redelivered).as("told its attempt may have run").containsExactly("redelivered");
    }

    @Test
    void a_job_a_shrink_sent_back_keeps_its_deliveries_so_one_delivered_more_often_than_the_limit_goes_to_the_dead_letters_unrun()
            throws Exception {
        Handler handler = new Handler(job -> new CountDownLatch(0));
        JmsJobQueue node = threeDeliveriesWithoutAnOutcomeAroundAShrink("poison", 3, handler);
        String onBroker = JmsJobQueueOptions.DEFAULTS.prefix() + queue;

        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0623"))) {
            node.resizeWorkers(queue, 1);

            await().atMost(PATIENCE).until(() -> node.job(queue, "poison").map(JobRecord::state)
                    .filter(JobState.FAILED::equals).isPresent());
            assertThat(log.records()).singleElement().extracting(entry -> String.valueOf(entry.getMessage())).asString()
                    .contains("job poison", "3 deliveries ended without an outcome",
                            "and nvent.queue.jms.max-deliveries = 3 allows no more", "delivery 4 moved it to " + onBroker + ".dlq",
                            onBroker + ".dlq").doesNotContain("delivered 4 times without an outcome");
        }
        assertThat(handler.started).as("not run a fourth time").isEmpty();
        assertThat(handler.failed).as("the handler is told of its last attempt").containsExactly("poison");
        assertThat(node.job(queue, "poison").orElseThrow().attempts()).singleElement()
                .satisfies(attempt -> assertThat(attempt.error()).get().asString().startsWith("NVENT-0623"));
    }

    @Test
    void a_job_a_shrink_sent_back_runs_while_its_deliveries_with_those_before_the_shrink_stay_within_the_limit()
            throws Exception {
        Handler handler = new Handler(job -> new CountDownLatch(0));
        JmsJobQueue node = threeDeliveriesWithoutAnOutcomeAroundAShrink("redelivered", 4, handler);

        node.resizeWorkers(queue, 1);

        await().atMost(PATIENCE).until(() -> handler.completed.size() == 1);
        assertThat(handler.redelivered).as("its fourth delivery, within the limit").containsExactly("redelivered");
        assertThat(handler.failed).isEmpty();
    }

    /**
     * A node with three jobs, first, second and third, whose one worker, as it receives the first, sees the queue
     * paused; returns once the worker left the broker.
     */
    private JmsJobQueue pausedAsItsWorkerReceivesTheFirstOfThree(JmsJobQueueOptions.Builder options, Handler handler) {
        AtomicReference<Runnable> onReceive = new AtomicReference<>(() -> { });
        JmsJobQueue node = node(ReceivingHook.of(factory, () -> onReceive.getAndSet(() -> { }).run()), options);
        List.of("first", "second", "third").forEach(id -> node.enqueue(job(id)));
        onReceive.set(() -> node.pause(queue));
        String onBroker = JmsJobQueueOptions.DEFAULTS.prefix() + queue;
        node.registerWorker(queue, 1, handler);
        await().atMost(PATIENCE).until(() -> node.isPaused(queue) && broker.receivingConsumersOf(onBroker) == 0);
        return node;
    }

    /**
     * A node whose one worker, as it receives the job (after {@code rolledBack} deliveries {@link #rollBackDeliveries
     * rolled back}), sees the queue's workers set to none: the job goes back to the broker, and the node, once the
     * worker left, has no consumer on the queue.
     */
    private JmsJobQueue sentBackByAShrinkAsItsWorkerReceivesIt(String jobId, int rolledBack,
            JmsJobQueueOptions.Builder options, Handler handler) throws Exception {
        AtomicReference<Runnable> onReceive = new AtomicReference<>(() -> { });
        JmsJobQueue node = node(ReceivingHook.of(factory, () -> onReceive.getAndSet(() -> { }).run()), options);
        node.enqueue(job(jobId));
        for (int delivery = 0; delivery < rolledBack; delivery++) {
            rollBackDeliveries(1);
        }
        AtomicBoolean shrunk = new AtomicBoolean();
        onReceive.set(() -> {
            node.resizeWorkers(queue, 0);
            shrunk.set(true);
        });
        String onBroker = JmsJobQueueOptions.DEFAULTS.prefix() + queue;

        node.registerWorker(queue, 1, handler);

        await().atMost(PATIENCE).until(() -> shrunk.get() && broker.receivingConsumersOf(onBroker) == 0);
        return node;
    }

    /**
     * A job delivered three times without an outcome, on a node allowing {@code maxDeliveries}: twice rolled back, then
     * {@link #sentBackByAShrinkAsItsWorkerReceivesIt sent back by a shrink}, then rolled back once more.
     */
    private JmsJobQueue threeDeliveriesWithoutAnOutcomeAroundAShrink(String jobId, int maxDeliveries, Handler handler)
            throws Exception {
        JmsJobQueue node = sentBackByAShrinkAsItsWorkerReceivesIt(jobId, 2,
                JmsJobQueueOptions.newBuilder().maxDeliveries(maxDeliveries), handler);
        rollBackDeliveries(1);
        return node;
    }

    /** Receives this many messages of the queue in a transaction of its own and rolls it back: they come again redelivered. */
    private void rollBackDeliveries(int count) throws Exception {
        try (Connection connection = factory.createConnection()) {
            connection.start();
            Session session = connection.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer consumer = session.createConsumer(session.createQueue(JmsJobQueueOptions.DEFAULTS.prefix() + queue));
            for (int i = 0; i < count; i++) {
                assertThat(consumer.receive(PATIENCE.toMillis())).isNotNull();
            }
            session.rollback();
        }
    }

    @Test
    void setting_the_workers_a_queue_has_already_logs_nothing() {
        JmsJobQueue node = node(factory);
        node.registerWorker(queue, 2, new Handler(job -> new CountDownLatch(0)));

        try (LogRecorder log = LogRecorder.recording(entry -> String.valueOf(entry.getMessage()).startsWith("NVENT-0616"))) {
            node.resizeWorkers(queue, 2);

            assertThat(log.records()).isEmpty();
        }
    }

    private CountDownLatch latch() {
        CountDownLatch latch = new CountDownLatch(1);
        latches.add(latch);
        return latch;
    }

    private JmsJobQueue node(ConnectionFactory workers) {
        return node(workers, JmsJobQueueOptions.DEFAULTS.receiveTimeout());
    }

    private JmsJobQueue node(ConnectionFactory workers, Duration receiveTimeout) {
        return node(workers, JmsJobQueueOptions.newBuilder().receiveTimeout(receiveTimeout));
    }

    private JmsJobQueue node(ConnectionFactory workers, JmsJobQueueOptions.Builder options) {
        TestThreads threads = new TestThreads("resized-worker");
        ThreadFactory recorded = task -> {
            Thread thread = threads.newThread(task);
            made.add(thread);
            return thread;
        };
        JmsJobQueue node = new JmsJobQueue(factory, workers, recorded, Clock.systemUTC(),
                options.shutdownGrace(Duration.ofSeconds(2)).build());
        nodes.add(node);
        return node;
    }

    private JobRequest job(String id) {
        return job(queue, id);
    }

    private static JobRequest job(String queueName, String id) {
        return JobRequest.of(queueName, id, "work", "{}");
    }

    /** An {@link Error} a failure handler throws: nothing in an attempt catches it. */
    private static final class WorkerKiller extends Error {
        private static final long serialVersionUID = 1L;

        WorkerKiller() {
            super("thrown by the failure handler");
        }
    }

    /**
     * Fails the jobs whose id starts with {@code fails}, and throws a {@link WorkerKiller} from the first
     * failure report; holds the others until the latch opens.
     */
    private static final class Dying implements JobHandler {
        final AtomicInteger holding = new AtomicInteger();
        private final AtomicBoolean killed = new AtomicBoolean();
        private final CountDownLatch hold;

        Dying(CountDownLatch hold) {
            this.hold = hold;
        }

        @Override
        public void handle(JobExecution job) throws InterruptedException {
            if (job.jobId().startsWith("fails")) {
                throw new IllegalStateException("fails");
            }
            holding.incrementAndGet();
            try {
                hold.await(30, TimeUnit.SECONDS);
            } finally {
                holding.decrementAndGet();
            }
        }

        @Override
        public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
            if (killed.compareAndSet(false, true)) {
                throw new WorkerKiller();
            }
        }
    }

    /**
     * A factory whose consumers run a hook as a worker gathers more messages for its open commit (a
     * receive of a few milliseconds), and then wait long enough for the message the broker holds.
     */
    private static final class GatheringHook {
        private static final long GATHERING_MILLIS = 100;
        private static final long GATHERING_WAIT_MILLIS = 10_000;

        static ConnectionFactory of(ConnectionFactory broker, Runnable hook) {
            return proxy(ConnectionFactory.class, broker, "createConnection",
                    connection -> proxy(Connection.class, connection, "createSession",
                            session -> proxy(Session.class, session, "createConsumer",
                                    consumer -> gathering((MessageConsumer) consumer, hook))));
        }

        private static MessageConsumer gathering(MessageConsumer consumer, Runnable hook) {
            return (MessageConsumer) Proxy.newProxyInstance(GatheringHook.class.getClassLoader(),
                    new Class<?>[] {MessageConsumer.class}, (proxy, method, args) -> {
                        if (method.getName().equals("receive") && args != null && args.length == 1
                                && (long) args[0] < GATHERING_MILLIS) {
                            hook.run();
                            return consumer.receive(GATHERING_WAIT_MILLIS);
                        }
                        return BoundedConnectionPool.invoke(method, consumer, args);
                    });
        }

        /** Wraps {@code target}, passing what its method {@code name} returns through {@code wrap}. */
        private static <T> T proxy(Class<T> type, Object target, String name, Function<Object, Object> wrap) {
            return type.cast(Proxy.newProxyInstance(GatheringHook.class.getClassLoader(), new Class<?>[] {type},
                    (proxy, method, args) -> {
                        Object result = BoundedConnectionPool.invoke(method, target, args);
                        return method.getName().equals(name) ? wrap.apply(result) : result;
                    }));
        }
    }

    /** A factory whose consumers run a hook as a worker starts waiting for its next job (not as it gathers). */
    private static final class ReceivingHook {
        static ConnectionFactory of(ConnectionFactory broker, Runnable hook) {
            return GatheringHook.proxy(ConnectionFactory.class, broker, "createConnection",
                    connection -> GatheringHook.proxy(Connection.class, connection, "createSession",
                            session -> GatheringHook.proxy(Session.class, session, "createConsumer",
                                    consumer -> receiving((MessageConsumer) consumer, hook))));
        }

        private static MessageConsumer receiving(MessageConsumer consumer, Runnable hook) {
            return (MessageConsumer) Proxy.newProxyInstance(ReceivingHook.class.getClassLoader(),
                    new Class<?>[] {MessageConsumer.class}, (proxy, method, args) -> {
                        if (method.getName().equals("receive") && args != null && args.length == 1
                                && (long) args[0] >= GatheringHook.GATHERING_MILLIS) {
                            hook.run();
                        }
                        return BoundedConnectionPool.invoke(method, consumer, args);
                    });
        }
    }

    /** Waits in each attempt for the latch its job is given; records starts, completions and attempts at once. */
    private static final class Handler implements JobHandler {
        final List<String> started = new CopyOnWriteArrayList<>();
        final List<String> completed = new CopyOnWriteArrayList<>();
        final List<String> redelivered = new CopyOnWriteArrayList<>();
        final List<String> failed = new CopyOnWriteArrayList<>();
        final AtomicInteger running = new AtomicInteger();
        /** The most attempts running at once as a job enqueued after the shrink ({@code later-…}) started. */
        final AtomicInteger mostSinceShrink = new AtomicInteger();
        private final Function<JobExecution, CountDownLatch> latchOf;

        Handler(Function<JobExecution, CountDownLatch> latchOf) {
            this.latchOf = latchOf;
        }

        @Override
        public void handle(JobExecution job) throws InterruptedException {
            started.add(job.jobId());
            if (job.redelivered()) {
                redelivered.add(job.jobId());
            }
            int now = running.incrementAndGet();
            if (job.jobId().startsWith("later")) {
                mostSinceShrink.accumulateAndGet(now, Math::max);
            }
            try {
                latchOf.apply(job).await(30, TimeUnit.SECONDS);
            } finally {
                running.decrementAndGet();
            }
            completed.add(job.jobId());
        }

        @Override
        public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
            failed.add(job.jobId());
        }
    }
}
