package io.nvent.jms;

import io.nvent.testkit.TestThreads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.BackoffType;
import io.nvent.RetryPolicy;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The queue against an Artemis broker in another process that is crashed and restarted while
 * jobs are enqueued and executed.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class JmsBrokerRestartTest {

    private static final int JOBS = 300;
    private static final String QUEUE = "restart";

    private BrokerProcess broker;
    private ActiveMQConnectionFactory factory;
    private JmsJobQueue queue;

    @AfterEach
    void stop() throws Exception {
        if (queue != null) {
            queue.close();
        }
        if (factory != null) {
            factory.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void a_broker_crash_loses_no_job_and_completes_none_twice() throws Exception {
        int port = BrokerProcess.freePort();
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target", "artemis")), "restart");
        broker = BrokerProcess.start(port, data);
        // No reconnect inside the client: a call during an outage fails at once instead of blocking,
        // and the queue itself reopens its sessions. Timeouts bound any call that does hang.
        factory = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port + "?consumerWindowSize=0"
                + "&reconnectAttempts=0&initialConnectAttempts=1&callTimeout=5000&callFailoverTimeout=5000"
                + "&clientFailureCheckPeriod=1000&connectionTTL=5000");
        queue = new JmsJobQueue(factory, new TestThreads("restart-worker"), Clock.systemUTC(),
                JmsJobQueueOptions.newBuilder().shutdownGrace(Duration.ofSeconds(2)).build());

        Map<String, Integer> starts = new ConcurrentHashMap<>();
        Map<String, Integer> completions = new ConcurrentHashMap<>();
        queue.registerWorker(QUEUE, 4, new JobHandler() {
            @Override
            public void handle(JobExecution job) throws Exception {
                starts.merge(job.jobId(), 1, Integer::sum);
                Thread.sleep(20);
                if (job.jobId().endsWith("0") && job.attempt() == 1) {
                    throw new IllegalStateException("every tenth job fails its first attempt");
                }
                completions.merge(job.jobId(), 1, Integer::sum);
            }

            @Override
            public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> nextAttemptAt) {
                // retries are the queue's business; the counts above are what this test checks
            }
        });

        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicInteger refusals = new AtomicInteger();
        Thread producer = new Thread(() -> {
            for (int i = 0; i < JOBS; i++) {
                JobRequest job = job("job-" + i);
                // A refused enqueue is repeated with the same id, as a caller would; whether the
                // broker got the refused one is unknown, and the id deduplication must cope.
                while (!accepted.contains(job.jobId())) {
                    try {
                        queue.enqueue(job);
                        accepted.add(job.jobId());
                    } catch (JmsQueueException e) {
                        refusals.incrementAndGet();
                        sleepQuietly(200);
                    }
                }
                sleepQuietly(10); // spread the enqueues over the crash
            }
        }, "restart-producer");
        producer.start();

        await().atMost(Duration.ofSeconds(60)).until(() -> completions.size() >= JOBS / 5);
        broker.kill();

        long before = System.nanoTime();
        assertThatThrownBy(() -> queue.enqueue(job("during-outage")))
                .as("an enqueue while the broker is down fails instead of vanishing")
                .isInstanceOf(JmsQueueException.class);
        Duration refusedAfter = Duration.ofNanos(System.nanoTime() - before);
        assertThat(refusedAfter).isLessThan(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(queue.problem())
                .as("what readiness probes are told").hasValueSatisfying(problem -> assertThat(problem)
                        .startsWith("workers of queue " + QUEUE + " cannot reach the broker since ")));

        broker = BrokerProcess.start(port, data);
        // Right after the outage enqueues may still fail at once (NVENT-0652) until one connect got through.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(JmsQueueException.class).until(() -> {
            queue.enqueue(job("during-outage"));
            return true;
        });
        accepted.add("during-outage");
        producer.join(TimeUnit.SECONDS.toMillis(90));

        await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                assertThat(completions.keySet()).containsExactlyInAnyOrderElementsOf(accepted));
        assertThat(queue.problem()).as("once the workers are back").isEmpty();
        assertThat(accepted).hasSize(JOBS + 1);
        assertThat(completions).as("completions per job").allSatisfy((id, count) -> assertThat(count).isOne());
        assertThat(starts).as("attempts per job").allSatisfy((id, count) ->
                assertThat(count).isLessThanOrEqualTo(id.endsWith("0") ? 3 : 2));
        System.getLogger(getClass().getName()).log(System.Logger.Level.INFO, "restart test: " + refusals.get()
                + " enqueues refused during the outage (one after " + refusedAfter.toMillis() + " ms), "
                + starts.values().stream().mapToInt(Integer::intValue).sum() + " attempts for " + accepted.size()
                + " jobs");
    }

    private static JobRequest job(String id) {
        return JobRequest.of(QUEUE, id, "restart-step", "{}").withTimeout(Duration.ofSeconds(10))
                .withRetry(RetryPolicy.newBuilder().maxAttempts(3).backoff(BackoffType.FIXED)
                        .initialDelay(Duration.ofMillis(200)).build());
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
