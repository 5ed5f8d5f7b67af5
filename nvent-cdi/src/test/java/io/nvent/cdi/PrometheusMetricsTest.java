package io.nvent.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nvent.AwaitBefore;
import io.nvent.AwaitType;
import io.nvent.BackoffType;
import io.nvent.FlowStats;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.spi.JobQueue;
import io.nvent.spi.RateLimit;
import io.nvent.testkit.TestThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The metrics endpoint's text: what the engine did, and what store and queue hold, as Prometheus reads it. */
class PrometheusMetricsTest {

    static final AtomicInteger SHIP_CALLS = new AtomicInteger();

    @FlowStep(flow = "orders", name = "take", role = StepRole.ENTRY, emits = "taken")
    @Trigger(name = "order-now", type = TriggerType.MANUAL)
    public static class Take implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("taken", input);
            return null;
        }
    }

    @FlowStep(flow = "orders", name = "ship", subscribes = "taken", maxAttempts = 2, backoff = BackoffType.FIXED,
            backoffDelayMs = 10)
    public static class Ship implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            if (SHIP_CALLS.incrementAndGet() == 1) {
                throw new IllegalStateException("carrier away");
            }
            return null;
        }
    }

    @FlowStep(flow = "expense \"q\"", name = "pay", role = StepRole.ENTRY)
    @AwaitBefore(type = AwaitType.WEBHOOK)
    public static class Pay implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            return null;
        }
    }

    @Test
    void countsRunsStepsRetriesAndAwaitsAndShowsWhatStoreAndQueueHold() {
        SHIP_CALLS.set(0);
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Take()).step(new Ship()).step(new Pay())
                .rateLimit("orders", Optional.of(new RateLimit(600, Duration.ofMinutes(1)))).build()) {
            String first = engine.flows().start("orders", Map.of("n", 1));
            awaitStatus(engine, first, RunStatus.COMPLETED);
            List<String> fired = engine.triggers().fire("order-now", "{\"n\":2}");
            awaitStatus(engine, fired.get(0), RunStatus.COMPLETED);
            String waiting = engine.flows().start("expense \"q\"", Map.of());
            awaitStatus(engine, waiting, RunStatus.AWAITING);

            String text = engine.prometheusMetrics();

            assertThat(text).contains(
                    "# TYPE nvent_runs_started_total counter\n",
                    "nvent_runs_started_total{flow=\"orders\"} 2\n",
                    "nvent_runs_ended_total{flow=\"orders\",status=\"completed\"} 2\n",
                    "nvent_step_retries_total{flow=\"orders\",step=\"ship\"} 1\n",
                    "nvent_awaits_registered_total{flow=\"expense \\\"q\\\"\",type=\"webhook\"} 1\n",
                    "nvent_step_execution_seconds_count{flow=\"orders\",step=\"ship\"} 3\n",
                    "nvent_step_execution_seconds_bucket{flow=\"orders\",step=\"ship\",le=\"+Inf\"} 3\n",
                    "nvent_step_executions_failed_total{flow=\"orders\",step=\"ship\"} 1\n",
                    "nvent_runs{flow=\"orders\",status=\"completed\"} 2\n",
                    "nvent_runs{flow=\"expense \\\"q\\\"\",status=\"awaiting\"} 1\n",
                    "nvent_queue_paused{queue=\"orders\"} 0\n",
                    "nvent_queue_rate_limit_per_second{queue=\"orders\"} 10.0\n",
                    "nvent_trigger_fires_total{trigger=\"order-now\",type=\"manual\"} 1\n",
                    "nvent_health_live 1\n",
                    "nvent_scrape_errors{part=\"runs\"} 0\n");
            assertThat(text).doesNotContain("nvent_runs_ended_total{flow=\"expense");
            assertThat(text).doesNotContain("nvent_queue_rate_limit_per_second{queue=\"expense");
        }
    }

    @Test
    void liveInstancesAreCountedWhereTheStoreKeepsTheirRecordsAndLeftOutWhereItKeepsNone() {
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Take()).step(new Ship()).build()) {
            assertThat(engine.prometheusMetrics()).contains("nvent_instances{status=\"live\"} 1\n");
        }
        io.nvent.cdi.internal.memory.MemorySchedulingStore keepsNone =
                new io.nvent.cdi.internal.memory.MemorySchedulingStore() {
                    @Override
                    public boolean keepsInstances() {
                        return false;
                    }
                };
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Take()).step(new Ship())
                .schedulingStore(keepsNone).build()) {
            assertThat(engine.prometheusMetrics()).as("no 0 an alert on no live instance would fire on")
                    .doesNotContain("nvent_instances").contains("nvent_health_ready");
        }
    }

    @Test
    void everyLineIsACommentOrASampleAndEachFamilyIsDeclaredOnceBeforeItsSamples() {
        SHIP_CALLS.set(1);
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Take()).step(new Ship()).step(new Pay())
                .build()) {
            awaitStatus(engine, engine.flows().start("orders", Map.of()), RunStatus.COMPLETED);

            Pattern sample = Pattern.compile("[a-z_]+(\\{([a-z]+=\"([^\"\\\\\\n]|\\\\.)*\",?)+\\})? -?[0-9.E+-]+");
            java.util.Set<String> declared = new java.util.HashSet<>();
            String family = "";
            for (String line : engine.prometheusMetrics().split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    family = line.split(" ")[2];
                    assertThat(declared.add(family)).as("declared once: %s", family).isTrue();
                } else if (!line.startsWith("# HELP ")) {
                    assertThat(line).matches(sample);
                    assertThat(line).as("a sample of the family declared last").startsWith(family);
                }
            }
        }
    }

    @Test
    void runCountsTakenElsewhereAreServedAsTheyAreAndOnlyTheFlowsMissingFromThemAreCounted() {
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Take()).step(new Ship()).step(new Pay())
                .build()) {
            String waiting = engine.flows().start("expense \"q\"", Map.of());
            awaitStatus(engine, waiting, RunStatus.AWAITING);

            String text = engine.prometheusMetrics(Map.of("orders", FlowStats.empty("orders").plus(RunStatus.COMPLETED, 7)));

            assertThat(text).contains(
                    "nvent_runs{flow=\"orders\",status=\"completed\"} 7\n",
                    "nvent_runs{flow=\"expense \\\"q\\\"\",status=\"awaiting\"} 1\n");
        }
    }

    @Test
    void runCountsThatCannotBeHadLeaveOnlyTheRunsOutOfTheScrapeFlaggedAndTheHealthIsStillThere() {
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Take()).step(new Ship()).step(new Pay())
                .build()) {
            String text = engine.prometheusMetrics(() -> {
                throw new IllegalStateException("the store cannot be reached");
            });

            assertThat(text).doesNotContain("nvent_runs{")
                    .contains("nvent_scrape_errors{part=\"runs\"} 1\n", "nvent_scrape_errors{part=\"health\"} 0\n")
                    .contains("nvent_health_ready ");
        }
    }

    @Test
    void theOldestWaitingJobsAgeIsInSecondsAndZeroForAQueueWhereNoneWaits() {
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-03T10:00:00Z"));
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().clock(clock)
                .queue(new MemoryJobQueue(clock, new TestThreads("metrics"))).step(new Take()).step(new Pay()).build()) {
            engine.pauseQueue("orders");
            engine.flows().start("orders", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.queue().counts("orders").waiting() == 1);

            clock.advance(Duration.ofSeconds(90));

            assertThat(engine.prometheusMetrics()).contains(
                    "# TYPE nvent_queue_oldest_waiting_age_seconds gauge\n",
                    "nvent_queue_oldest_waiting_age_seconds{queue=\"orders\"} 90.0\n",
                    "nvent_queue_oldest_waiting_age_seconds{queue=\"expense \\\"q\\\"\"} 0.0\n",
                    "nvent_scrape_errors{part=\"queue_ages\"} 0\n");
        }
    }

    @Test
    void aQueueWhoseAdapterCannotTellTheAgeHasNoSampleAndOneThatFailsReadingItKeepsItsCounts() {
        JobQueue unknowing = new MemoryJobQueue(Clock.systemUTC(), new TestThreads("metrics")) {
            @Override
            public Optional<Instant> oldestWaitingSince(String queue) {
                return Optional.empty();
            }
        };
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().queue(unknowing).step(new Take()).step(new Pay())
                .build()) {
            engine.pauseQueue("orders");
            engine.flows().start("orders", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.queue().counts("orders").waiting() == 1);

            assertThat(engine.prometheusMetrics()).as("no age claimed for a queue with a job waiting")
                    .doesNotContain("nvent_queue_oldest_waiting_age_seconds{queue=\"orders\"}")
                    .contains("nvent_queue_oldest_waiting_age_seconds{queue=\"expense \\\"q\\\"\"} 0.0\n");
        }

        JobQueue failing = new MemoryJobQueue(Clock.systemUTC(), new TestThreads("metrics")) {
            @Override
            public Optional<Instant> oldestWaitingSince(String queue) {
                throw new IllegalStateException("database away");
            }
        };
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().queue(failing).step(new Take()).step(new Pay())
                .build()) {
            String text = engine.prometheusMetrics();

            assertThat(text).contains("nvent_queue_jobs{queue=\"orders\",state=\"waiting\"} 0\n",
                    "nvent_scrape_errors{part=\"queues\"} 0\n", "nvent_scrape_errors{part=\"queue_ages\"} 1\n");
            assertThat(text).doesNotContain("nvent_queue_oldest_waiting_age_seconds");
        }
    }

    private static void awaitStatus(EmbeddedEngine engine, String runId, RunStatus status) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> engine.flows().run(runId).orElseThrow().status() == status);
    }
}
