package io.nvent.bench;

import io.nvent.EventQuery;
import io.nvent.FlowStep;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRequest;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/** The three workloads of WORKLOADS.md, exactly as defined there. */
final class Workloads {

    static final int CONCURRENCY = 16;
    static final int PRODUCERS = 16;
    static final String PAD = "x".repeat(64);
    private static final Duration POLL = Duration.ofMillis(10);
    /** Cached: the static {@code jakarta.json.Json} factory looks its provider up on every call. */
    private static final jakarta.json.spi.JsonProvider JSON = jakarta.json.spi.JsonProvider.provider();

    private Workloads() {
    }

    // ---------------------------------------------------------------- W1: queue throughput

    static Result w1(Profile profile, int n) throws Exception {
        JobQueue queue = profile.queue();
        String name = "w1";
        AtomicLong lastHandlerEnd = new AtomicLong();
        CountDownLatch handled = new CountDownLatch(n);
        try {
            queue.pause(name);
            queue.registerWorker(name, CONCURRENCY, handler(job -> {
                latest(lastHandlerEnd, System.nanoTime());
                handled.countDown();
            }));

            w1Job(name, -1); // links the call site (start-up, not timed)
            long firstEnqueue;
            long enqueued;
            try (TimedPartProfiler profiling = TimedPartProfiler.start("enqueue")) {
                firstEnqueue = produce(n, i -> queue.enqueue(w1Job(name, i)));
                enqueued = System.nanoTime();
            }
            long confirmed;
            try (TimedPartProfiler profiling = TimedPartProfiler.start("process")) {
                queue.resume(name);
                confirmed = waitUntil(handled, () -> queue.counts(name).completed(), n);
            }

            double enqueueMs = millis(enqueued - firstEnqueue);
            double processMs = millis(confirmed - enqueued);
            double totalMs = millis(confirmed - firstEnqueue);
            return new Result("W1", profile.name()).num("n", n).num("concurrency", CONCURRENCY)
                    .num("producers", PRODUCERS)
                    .num("enqueue_ms", enqueueMs).num("enqueue_per_s", n / (enqueueMs / 1000))
                    .num("process_ms", processMs).num("process_per_s", n / (processMs / 1000))
                    .num("total_ms", totalMs).num("e2e_per_s", n / (totalMs / 1000))
                    .num("store_confirm_lag_ms", millis(confirmed - lastHandlerEnd.get()));
        } finally {
            queue.close();
        }
    }

    private static JobRequest w1Job(String queue, int i) {
        return JobRequest.of(queue, "w1-" + i, "noop", "{\"i\":" + i + ",\"pad\":\"" + PAD + "\"}");
    }

    // ---------------------------------------------------------------- W2: 3-step chain

    /** Timings the chain's steps record, shared by the step instances of one run of the workload. */
    static final class ChainTimings {
        final Map<String, long[]> handoffs = new ConcurrentHashMap<>();
        final Map<String, Long> runLatency = new ConcurrentHashMap<>();
        final LongAccumulator lastStepEnd = new LongAccumulator(Math::max, 0);
        /** Counts the runs whose last step has returned. */
        final CountDownLatch finishedRuns;

        ChainTimings(int runs) {
            finishedRuns = new CountDownLatch(runs);
        }

        /** Handoff {@code index} of a run: from the previous step's {@code tPrev} to {@code started}. */
        void handoff(String runId, int index, long started, JsonObject previous) {
            handoffs.computeIfAbsent(runId, id -> new long[2])[index] =
                    started - previous.getJsonNumber("tPrev").longValue();
        }
    }

    @FlowStep(flow = "w2", name = "step1", role = StepRole.ENTRY, emits = "step1.done")
    static final class Step1 implements Step<JsonObject, Void> {
        @Override
        public Void execute(JsonObject input, StepContext ctx) {
            long tRun0 = input.getJsonNumber("tRun0").longValue();
            long tPrev = System.nanoTime();
            ctx.emit("step1.done", Map.of("tRun0", tRun0, "tPrev", tPrev));
            return null;
        }
    }

    @FlowStep(flow = "w2", name = "step2", subscribes = "step1.done", emits = "step2.done")
    static final class Step2 implements Step<JsonObject, Void> {
        private final ChainTimings timings;

        Step2(ChainTimings timings) {
            this.timings = timings;
        }

        @Override
        public Void execute(JsonObject input, StepContext ctx) {
            long started = System.nanoTime();
            JsonObject previous = input.getJsonObject("step1.done");
            timings.handoff(ctx.runId(), 0, started, previous);
            long tPrev = System.nanoTime();
            ctx.emit("step2.done", Map.of("tRun0", previous.getJsonNumber("tRun0").longValue(), "tPrev", tPrev));
            return null;
        }
    }

    @FlowStep(flow = "w2", name = "step3", subscribes = "step2.done")
    static final class Step3 implements Step<JsonObject, Void> {
        private final ChainTimings timings;

        Step3(ChainTimings timings) {
            this.timings = timings;
        }

        @Override
        public Void execute(JsonObject input, StepContext ctx) {
            long started = System.nanoTime();
            JsonObject previous = input.getJsonObject("step2.done");
            timings.handoff(ctx.runId(), 1, started, previous);
            long end = System.nanoTime();
            timings.lastStepEnd.accumulate(end);
            if (timings.runLatency.put(ctx.runId(), end - previous.getJsonNumber("tRun0").longValue()) == null) {
                timings.finishedRuns.countDown();
            }
            return null;
        }
    }

    static Result w2(Profile profile, int runs) throws Exception {
        ChainTimings timings = new ChainTimings(runs);
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder()
                .store(profile.store()).schedulingStore(profile.scheduling()).queue(profile.queue())
                .concurrency(CONCURRENCY)
                .startWriteDelay(Duration.ofMillis(200))
                // false: every step through the queue, as before session 11 (for comparisons)
                .continueInWorker(Boolean.parseBoolean(System.getProperty("nvent.bench.continue-in-worker", "true")))
                .step(new Step1()).step(new Step2(timings)).step(new Step3(timings))
                .build()) {
            long t0;
            long started;
            long confirmed;
            CpuMeter cpu;
            try (TimedPartProfiler profiling = TimedPartProfiler.start("runs")) {
                cpu = CpuMeter.start(profile.postmasterPid());
                t0 = System.nanoTime();
                produce(runs, i -> engine.flows().startWithJson("w2",
                        "{\"i\":" + i + ",\"pad\":\"" + PAD + "\",\"tRun0\":" + System.nanoTime() + "}"));
                started = System.nanoTime();
                confirmed = waitUntil(timings.finishedRuns, () -> engine.flows().stats("w2").completed(), runs);
            }

            double[] handoffs = timings.handoffs.values().stream()
                    .flatMapToLong(pair -> java.util.stream.LongStream.of(pair)).filter(v -> v > 0)
                    .mapToDouble(Workloads::millis).toArray();
            double[] latencies = timings.runLatency.values().stream().mapToDouble(Workloads::millis).toArray();
            double totalMs = millis(confirmed - t0);
            Result result = new Result("W2", profile.name()).num("runs", runs).num("steps", 3)
                    .num("concurrency", CONCURRENCY).num("total_ms", totalMs)
                    .num("runs_per_s", runs / (totalMs / 1000)).num("start_enqueue_ms", millis(started - t0))
                    .stats("handoff_ms", Stats.of(handoffs)).stats("run_ms", Stats.of(latencies))
                    .num("store_confirm_lag_ms", millis(confirmed - timings.lastStepEnd.get()));
            return cpu.addTo(result);
        }
    }

    // ---------------------------------------------------------------- W3: delayed jobs

    static Result w3(Profile profile, int n, Duration delay) throws Exception {
        JobQueue queue = profile.queue();
        String name = "w3";
        Map<Integer, Double> lateness = new ConcurrentHashMap<>();
        AtomicLong lastHandlerEnd = new AtomicLong();
        CountDownLatch handled = new CountDownLatch(n);
        try {
            queue.registerWorker(name, CONCURRENCY, handler(job -> {
                long startedWallMs = System.currentTimeMillis();
                JsonObject payload = parse(job.payload());
                lateness.put(payload.getInt("i"), (double) (startedWallMs - payload.getJsonNumber("due").longValue()));
                latest(lastHandlerEnd, System.nanoTime());
                handled.countDown();
            }));
            // Start-up, not timed: links the call site and loads the JSON parser, so that neither delays the first jobs.
            parse(w3Job(name, -1, 0, delay).payload());
            long firstEnqueue = produce(n, i -> queue.enqueue(w3Job(name, i, System.currentTimeMillis() + delay.toMillis(),
                    delay)));
            long scheduled = System.nanoTime();
            long confirmed = waitUntil(handled, () -> queue.counts(name).completed(), n);
            double[] values = lateness.values().stream().mapToDouble(Double::doubleValue).toArray();
            long early = lateness.values().stream().filter(v -> v < 0).count();
            return new Result("W3", profile.name()).num("n", n).num("delay_ms", delay.toMillis())
                    .num("concurrency", CONCURRENCY).num("schedule_ms", millis(scheduled - firstEnqueue))
                    .num("total_ms", millis(confirmed - firstEnqueue)).stats("lateness_ms", Stats.of(values))
                    .num("early_jobs", early)
                    .num("store_confirm_lag_ms", millis(confirmed - lastHandlerEnd.get()));
        } finally {
            queue.close();
        }
    }

    private static JobRequest w3Job(String queue, int i, long due, Duration delay) {
        return JobRequest.of(queue, "w3-" + i, "delayed", "{\"i\":" + i + ",\"due\":" + due + ",\"pad\":\"" + PAD + "\"}")
                .withDelay(delay);
    }

    private static JsonObject parse(String json) {
        return JSON.createReader(new StringReader(json)).readObject();
    }

    // ---------------------------------------------------------------- helpers

    interface Work {
        void run(JobExecution job) throws Exception;
    }

    private static JobHandler handler(Work work) {
        return new JobHandler() {
            @Override
            public void handle(JobExecution job) throws Exception {
                work.run(job);
            }

            @Override
            public void onAttemptFailed(JobExecution job, Throwable error, Optional<Instant> next) {
                System.err.println("job " + job.jobId() + " failed: " + error);
            }
        };
    }

    /**
     * Runs {@code n} calls spread over {@link #PRODUCERS} threads and waits for all of them. The
     * threads are started first (start-up, not timed); returns the time they were let go.
     */
    static long produce(int n, IntConsumer call) throws Exception {
        ExecutorService producers = Executors.newFixedThreadPool(PRODUCERS);
        try {
            CountDownLatch go = new CountDownLatch(1);
            Future<?>[] done = new Future<?>[PRODUCERS];
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                done[p] = producers.submit(() -> {
                    go.await();
                    for (int i = producer; i < n; i += PRODUCERS) {
                        call.accept(i);
                    }
                    return null;
                });
            }
            long started = System.nanoTime();
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            return started;
        } finally {
            producers.shutdown();
        }
    }

    /** Raises {@code latest} to {@code nanos} if that is later (cheaper than a LongAccumulator until JIT-compiled). */
    static void latest(AtomicLong latest, long nanos) {
        long seen = latest.get();
        while (seen < nanos && !latest.compareAndSet(seen, nanos)) {
            seen = latest.get();
        }
    }

    /**
     * Waits until the handlers have returned, then polls the store every 10 ms until it reports
     * {@code target}; returns the time it did. WORKLOADS.md starts the polling after the last
     * handler returned: polling during the run would spend the CPU the run needs on queries.
     */
    static long waitUntil(CountDownLatch handlersReturned, LongSupplier reported, long target)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        if (!handlersReturned.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException("gave up: " + handlersReturned.getCount() + " of " + target
                    + " handlers have not returned; store reports " + reported.getAsLong());
        }
        while (reported.getAsLong() < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gave up: store reports " + reported.getAsLong() + " of " + target);
            }
            Thread.sleep(POLL.toMillis());
        }
        return System.nanoTime();
    }

    static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }

    static double millis(Long nanos) {
        return nanos / 1_000_000.0;
    }
}
