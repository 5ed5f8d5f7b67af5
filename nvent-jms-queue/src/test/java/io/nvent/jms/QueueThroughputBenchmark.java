package io.nvent.jms;

import io.nvent.testkit.TestThreads;

import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.core.remoting.impl.invm.InVMConnector;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * Throughput of the JMS job queue on an embedded, persistent Artemis broker (in-VM connector):
 * producers enqueue no-op jobs while the queue is paused, then the queue resumes with as many
 * workers as producers.
 *
 * <pre>
 * mvn -f nvent-jms-queue/pom.xml test-compile exec:java                       # 20000 jobs, 16 threads
 * mvn -f nvent-jms-queue/pom.xml test-compile exec:java -Dbenchmark.jobs=5000 -Dbenchmark.threads=8
 * mvn -f nvent-jms-queue/pom.xml test-compile exec:java -Dbenchmark.sync=false    # journal without fsync
 * </pre>
 */
public final class QueueThroughputBenchmark {

    private QueueThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of("target", "artemis")), "benchmark");
        String queueName = "benchmark";
        long started = System.nanoTime();
        AtomicInteger processed = new AtomicInteger();
        CountDownLatch allDone = new CountDownLatch(jobs);
        boolean sync = !"false".equals(System.getProperty("benchmark.sync"));
        try (EmbeddedBroker broker = EmbeddedBroker.start(data, "vm://0", sync);
             ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory("vm://0?consumerWindowSize=0")) {
            System.out.printf("broker started in %,d ms%n", Duration.ofNanos(System.nanoTime() - started).toMillis());
            JmsJobQueue queue = new JmsJobQueue(factory, new TestThreads("bench-worker"), Clock.systemUTC(),
                    JmsJobQueueOptions.DEFAULTS);
            try {
                queue.pause(queueName);
                queue.registerWorker(queueName, threads, new JobHandler() {
                    @Override
                    public void handle(JobExecution job) {
                        processed.incrementAndGet();
                        allDone.countDown();
                    }

                    @Override
                    public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> next) {
                        System.err.println("unexpected failure of " + job.jobId() + ": " + error);
                    }
                });

                long enqueueStart = System.nanoTime();
                List<Thread> producers = new ArrayList<>();
                for (int p = 0; p < threads; p++) {
                    int producer = p;
                    Thread thread = new Thread(() -> {
                        for (int i = producer; i < jobs; i += threads) {
                            queue.enqueue(JobRequest.of(queueName, "job-" + i, "noop", "{}"));
                        }
                    }, "bench-producer-" + p);
                    producers.add(thread);
                    thread.start();
                }
                for (Thread thread : producers) {
                    thread.join();
                }
                Duration enqueueTime = Duration.ofNanos(System.nanoTime() - enqueueStart);

                long processStart = System.nanoTime();
                queue.resume(queueName);
                if (!allDone.await(10, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("only " + processed.get() + " of " + jobs + " jobs ran");
                }
                Duration processTime = Duration.ofNanos(System.nanoTime() - processStart);

                System.out.printf("jobs=%d producers=%d workers=%d journal-sync=%s%n", jobs, threads, threads, sync);
                System.out.printf("enqueue: %,d ms, %,.0f jobs/s%n", enqueueTime.toMillis(), rate(jobs, enqueueTime));
                System.out.printf("process: %,d ms, %,.0f jobs/s%n", processTime.toMillis(), rate(jobs, processTime));
                System.out.printf("counts after the run: %s%n", queue.counts(queueName));
            } finally {
                long closeStart = System.nanoTime();
                queue.close();
                System.out.printf("queue closed in %,d ms%n", Duration.ofNanos(System.nanoTime() - closeStart).toMillis());
            }
        }
        // Artemis keeps idle pool threads for a minute; exec:java would wait for them.
        ActiveMQClient.clearThreadPools();
        InVMConnector.resetThreadPool();
        System.out.printf("broker stopped; %,d ms in all%n", Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    private static double rate(int jobs, Duration time) {
        return jobs * 1e9 / Math.max(1, time.toNanos());
    }
}
