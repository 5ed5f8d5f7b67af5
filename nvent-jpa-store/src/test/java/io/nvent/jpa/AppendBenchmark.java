package io.nvent.jpa;

import com.zaxxer.hikari.HikariDataSource;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunRecord;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.LogManager;

/**
 * Measures how many history entries per second {@link JpaFlowStore#appendEvents} stores on
 * PostgreSQL, with 16 threads, for several batch sizes, each thread on its own run and all threads
 * on one shared run (where the run's row lock serialises them).
 *
 * <pre>
 * mvn -f nvent-jpa-store/pom.xml -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=io.nvent.jpa.AppendBenchmark
 * </pre>
 *
 * <p>Uses an embedded PostgreSQL with default (durable) settings, or the server named by
 * {@code NVENT_BENCH_JDBC_URL} ({@code NVENT_BENCH_JDBC_USER}, {@code NVENT_BENCH_JDBC_PASSWORD}),
 * e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres}. System properties:
 * {@code bench.threads} (16), {@code bench.batches} ({@code 1,10,100}), {@code bench.seconds} (8),
 * {@code bench.warmup} (seconds of warm-up per case before anything is measured, 3),
 * {@code bench.rounds} (2; the best round is reported, since other load on the machine only ever
 * makes a round slower), {@code bench.durable} (embedded server with {@code fsync} and
 * {@code synchronous_commit} on, as in production; {@code true}).
 */
public final class AppendBenchmark {

    private static final String DATA = "{\"message\":\"charged card ending 4242\",\"amount\":129.95,\"tags\":[\"pay\",\"eu\"]}";

    private AppendBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        // The benchmark prints its own figures; keep library chatter out of them.
        try (InputStream logging = AppendBenchmark.class.getResourceAsStream("/logging.properties")) {
            LogManager.getLogManager().readConfiguration(logging);
        }
        int threads = Integer.getInteger("bench.threads", 16);
        int seconds = Integer.getInteger("bench.seconds", 8);
        int warmup = Integer.getInteger("bench.warmup", 3);
        int rounds = Integer.getInteger("bench.rounds", 2);
        int[] batches = Arrays.stream(System.getProperty("bench.batches", "1,10,100").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim())).toArray();

        EmbeddedPostgres embedded = null;
        String url = System.getenv("NVENT_BENCH_JDBC_URL");
        String user = Optional.ofNullable(System.getenv("NVENT_BENCH_JDBC_USER")).orElse("postgres");
        String password = Optional.ofNullable(System.getenv("NVENT_BENCH_JDBC_PASSWORD")).orElse("postgres");
        if (url == null || url.isBlank()) {
            // zonky turns fsync and synchronous_commit off by default; production runs with them on.
            String durable = Boolean.parseBoolean(System.getProperty("bench.durable", "true")) ? "on" : "off";
            embedded = EmbeddedPostgres.builder().setServerConfig("max_connections", "100")
                    .setServerConfig("fsync", durable).setServerConfig("synchronous_commit", durable).start();
            url = embedded.getJdbcUrl("postgres", "postgres");
        }
        // reWriteBatchedInserts turns a JDBC batch into multi-row INSERTs: fewer round trips.
        String pooledUrl = url + (url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
        try (HikariDataSource dataSource = TestDatabases.pool(pooledUrl, user, password, threads + 2);
             JpaFlowStore store = JpaFlowStore.create(dataSource, JpaStoreOptions.newBuilder().tablePrefix("bench_").build())) {
            System.out.printf(Locale.ROOT, "%nnvent JPA store append benchmark: %s, %d threads, best of %d x %d s per case,"
                    + " %d CPUs, load average %.1f%n", describe(dataSource), threads, rounds, seconds,
                    Runtime.getRuntime().availableProcessors(), loadAverage());
            // Warm-up: JIT compilation and Hibernate's query plan cache, so that the first case is not penalised.
            for (int batch : batches) {
                run(store, threads, batch, false, 0, warmup);
                run(store, threads, batch, true, 0, warmup);
            }
            System.out.printf(Locale.ROOT, "%-6s %-12s %12s %10s %9s %9s%n", "batch", "runs", "events/s", "calls/s",
                    "p50 ms", "p99 ms");
            for (int batch : batches) {
                for (boolean shared : new boolean[] {false, true}) {
                    Result best = null;
                    for (int round = 0; round < rounds; round++) {
                        Result result = run(store, threads, batch, shared, 1, seconds);
                        if (best == null || result.eventsPerSecond() > best.eventsPerSecond()) {
                            best = result;
                        }
                    }
                    System.out.printf(Locale.ROOT, "%-6d %-12s %12.0f %10.0f %9.2f %9.2f%n", batch,
                            shared ? "1 shared" : threads + " own", best.eventsPerSecond(), best.callsPerSecond(),
                            best.p50Millis(), best.p99Millis());
                }
            }
            System.out.printf(Locale.ROOT, "load average at the end: %.1f%n", loadAverage());
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private record Result(double eventsPerSecond, double callsPerSecond, double p50Millis, double p99Millis) {
    }

    private static Result run(JpaFlowStore store, int threads, int batch, boolean shared, int warmup, int seconds)
            throws Exception {
        List<String> runs = new ArrayList<>();
        for (int t = 0; t < (shared ? 1 : threads); t++) {
            RunRecord run = RunRecord.started("bench-" + System.nanoTime() + "-" + t, "bench", "{}", Optional.empty(),
                    Instant.now());
            store.createRun(run, List.of());
            runs.add(run.runId());
        }
        List<EventDraft> drafts = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            drafts.add(EventDraft.ofStep(EventType.LOG, "charge", 1, Instant.now(), DATA));
        }
        AtomicBoolean measuring = new AtomicBoolean(false);
        AtomicBoolean stop = new AtomicBoolean(false);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<long[]>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String runId = runs.get(shared ? 0 : t);
            futures.add(pool.submit(() -> {
                start.await();
                long[] latencies = new long[1 << 20];
                int calls = 0;
                while (!stop.get()) {
                    long began = System.nanoTime();
                    store.appendEvents(runId, drafts);
                    if (measuring.get() && calls < latencies.length) {
                        latencies[calls++] = System.nanoTime() - began;
                    }
                }
                return Arrays.copyOf(latencies, calls);
            }));
        }
        start.countDown();
        Thread.sleep(Duration.ofSeconds(warmup).toMillis());
        measuring.set(true);
        long began = System.nanoTime();
        Thread.sleep(Duration.ofSeconds(seconds).toMillis());
        measuring.set(false);
        double elapsed = (System.nanoTime() - began) / 1e9;
        stop.set(true);
        List<Long> all = new ArrayList<>();
        for (Future<long[]> future : futures) {
            for (long latency : future.get()) {
                all.add(latency);
            }
        }
        pool.shutdown();
        if (shared) {
            // Sanity check: the shared run's history is still gapless after the hammering.
            List<HistoryEvent> newest = store.readEvents(runs.get(0), new EventQuery(java.util.Set.of(), 0, 1, true));
            long last = newest.isEmpty() ? 0 : newest.get(0).seq();
            long count = store.readEvents(runs.get(0), EventQuery.after(Math.max(0, last - 1000))).size();
            if (count != Math.min(last, 1000)) {
                throw new IllegalStateException("history of the shared run has gaps");
            }
        }
        all.sort(null);
        double calls = all.size();
        return new Result(calls * batch / elapsed, calls / elapsed, percentile(all, 0.50), percentile(all, 0.99));
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size()))) / 1e6;
    }

    private static String describe(HikariDataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select version(), current_setting('fsync'), current_setting('synchronous_commit')")) {
            rs.next();
            return rs.getString(1).replaceAll(" on .*", "") + " (fsync=" + rs.getString(2) + ", synchronous_commit="
                    + rs.getString(3) + ")";
        } catch (SQLException e) {
            return "unknown server";
        }
    }

}
