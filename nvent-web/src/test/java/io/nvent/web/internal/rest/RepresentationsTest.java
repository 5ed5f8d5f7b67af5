package io.nvent.web.internal.rest;

import io.nvent.AwaitSpec;
import io.nvent.AwaitType;
import io.nvent.BackoffType;
import io.nvent.FlowDefinition;
import io.nvent.FlowStats;
import io.nvent.RetryPolicy;
import io.nvent.RunStatus;
import io.nvent.StepDefinition;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.StepWait;
import io.nvent.TimeoutAction;
import io.nvent.cdi.VirtualClock;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobHandler;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import io.nvent.web.internal.stats.SharedCount.Counted;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The registry and the graph show a step's awaits, retry policy and priority, not only its events. */
class RepresentationsTest {

    private static final RetryPolicy RETRY = RetryPolicy.newBuilder().maxAttempts(3).backoff(BackoffType.FIXED)
            .initialDelay(Duration.ofMillis(500)).maxDelay(Duration.ofSeconds(10)).build();

    private static final RetryPolicy LISTED = RetryPolicy.newBuilder()
            .delays(Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(10)).jitter(0.2).build();

    private static AwaitSpec await(AwaitType type, Duration delay, String cron, String event, String filterKey,
                                   Duration timeout, TimeoutAction action, int retries) {
        return new AwaitSpec(type, delay, Optional.ofNullable(cron), ZoneId.of("Europe/Paris"), Optional.ofNullable(event),
                Optional.ofNullable(filterKey), Optional.ofNullable(timeout), action, retries);
    }

    private static StepDefinition step(String name, StepRole role, List<String> subscribes, List<String> emits,
                                       int priority, Optional<AwaitSpec> before, Optional<AwaitSpec> after) {
        return new StepDefinition(name, role, "expense", subscribes, emits,
                role == StepRole.ENTRY ? RetryPolicy.NO_RETRY : name.equals("report") ? LISTED : RETRY,
                Duration.ofMinutes(5), priority, "com.acme." + name, before, after,
                name.equals("report") ? List.of("java.lang.IllegalArgumentException") : List.of(), Optional.empty(),
                name.equals("report") ? Optional.of("com.acme.ReportRetries") : Optional.empty(),
                name.equals("report") ? Optional.of(Duration.ofMinutes(1)) : Optional.empty());
    }

    private static final FlowDefinition FLOW = new FlowDefinition("expense", List.of(
            step("submit", StepRole.ENTRY, List.of(), List.of("submitted"), 0, Optional.empty(),
                    Optional.of(await(AwaitType.TIME, Duration.ofMinutes(5), null, null, null, null, TimeoutAction.FAIL, 3))),
            step("pay", StepRole.STEP, List.of("submitted"), List.of("paid"), 7,
                    Optional.of(await(AwaitType.WEBHOOK, Duration.ZERO, null, null, null, Duration.ofHours(1),
                            TimeoutAction.RETRY, 2)),
                    Optional.of(await(AwaitType.EVENT, Duration.ZERO, null, "books.closed", "customerId",
                            Duration.ofHours(24), TimeoutAction.CONTINUE, 3))),
            step("report", StepRole.STEP, List.of("paid"), List.of(), 0,
                    Optional.of(await(AwaitType.SCHEDULE, Duration.ZERO, "0 9 * * MON-FRI", null, null, null,
                            TimeoutAction.FAIL, 3)), Optional.empty())));

    private static final Counted<FlowStats> NO_RUNS = new Counted<>(FlowStats.empty("expense"), Instant.EPOCH);

    private static JsonObject stepOf(JsonObject flow, String name) {
        return flow.getJsonArray("steps").getValuesAs(JsonObject.class).stream()
                .filter(s -> s.getString("name").equals(name)).findFirst().orElseThrow();
    }

    private static JsonObject nodeOf(JsonObject graph, String id) {
        return graph.getJsonArray("nodes").getValuesAs(JsonObject.class).stream()
                .filter(n -> n.getString("id").equals(id)).findFirst().orElseThrow();
    }

    @Test
    void eachAwaitCarriesItsTypeAndOnlyTheFieldsThatApplyToIt() {
        JsonObject flow = Representations.flow(FLOW, NO_RUNS);

        JsonObject pay = stepOf(flow, "pay");
        assertThat(pay.getJsonObject("awaitBefore").toString())
                .isEqualTo("{\"type\":\"webhook\",\"timeoutMs\":3600000,\"timeoutAction\":\"retry\",\"timeoutRetries\":2}");
        assertThat(pay.getJsonObject("awaitAfter").toString()).isEqualTo("{\"type\":\"event\",\"event\":\"books.closed\","
                + "\"filterKey\":\"customerId\",\"timeoutMs\":86400000,\"timeoutAction\":\"continue\"}");
        assertThat(stepOf(flow, "submit").getJsonObject("awaitAfter").toString())
                .isEqualTo("{\"type\":\"time\",\"delayMs\":300000}");
        assertThat(stepOf(flow, "submit").containsKey("awaitBefore")).isFalse();
        assertThat(stepOf(flow, "report").getJsonObject("awaitBefore").toString())
                .isEqualTo("{\"type\":\"schedule\",\"cron\":\"0 9 * * MON-FRI\",\"timezone\":\"Europe/Paris\"}");
        assertThat(stepOf(flow, "report").containsKey("awaitAfter")).isFalse();
    }

    @Test
    void aStepWithAHeartbeatTimeoutListsItInTheRegistryAndTheGraphAndOneWithoutDoesNot() {
        JsonObject flow = Representations.flow(FLOW, NO_RUNS);

        assertThat(stepOf(flow, "report").getJsonNumber("heartbeatTimeoutMs").longValue()).isEqualTo(60_000);
        assertThat(stepOf(flow, "pay").containsKey("heartbeatTimeoutMs")).isFalse();
        assertThat(nodeOf(Representations.graph(FLOW, Optional.empty()), "report")
                .getJsonNumber("heartbeatTimeoutMs").longValue()).isEqualTo(60_000);
    }

    @Test
    void aStepThatNamesACompensationListsItAndTheCompensationStepHasRoleCompensation() {
        StepDefinition pay = stepOf(FLOW.steps(), "pay");
        StepDefinition charge = new StepDefinition("charge", StepRole.ENTRY, pay.queue(), List.of(), List.of(),
                pay.retry(), pay.timeout(), 0, pay.beanClass(), Optional.empty(), Optional.empty(), List.of(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("refund"));
        StepDefinition refund = new StepDefinition("refund", StepRole.COMPENSATION, pay.queue(), List.of(), List.of(),
                pay.retry(), pay.timeout(), 0, pay.beanClass(), Optional.empty(), Optional.empty());
        FlowDefinition saga = new FlowDefinition("saga", List.of(charge, refund));

        JsonObject flow = Representations.flow(saga, NO_RUNS);

        assertThat(stepOf(flow, "charge").getString("compensation")).isEqualTo("refund");
        assertThat(stepOf(flow, "refund").getString("role")).isEqualTo("compensation");
        assertThat(stepOf(flow, "refund").containsKey("compensation")).isFalse();
        assertThat(nodeOf(Representations.graph(saga, Optional.empty()), "charge").getString("compensation"))
                .isEqualTo("refund");
    }

    private static StepDefinition stepOf(List<StepDefinition> steps, String name) {
        return steps.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aRunningStepsWaitCarriesItsLastHeartbeatAndAnyOtherNone() {
        Instant beat = Instant.parse("2026-12-06T13:00:00Z");
        StepWait running = new StepWait("report", StepStatus.RUNNING, StepWait.Reason.RUNNING, "expense",
                Optional.empty(), Optional.empty(), "running", Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(beat));

        assertThat(Representations.wait(running).getString("lastHeartbeatAt")).isEqualTo(beat.toString());
        assertThat(Representations.wait(new StepWait("pay", StepStatus.QUEUED, StepWait.Reason.WORKER, "expense",
                Optional.empty(), Optional.empty(), "waits for a worker")).isNull("lastHeartbeatAt")).isTrue();
    }

    @Test
    void anAwaitsWaitCarriesItsTimeoutApartFromWhenItResumesAndAnAwaitWithoutATimeoutNone() {
        Instant resumes = Instant.parse("2026-12-06T14:00:00Z");
        Instant timesOut = Instant.parse("2026-12-06T13:30:00Z");
        StepWait timed = new StepWait("remind", StepStatus.AWAITING, StepWait.Reason.AWAIT, "expense",
                Optional.of(resumes), Optional.of("a-1"), "waits until " + resumes, Optional.empty(),
                Optional.of(AwaitType.TIME), Optional.empty(), Optional.empty(), Optional.of(timesOut));

        assertThat(Representations.wait(timed).getString("awaitTimeoutAt")).isEqualTo(timesOut.toString());
        assertThat(Representations.wait(timed).getString("until")).isEqualTo(resumes.toString());
        assertThat(Representations.wait(new StepWait("remind", StepStatus.AWAITING, StepWait.Reason.AWAIT, "expense",
                Optional.of(resumes), Optional.of("a-2"), "waits until " + resumes, Optional.empty(),
                Optional.of(AwaitType.TIME))).isNull("awaitTimeoutAt")).isTrue();
    }

    @Test
    void everyStepCarriesItsRetryPolicyAndPriorityNextToTheFieldsItHadBefore() {
        JsonObject pay = stepOf(Representations.flow(FLOW, NO_RUNS), "pay");

        assertThat(pay.getInt("priority")).isEqualTo(7);
        assertThat(pay.getInt("maxAttempts")).isEqualTo(3);
        assertThat(pay.getJsonNumber("timeoutMs").longValue()).isEqualTo(300_000);
        assertThat(pay.getJsonObject("retry").toString())
                .isEqualTo("{\"maxAttempts\":3,\"backoff\":\"fixed\",\"delayMs\":500,\"maxDelayMs\":10000}");
        assertThat(stepOf(Representations.flow(FLOW, NO_RUNS), "submit")
                .getJsonObject("retry").getString("backoff")).isEqualTo("exponential");
        assertThat(stepOf(Representations.flow(FLOW, NO_RUNS), "report").getJsonObject("retry")
                .getJsonArray("noRetryFor").toString()).as("the exceptions not worth a retry")
                .isEqualTo("[\"java.lang.IllegalArgumentException\"]");
    }

    @Test
    void aStepWithAListOfDelaysAndAJitterShowsThemBesideTheBackoffFieldsTheyImply() {
        JsonObject report = stepOf(Representations.flow(FLOW, NO_RUNS), "report");

        assertThat(report.getJsonObject("retry").toString()).isEqualTo("{\"maxAttempts\":4,\"backoff\":\"exponential\","
                + "\"delayMs\":10000,\"maxDelayMs\":600000,\"delaysMs\":[10000,60000,600000],\"jitter\":0.2,"
                + "\"noRetryFor\":[\"java.lang.IllegalArgumentException\"],\"decider\":\"com.acme.ReportRetries\"}");
        assertThat(stepOf(Representations.flow(FLOW, NO_RUNS), "pay").getJsonObject("retry").keySet())
                .as("neither without a list nor jitter").doesNotContain("delaysMs", "jitter");
    }

    @Test
    void aStepsRetryNamesTheClassOfItsRetryDeciderOnlyWhenItHasOne() {
        JsonObject flow = Representations.flow(FLOW, NO_RUNS);

        assertThat(stepOf(flow, "report").getJsonObject("retry").getString("decider"))
                .isEqualTo("com.acme.ReportRetries");
        assertThat(nodeOf(Representations.graph(FLOW, Optional.empty()), "report").getJsonObject("retry")
                .getString("decider")).as("the graph's node as the registry").isEqualTo("com.acme.ReportRetries");
        assertThat(stepOf(flow, "pay").getJsonObject("retry").keySet()).doesNotContain("decider");
    }

    /**
     * The counts say how many running runs compensate, which a list of the runs with status=running leaves out: the
     * dashboard counts and links each status on its own.
     */
    @Test
    void aFlowsCountsSayHowManyOfItsRunningRunsCompensate() throws IOException {
        FlowStats stats = FlowStats.empty("order").plus(RunStatus.RUNNING, 3).plus(RunStatus.COMPENSATING, 2);

        JsonObject counts = Representations.stats(stats);

        assertThat(counts.getInt("running")).isEqualTo(5);
        assertThat(counts.getInt("compensating")).isEqualTo(2);
        assertThat(OpenApiDocumentTest.schemaProperties("Stats")).containsKeys(counts.keySet().toArray(String[]::new));
    }

    /**
     * A flow's counts say when its latest run started and its latest completed run ended, as ISO instants, and null
     * for a time the store does not know (no such run, or a store adapter written before 0.2): the flow list, a flow
     * and the live statistics all carry them.
     */
    @Test
    void aFlowsCountsSayWhenItsLatestRunStartedAndItsLatestCompletedRunEndedOrNull() throws IOException {
        Instant started = Instant.parse("2026-12-07T10:15:30Z");
        Instant completed = Instant.parse("2026-12-07T10:12:00.250Z");
        FlowStats stats = FlowStats.empty("order").plus(RunStatus.COMPLETED, 1, started.minusSeconds(600),
                Optional.of(completed)).plus(RunStatus.FAILED, 1, started, Optional.of(started.plusSeconds(5)));

        JsonObject counts = Representations.stats(stats);
        JsonObject none = Representations.stats(FlowStats.empty("order").plus(RunStatus.FAILED, 1));

        assertThat(counts.getString("lastStartedAt")).isEqualTo("2026-12-07T10:15:30Z");
        assertThat(counts.getString("lastCompletedAt")).isEqualTo("2026-12-07T10:12:00.250Z");
        assertThat(none.isNull("lastStartedAt")).isTrue();
        assertThat(none.isNull("lastCompletedAt")).isTrue();
        assertThat(Representations.flow(FLOW, new Counted<>(stats, Instant.EPOCH)).getJsonObject("stats")
                .getString("lastCompletedAt")).as("the flow list's and a flow's").isEqualTo("2026-12-07T10:12:00.250Z");
        assertThat(OpenApiDocumentTest.schemaProperties("Stats")).containsKeys("lastStartedAt", "lastCompletedAt");
    }

    @Test
    void theOpenApiDocumentNamesEveryFieldOfAStepsRetryTheRegistryAndTheGraphShow() throws IOException {
        JsonObject registryRetry = stepOf(Representations.flow(FLOW, NO_RUNS), "report").getJsonObject("retry");
        JsonObject graphRetry = nodeOf(Representations.graph(FLOW, Optional.empty()), "report").getJsonObject("retry");

        assertThat(OpenApiDocumentTest.schemaProperties("Retry")).containsKeys("noRetryFor", "decider")
                .containsKeys(registryRetry.keySet().toArray(String[]::new))
                .containsKeys(graphRetry.keySet().toArray(String[]::new));
    }

    @Test
    void theGraphsNodesCarryTheSameSettingsAsTheRegistry() {
        JsonObject graph = Representations.graph(FLOW, Optional.empty());
        JsonObject flow = Representations.flow(FLOW, NO_RUNS);

        for (String step : List.of("submit", "pay", "report")) {
            JsonObject node = nodeOf(graph, step);
            JsonObject registered = stepOf(flow, step);
            for (String field : List.of("priority", "retry", "awaitBefore", "awaitAfter")) {
                assertThat(node.get(field)).as(step + "." + field).isEqualTo(registered.get(field));
            }
        }
        assertThat(nodeOf(graph, "pay").getInt("level")).isEqualTo(1);
        assertThat(nodeOf(graph, "report").getInt("level")).isEqualTo(2);
    }

    @Test
    void aQueueSaysWhenItsOldestWaitingJobBecameReadyAndTheApiHowLongItHasWaited() {
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-03T10:00:00Z"));
        JobQueue queue = MemoryAdapters.queue(clock);
        try {
            queue.pause("orders");
            queue.enqueue(JobRequest.of("orders", "job-1", "take", "{}"));
            clock.advance(Duration.ofMinutes(3));

            JsonObject answered = Representations.queue(queue, Optional.empty(), "orders", Optional.of(clock.instant()));
            assertThat(answered.getString("oldestWaitingAt")).isEqualTo("2026-12-03T10:00:00Z");
            assertThat(answered.getJsonNumber("oldestWaitingAgeMs").longValue()).isEqualTo(180_000);

            JsonObject empty = Representations.queue(queue, Optional.empty(), "idle", Optional.of(clock.instant()));
            assertThat(empty.isNull("oldestWaitingAt")).as("none waits").isTrue();
            assertThat(empty.getJsonNumber("oldestWaitingAgeMs").longValue()).as("none waits: no age").isZero();

            JsonObject live = Representations.queue(queue, Optional.empty(), "orders", Optional.empty());
            assertThat(live.getString("oldestWaitingAt")).isEqualTo("2026-12-03T10:00:00Z");
            assertThat(live).as("the live stream sends no age, which would change every time")
                    .doesNotContainKey("oldestWaitingAgeMs");
        } finally {
            queue.close();
        }
    }

    /** Controls of an instance that leaves queue render to a pool elsewhere and runs 4 workers of every other. */
    private static io.nvent.cdi.QueueControls renderLeftToThePool() {
        return new io.nvent.cdi.QueueControls() {
            @Override
            public int workersHere(String name) {
                return name.equals("render") ? 0 : 4;
            }

            @Override
            public int configuredWorkers(String name) {
                return workersHere(name);
            }

            @Override
            public java.util.OptionalInt workersOverride(String name) {
                return java.util.OptionalInt.empty();
            }

            @Override
            public Map<String, Integer> workersOverrides() {
                return Map.of();
            }

            @Override
            public Map<String, io.nvent.spi.QueueChange> pauseChanges() {
                return Map.of();
            }

            @Override
            public Map<String, io.nvent.spi.QueueChange> workersChanges() {
                return Map.of();
            }

            @Override
            public Optional<QueueRateLimit> rateLimit(String name) {
                return Optional.empty();
            }
        };
    }

    @Test
    void aPausedQueueWhoseStoreKeepsNoChangeSaysWhoPausedItIsUnknownAndOneItKeepsSaysWhoWhenAndWhy() {
        JobQueue queue = MemoryAdapters.queue(VirtualClock.startingAt(Instant.parse("2026-12-03T10:00:00Z")));
        try {
            queue.pause("orders");
            io.nvent.spi.QueueChange alice = new io.nvent.spi.QueueChange(Optional.of("alice"),
                    Instant.parse("2026-12-03T14:02:00Z"), Optional.of("supplier outage"));

            JsonObject unknown = Representations.queue(queue, renderLeftToThePool(), "orders",
                    new Representations.QueueReads(Map.of(), Map.of(),
                            Map.of(), queue.pausedQueues(Set.of("orders")))).getJsonObject("pause");
            JsonObject kept = Representations.queue(queue, renderLeftToThePool(), "orders",
                    new Representations.QueueReads(Map.of(), Map.of("orders", alice),
                            Map.of(), queue.pausedQueues(Set.of("orders")))).getJsonObject("pause");

            assertThat(unknown.getBoolean("known")).isFalse();
            assertThat(unknown.isNull("by") && unknown.isNull("at") && unknown.isNull("reason")).isTrue();
            assertThat(kept.toString()).isEqualTo("{\"by\":\"alice\",\"at\":\"2026-12-03T14:02:00Z\","
                    + "\"reason\":\"supplier outage\",\"known\":true}");
            assertThat(Representations.queue(queue, renderLeftToThePool(), "render",
                    new Representations.QueueReads(Map.of(), Map.of("render", alice),
                            Map.of(), queue.pausedQueues(Set.of("render")))).isNull("pause"))
                    .as("a queue not paused has no pause, whatever is kept").isTrue();
        } finally {
            queue.close();
        }
    }

    /**
     * Who paused the queues a list reads is what the engine reads (one shared rule): the store's change, else the
     * adapter's for a paused queue the store keeps none of; what the adapter says of a queue it was not asked of (one
     * not paused here, or one the store keeps a change of) is left out.
     */
    @Test
    void whoPausedTheQueuesReadIsTheStoresElseTheAdaptersForTheQueuesAskedOnly() {
        JobQueue memory = MemoryAdapters.queue(VirtualClock.startingAt(Instant.parse("2026-12-03T10:00:00Z")));
        io.nvent.spi.QueueChange alice = new io.nvent.spi.QueueChange(Optional.of("alice"),
                Instant.parse("2026-12-03T14:02:00Z"), Optional.empty());
        io.nvent.spi.QueueChange adapters = io.nvent.spi.QueueChange.inCode("shop-1",
                Instant.parse("2026-12-03T15:00:00Z"));
        // an adapter that answers of more queues than it is asked of
        JobQueue queue = (JobQueue) java.lang.reflect.Proxy.newProxyInstance(JobQueue.class.getClassLoader(),
                new Class<?>[] {JobQueue.class}, (proxy, method, args) -> method.getName().equals("pauseChanges")
                        ? Map.of("orders", adapters, "mail", adapters, "render", adapters)
                        : method.invoke(memory, args));
        io.nvent.cdi.QueueControls controls = new io.nvent.cdi.QueueControls() {
            @Override
            public Map<String, io.nvent.spi.QueueChange> pauseChanges() {
                return Map.of("render", alice);
            }

            @Override
            public Map<String, Integer> workersOverrides() {
                return Map.of();
            }

            @Override
            public Map<String, io.nvent.spi.QueueChange> workersChanges() {
                return Map.of();
            }
        };
        try {
            memory.pause("orders");
            memory.pause("render");

            Representations.QueueReads reads = Representations.QueueReads.of(controls, queue,
                    Set.of("orders", "mail", "render"));

            assertThat(reads.paused()).containsExactlyInAnyOrder("orders", "render");
            assertThat(reads.pauses()).as("the store's for render, the adapter's for orders, none for mail")
                    .containsExactlyInAnyOrderEntriesOf(Map.of("orders", adapters, "render", alice));
        } finally {
            memory.close();
        }
    }

    @Test
    void aQueueSaysHowManyWorkersTheAnsweringInstanceRunsForItNoneWhereAPoolElsewhereTakesIt() {
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-03T10:00:00Z"));
        JobQueue queue = MemoryAdapters.queue(clock);
        io.nvent.cdi.QueueControls renderLeftToThePool = renderLeftToThePool();
        try {
            queue.enqueue(JobRequest.of("render", "job-1", "render", "{}"));

            JsonObject render = Representations.queue(queue, renderLeftToThePool, "render", clock.instant());
            assertThat(render.getInt("workersHere")).isZero();
            assertThat(render.getJsonObject("counts").getInt("waiting")).as("enqueued here all the same").isOne();
            assertThat(Representations.queue(queue, renderLeftToThePool, "orders", clock.instant())
                    .getInt("workersHere")).isEqualTo(4);
            assertThat(Representations.queue(queue, renderLeftToThePool, "render").getInt("workersHere"))
                    .as("the live stream's too").isZero();
        } finally {
            queue.close();
        }
    }

    @Test
    void aQueueWhoseAdapterCannotTellHasNeitherTimeNorAgeWhileJobsWait() {
        VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-03T10:00:00Z"));
        JobQueue unknowing = new CannotTellSince(MemoryAdapters.queue(clock));
        try {
            unknowing.pause("orders");
            unknowing.enqueue(JobRequest.of("orders", "job-1", "take", "{}"));

            JsonObject answered = Representations.queue(unknowing, Optional.empty(), "orders",
                    Optional.of(clock.instant()));
            assertThat(answered.isNull("oldestWaitingAt")).isTrue();
            assertThat(answered.isNull("oldestWaitingAgeMs")).isTrue();
        } finally {
            unknowing.close();
        }
    }

    /** An adapter that cannot tell since when its jobs wait: the in-memory queue without {@link JobQueue#oldestWaitingSince}. */
    private record CannotTellSince(JobQueue queue) implements JobQueue {
        @Override
        public void enqueue(JobRequest request) {
            queue.enqueue(request);
        }

        @Override
        public void registerWorker(String name, int concurrency, JobHandler handler) {
            queue.registerWorker(name, concurrency, handler);
        }

        @Override
        public void pause(String name) {
            queue.pause(name);
        }

        @Override
        public void resume(String name) {
            queue.resume(name);
        }

        @Override
        public boolean isPaused(String name) {
            return queue.isPaused(name);
        }

        @Override
        public Set<String> queues() {
            return queue.queues();
        }

        @Override
        public JobCounts counts(String name) {
            return queue.counts(name);
        }

        @Override
        public List<JobRecord> jobs(String name, JobState state, int offset, int limit) {
            return queue.jobs(name, state, offset, limit);
        }

        @Override
        public Optional<JobRecord> job(String name, String jobId) {
            return queue.job(name, jobId);
        }

        @Override
        public boolean retry(String name, String jobId) {
            return queue.retry(name, jobId);
        }

        @Override
        public int redrive(String name) {
            return queue.redrive(name);
        }

        @Override
        public boolean discard(String name, String jobId) {
            return queue.discard(name, jobId);
        }

        @Override
        public void close() {
            queue.close();
        }
    }
}
