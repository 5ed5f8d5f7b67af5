package io.nvent.postgres;

import io.nvent.testkit.TestThreads;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobRequest;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Workload W1 of {@code shared/bench/WORKLOADS.md} on the PostgreSQL queue: 16 producers enqueue
 * N no-op jobs (single-job API) while the queue is paused, then the queue resumes with concurrency
 * 16; completion is confirmed by polling the queue's counts every 10 ms after the last handler
 * returned. Before the timed run, an untimed warm-up (default 40,000 jobs on another queue, then
 * the tables are wiped) lets the JIT compile the hot paths, as in a server that has been running;
 * {@code -Dbenchmark.warmup=0} measures a cold JVM. Drops and recreates the tables
 * {@code bench_q_*} of the target database. Prints the CPU used per phase by the JVM and by the
 * PostgreSQL server processes (when on this machine), then the JSON line of WORKLOADS.md last.
 *
 * <pre>
 * # embedded PostgreSQL 14 (zonky), durable settings (fsync and synchronous_commit on):
 * mvn -f nvent-postgres/pom.xml -o test-compile exec:exec
 * # the local PostgreSQL 15 (pg_ctlcluster --skip-systemctl-redirect 15 main start; a password for TCP):
 * mvn -f nvent-postgres/pom.xml -o test-compile exec:exec -Dbenchmark.jdbc.url=jdbc:postgresql://127.0.0.1:5432/postgres \
 *     -Dbenchmark.jdbc.user=postgres -Dbenchmark.jdbc.password=postgres
 * # options: -Dbenchmark.jobs=N -Dbenchmark.threads=N -Dbenchmark.warmup=N -Dbenchmark.durableClaims=true
 * #          -Dbenchmark.batchEnqueue=false
 * </pre>
 */
public final class QueueThroughputBenchmark {

    private static final String QUEUE = "w1";
    private static final String PREFIX = "bench_q_";

    private QueueThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int jobs = Integer.getInteger("benchmark.jobs", 20_000);
        int threads = Integer.getInteger("benchmark.threads", 16);
        String url = System.getProperty("benchmark.jdbc.url", "embedded");
        boolean durableClaims = Boolean.getBoolean("benchmark.durableClaims");
        boolean batchEnqueue = !"false".equals(System.getProperty("benchmark.batchEnqueue"));
        int warmup = Integer.getInteger("benchmark.warmup", 40_000);
        Optional<EmbeddedPostgres> embedded = Optional.empty();
        String database;
        if ("embedded".equals(url)) {
            Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "benchmark-pg")), "data");
            // Durable settings: fsync and synchronous_commit stay on (the defaults).
            embedded = Optional.of(EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(true)
                    .setServerConfig("max_connections", "100").setServerConfig("shared_buffers", "128MB").start());
            url = embedded.get().getJdbcUrl("postgres", "postgres");
            database = "embedded";
        } else {
            database = url;
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(System.getProperty("benchmark.jdbc.user", "postgres"));
        config.setPassword(System.getProperty("benchmark.jdbc.password", "postgres"));
        config.setMaximumPoolSize(threads + 8);
        config.setPoolName("benchmark");
        try (HikariDataSource dataSource = new HikariDataSource(config)) {
            String version = serverVersion(dataSource);
            execute(dataSource, "DROP TABLE IF EXISTS " + PREFIX + "job", "DROP TABLE IF EXISTS " + PREFIX + "queue",
                    "DROP TABLE IF EXISTS " + PREFIX + "count");
            PgJobQueue queue = new PgJobQueue(dataSource, new TestThreads("bench"), Clock.systemUTC(),
                    PgQueueOptions.newBuilder().tablePrefix(PREFIX).durableClaims(durableClaims)
                            .batchEnqueue(batchEnqueue).build());
            try {
                String experiment = System.getProperty("benchmark.experimentSql", "");
                if (!experiment.isBlank()) {
                    execute(dataSource, experiment.split(";"));
                }
                if (warmup > 0) {
                    // Not timed, like start-up: a server runs warm, so let the JIT compile the hot paths first.
                    run(queue, dataSource, "warmup", warmup, threads);
                    execute(dataSource, "TRUNCATE " + PREFIX + "job, " + PREFIX + "queue, " + PREFIX + "count", "VACUUM ANALYZE " + PREFIX + "job");
                    // Let the JIT finish what the warm-up queued for compilation.
                    Thread.sleep(Long.getLong("benchmark.settleMillis", 3000));
                }
                System.out.println("--- timed run starts");
                var threadsBefore = CpuMeter.threadTicks();
                long switchesBefore = CpuMeter.contextSwitches();
                Timing t = run(queue, dataSource, QUEUE, jobs, threads);
                var threadsAfter = CpuMeter.threadTicks();
                String handoff = handoffLatency(queue, Integer.getInteger("benchmark.latencySamples", 300));
                System.out.printf(Locale.ROOT, "context switches of long-lived jvm threads per job: %.1f%n",
                        (CpuMeter.contextSwitches() - switchesBefore) / (double) jobs);
                threadsAfter.forEach((thread, ticks) -> {
                    long used = ticks - threadsBefore.getOrDefault(thread, 0L);
                    if (used >= 5) {
                        System.out.printf(Locale.ROOT, "  jvm thread %-16s %6.2f s%n", thread, used / 100.0);
                    }
                });
                System.out.printf(Locale.ROOT, "counts after the run: %s, failed attempts: %d%n", queue.counts(QUEUE),
                        t.failures());
                System.out.printf(Locale.ROOT, "cpu seconds enqueue: jvm %.2f (system %.2f), postgres %.2f; "
                                + "process: jvm %.2f (system %.2f), postgres %.2f (%d postgres processes measured)%n",
                        t.afterEnqueue().jvmSeconds(), t.afterEnqueue().jvmSystemSeconds(), t.afterEnqueue().dbSeconds(),
                        t.afterProcess().jvmSeconds() - t.afterEnqueue().jvmSeconds(),
                        t.afterProcess().jvmSystemSeconds() - t.afterEnqueue().jvmSystemSeconds(),
                        t.afterProcess().dbSeconds() - t.afterEnqueue().dbSeconds(), t.processes());
                double enqueueMs = (t.enqueueEnd() - t.enqueueStart()) / 1e6;
                double processMs = (t.confirmed() - t.enqueueEnd()) / 1e6;
                double totalMs = (t.confirmed() - t.enqueueStart()) / 1e6;
                System.out.println("{\"system\":\"nvent\",\"version\":\"0.1.0-SNAPSHOT\",\"profile\":\"durable\""
                        + ",\"workload\":\"W1\",\"n\":" + jobs + ",\"concurrency\":" + threads + ",\"producers\":" + threads
                        + ",\"enqueue_ms\":" + fmt(enqueueMs) + ",\"enqueue_per_s\":" + fmt(jobs * 1000 / enqueueMs)
                        + ",\"process_ms\":" + fmt(processMs) + ",\"process_per_s\":" + fmt(jobs * 1000 / processMs)
                        + ",\"total_ms\":" + fmt(totalMs) + ",\"e2e_per_s\":" + fmt(jobs * 1000 / totalMs)
                        + ",\"store_confirm_lag_ms\":" + fmt((t.confirmed() - t.lastHandler()) / 1e6)
                        + ",\"host_cpus\":" + Runtime.getRuntime().availableProcessors()
                        + ",\"loadavg_1m\":" + loadAverage()
                        + ",\"java\":\"" + System.getProperty("java.version") + "\""
                        + ",\"ts\":\"" + Instant.now() + "\""
                        + ",\"queue\":\"postgres\",\"database\":\"" + database + "\",\"server\":\"" + version + "\""
                        + ",\"durable_claims\":" + durableClaims + ",\"batch_enqueue\":" + batchEnqueue
                        + ",\"warmup_jobs\":" + warmup + handoff + ",\"cpu_us_per_job\":{\"jvm\":"
                        + Math.round(t.afterProcess().jvmSeconds() * 1e6 / jobs) + ",\"postgres\":"
                        + Math.round(t.afterProcess().dbSeconds() * 1e6 / jobs) + "}}");
            } finally {
                queue.close();
            }
        } finally {
            if (embedded.isPresent()) {
                embedded.get().close();
            }
        }
    }

    /** Times of one W1 run (System.nanoTime) and the CPU used. */
    private record Timing(long enqueueStart, long enqueueEnd, long lastHandler, long confirmed,
                          CpuMeter.Sample afterEnqueue, CpuMeter.Sample afterProcess, int processes, int failures) {
    }

    private static Timing run(PgJobQueue queue, HikariDataSource dataSource, String name, int jobs, int threads)
            throws Exception {
        CountDownLatch allRan = new CountDownLatch(jobs);
        AtomicInteger failures = new AtomicInteger();
        queue.pause(name);
        queue.registerWorker(name, threads, new JobHandler() {
            @Override
            public void handle(JobExecution job) {
                allRan.countDown();
            }

            @Override
            public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> next) {
                failures.incrementAndGet();
            }
        });
        String pad = "x".repeat(64);
        CpuMeter cpu = new CpuMeter(dataSource);
        long enqueueStart = System.nanoTime();
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < threads; p++) {
            int producer = p;
            Thread thread = new Thread(() -> {
                for (int i = producer; i < jobs; i += threads) {
                    queue.enqueue(JobRequest.of(name, "job-" + i, "noop",
                            "{\"i\":" + i + ",\"pad\":\"" + pad + "\",\"t\":" + System.currentTimeMillis() + "}"));
                }
            }, "producer-" + p);
            producers.add(thread);
            thread.start();
        }
        for (Thread thread : producers) {
            thread.join();
        }
        long enqueueEnd = System.nanoTime();
        CpuMeter.Sample afterEnqueue = cpu.sample();

        queue.resume(name);
        if (!allRan.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("only " + (jobs - allRan.getCount()) + " of " + jobs + " jobs ran");
        }
        long lastHandler = System.nanoTime();
        // The store's confirmation, polled as WORKLOADS.md asks (every <= 20 ms).
        while (queue.counts(name).completed() < jobs) {
            Thread.sleep(10);
        }
        long confirmed = System.nanoTime();
        return new Timing(enqueueStart, enqueueEnd, lastHandler, confirmed, afterEnqueue, cpu.sample(),
                cpu.processes(), failures.get());
    }

    /**
     * Enqueue-to-start latency with idle workers (concurrency 16, as in W2): one job at a time, each
     * enqueued after the previous one started. Reports, in ms, the time from the enqueue call to
     * the handler's start, and from the enqueue's return (its commit) to the start: the wake-up
     * and claim alone.
     */
    private static String handoffLatency(PgJobQueue queue, int samples) throws InterruptedException {
        if (samples <= 0) {
            return "";
        }
        java.util.concurrent.ConcurrentHashMap<String, Long> startedAt = new java.util.concurrent.ConcurrentHashMap<>();
        queue.registerWorker("handoff", 16, new JobHandler() {
            @Override
            public void handle(JobExecution job) {
                startedAt.put(job.jobId(), System.nanoTime());
            }

            @Override
            public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> next) {
            }
        });
        double[] total = new double[samples];
        double[] afterCommit = new double[samples];
        for (int i = 0; i < samples; i++) {
            String id = "h-" + i;
            long called = System.nanoTime();
            queue.enqueue(JobRequest.of("handoff", id, "noop", "{}"));
            long returned = System.nanoTime();
            Long started;
            while ((started = startedAt.get(id)) == null) {
                Thread.onSpinWait();
            }
            total[i] = (started - called) / 1e6;
            afterCommit[i] = (started - returned) / 1e6;
            Thread.sleep(2);
        }
        java.util.Arrays.sort(total);
        java.util.Arrays.sort(afterCommit);
        System.out.printf(Locale.ROOT, "enqueue-to-start (ms, %d samples): p50 %.2f p95 %.2f p99 %.2f; "
                        + "commit-to-start p50 %.2f p95 %.2f p99 %.2f%n", samples, pct(total, 50), pct(total, 95),
                pct(total, 99), pct(afterCommit, 50), pct(afterCommit, 95), pct(afterCommit, 99));
        return ",\"enqueue_to_start_ms\":{\"p50\":" + fmt(pct(total, 50)) + ",\"p99\":" + fmt(pct(total, 99))
                + "},\"commit_to_start_ms\":{\"p50\":" + fmt(pct(afterCommit, 50)) + ",\"p99\":"
                + fmt(pct(afterCommit, 99)) + "}";
    }

    private static double pct(double[] sorted, int percentile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
    }

    private static String serverVersion(HikariDataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return connection.getMetaData().getDatabaseProductVersion();
        }
    }

    private static void execute(HikariDataSource dataSource, String... statements) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split("\\s+")[0];
        } catch (java.io.IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
