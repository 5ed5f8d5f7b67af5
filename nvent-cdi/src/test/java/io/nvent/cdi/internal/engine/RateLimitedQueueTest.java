package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.StepStatus;
import io.nvent.StepWait;
import io.nvent.StepWait.Reason;
import io.nvent.cdi.EmbeddedEngine;
import io.nvent.cdi.MemoryAdapters;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRequest;
import io.nvent.spi.JobState;
import io.nvent.spi.SchedulingStore;
import io.nvent.cdi.NventConfig;
import io.nvent.spi.RateLimit;
import io.nvent.spi.RateLimitGroup;
import jakarta.json.JsonValue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Queues that start no more steps in a span than their rate limit allows. */
class RateLimitedQueueTest {

    private static final List<Long> STARTS = new CopyOnWriteArrayList<>();
    private static final Map<String, Integer> STARTS_OF_RUN = new ConcurrentHashMap<>();

    private final GrantedStarts sharedScheduling = new GrantedStarts();

    /** The instances' shared store, recording when it granted each start: where the cluster's limit is counted. */
    static final class GrantedStarts extends MemorySchedulingStore {
        final List<Instant> granted = new CopyOnWriteArrayList<>();

        @Override
        public Duration takeRateLimitedStart(RateLimitGroup starts, RateLimit limit, Clock clock) {
            AtomicReference<Instant> read = new AtomicReference<>();
            Clock remembering = new Clock() {
                @Override
                public java.time.ZoneId getZone() {
                    return clock.getZone();
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return clock.withZone(zone);
                }

                @Override
                public Instant instant() {
                    Instant now = clock.instant();
                    read.set(now);
                    return now;
                }
            };
            Duration untilAllowed = super.takeRateLimitedStart(starts, limit, remembering);
            if (untilAllowed.isZero()) {
                granted.add(read.get());
            }
            return untilAllowed;
        }
    }
    private final FlowStore sharedRuns = MemoryAdapters.store();

    @FlowStep(flow = "quota", name = "call-api", role = StepRole.ENTRY, emits = "called")
    static class CallApi implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            STARTS.add(System.nanoTime());
            STARTS_OF_RUN.merge(ctx.runId(), 1, Integer::sum);
            ctx.emit("called", input);
            return null;
        }
    }

    @FlowStep(flow = "quota", name = "call-again", subscribes = "called")
    static class CallAgain implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            STARTS.add(System.nanoTime());
            return null;
        }
    }

    @Test
    void stepsOfARateLimitedQueueStartNoFasterThanItsLimitAlsoWhenAStepHandsItsRunOn() {
        RateLimit twoInHalfASecond = new RateLimit(2, Duration.ofMillis(500));
        List<Instant> sorted;
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new CallApi()).step(new CallAgain())
                .concurrency(4).rateLimit("quota", Optional.of(twoInHalfASecond)).build()) {
            List<String> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                runs.add(engine.flows().start("quota", Map.of("call", i)));
            }

            await().atMost(Duration.ofSeconds(20)).until(() -> runs.stream()
                    .allMatch(run -> engine.flows().run(run).orElseThrow().status() == RunStatus.COMPLETED));
            assertThat(engine.queue().rateLimit("quota")).contains(twoInHalfASecond);
            // The queue counts a start when it hands out the job and begins its attempt. The step's code runs only
            // after the engine read its run, which takes as long as a loaded machine makes it: timed there, two
            // starts a span apart came 0.2 s apart now and then. So the starts are the attempts the queue began.
            sorted = engine.queue().jobs("quota", JobState.COMPLETED, 0, 10).stream()
                    .flatMap(job -> job.attempts().stream()).map(JobAttempt::startedAt).sorted().toList();
        }
        assertThat(sorted).hasSize(6);
        for (int i = 2; i < sorted.size(); i++) {
            assertThat(Duration.between(sorted.get(i - 2), sorted.get(i))).as("from step start %d to %d", i - 2, i)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(250));
        }
        assertThat(Duration.between(sorted.get(0), sorted.get(5))).as("six starts at two per span take two spans")
                .isGreaterThanOrEqualTo(Duration.ofMillis(850));
    }

    @Test
    void aStepHeldBackByTheRateLimitSaysSoInTheRunsWaits() {
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new CallApi()).step(new CallAgain())
                .rateLimit(new RateLimit(1, Duration.ofDays(1))).build()) {
            String first = engine.flows().start("quota", Map.of("call", 1));
            await().atMost(Duration.ofSeconds(10)).until(() -> !engine.flows().waits(first).isEmpty());

            assertThat(engine.flows().waits(first)).singleElement().satisfies(wait -> {
                assertThat(wait.step()).isEqualTo("call-again");
                assertThat(wait.reason()).isEqualTo(Reason.RATE_LIMIT);
                assertThat(wait.until().orElseThrow()).isBetween(Instant.now().plus(Duration.ofHours(23)),
                        Instant.now().plus(Duration.ofDays(1)));
                assertThat(wait.detail()).startsWith("waits for the rate limit of queue 'quota' (at most 1 per 86400000"
                        + " ms across all instances), which allows the next start at ").endsWith("(1 waiting, 0 running)");
            });
        }
    }

    @Test
    void aStepOfALimitedQueueWithStartsToSpareWaitsForAWorkerNotForTheLimit() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        HOLD.set(release);
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Hold()).concurrency(1)
                .rateLimit(new RateLimit(1000, Duration.ofSeconds(1))).build()) {
            engine.flows().start("held", Map.of());
            String second = engine.flows().start("held", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> !engine.flows().waits(second).isEmpty());

            assertThat(engine.flows().waits(second)).singleElement()
                    .satisfies(wait -> assertThat(wait.reason()).isEqualTo(Reason.WORKER));
        } finally {
            release.countDown();
        }
    }

    private static final AtomicReference<CountDownLatch> HOLD = new AtomicReference<>();

    @FlowStep(flow = "held", name = "hold", role = StepRole.ENTRY)
    static class Hold implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) throws InterruptedException {
            HOLD.get().await(10, TimeUnit.SECONDS);
            return null;
        }
    }

    @Test
    void twoInstancesSharingAStoreStartNoMoreStepsTogetherThanTheLimitAllows() {
        STARTS.clear();
        RateLimit twoInHalfASecond = new RateLimit(2, Duration.ofMillis(500));
        try (EmbeddedEngine first = instance(twoInHalfASecond); EmbeddedEngine second = instance(twoInHalfASecond)) {
            List<String> started = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                started.add(first.flows().start("quota", Map.of("call", i)));
                started.add(second.flows().start("quota", Map.of("call", i)));
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> started.stream()
                    .allMatch(run -> first.flows().run(run).orElseThrow().status() == RunStatus.COMPLETED));
        }
        // Each instance alone would start two at once: four within the first span. Timed where the store granted
        // the starts, not in the steps' code, which a loaded machine runs a while later (0.1 s apart was seen).
        assertThat(STARTS).hasSize(12);
        List<Instant> sorted = sharedScheduling.granted.stream().sorted().toList();
        assertThat(sorted).hasSize(12);
        for (int i = 2; i < sorted.size(); i++) {
            assertThat(Duration.between(sorted.get(i - 2), sorted.get(i))).as("from start %d to %d", i - 2, i)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(500));
        }
    }

    @Test
    void aWorkerWaitsBrieflyForTheClusterLimitHoldingItsJobAndSaysSoInTheRunsWaits() {
        try (EmbeddedEngine first = instance(new RateLimit(1, Duration.ofMillis(1500)));
             EmbeddedEngine second = instance(new RateLimit(1, Duration.ofMillis(1500)))) {
            String used = startTakingTheOnlyStart(first);

            String held = second.flows().start("quota", Map.of("call", 2));

            StepWait wait = workerWaitOf(second, held);
            assertThat(wait.step()).isEqualTo("call-api");
            assertThat(wait.until().orElseThrow()).isBefore(Instant.now().plusMillis(1500));
            assertThat(wait.detail()).startsWith("a worker of queue 'quota' has taken its job and waits for "
                    + "the queue's rate limit (at most 1 per 1500 ms across all instances)");
            await().atMost(Duration.ofSeconds(20)).until(() -> List.of(used, held).stream()
                    .allMatch(run -> first.flows().run(run).orElseThrow().status() == RunStatus.COMPLETED));
            // Four steps contend for one start in 1.5 s: a step refused twice is queued again, saying why.
            assertThat(first.flows().events(held, EventQuery.all())).filteredOn(e -> e.type() == EventType.STEP_RETRY)
                    .allSatisfy(retry -> assertThat(retry.data()).contains("the rate limit of queue quota"));
        }
    }

    @Test
    void aStepTheClusterLimitHoldsBackLongerIsQueuedAgainForWhenItAllowsAndSaysSo() {
        try (EmbeddedEngine first = instance(new RateLimit(1, Duration.ofDays(1)));
             EmbeddedEngine second = instance(new RateLimit(1, Duration.ofDays(1)))) {
            startTakingTheOnlyStart(first);

            String held = second.flows().start("quota", Map.of("call", 2));

            StepWait wait = rateLimitWaitOf(second, held, Duration.ofSeconds(10));
            assertThat(wait.step()).isEqualTo("call-api");
            assertThat(wait.until().orElseThrow()).isAfter(Instant.now().plus(Duration.ofHours(23)));
            assertThat(wait.detail()).startsWith("queued again for when the rate limit of queue 'quota' "
                    + "allows its start (at most 1 per 86400000 ms across all instances)");
            // The sweeps of both instances see the step queued and its first job completed, and leave it be.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() ->
                    second.flows().run(held).orElseThrow().steps().get("call-api") == StepStatus.QUEUED);
            assertThat(second.flows().events(held, EventQuery.all())).filteredOn(e -> e.type() == EventType.STEP_RETRY)
                    .singleElement().satisfies(retry -> assertThat(retry.data())
                            .contains("the rate limit of queue quota (at most 1 per 86400000 ms across all instances) allows "
                                    + "no start before").contains("the attempt did not start and does not count"));
            assertThat(STARTS_OF_RUN.getOrDefault(held, 0)).isZero();
        }
    }

    @Test
    void aQueuePausedWhileAWorkerWaitsForTheLimitStartsNothingUntilResumed() {
        STARTS_OF_RUN.clear();
        // A queue whose adapter hands every job out (as several instances' would): workers wait for the limit.
        try (EmbeddedEngine engine = instanceOn(new QueueOfManyInstances(), new RateLimit(1, Duration.ofMillis(1500)))) {
            startTakingTheOnlyStart(engine);
            String held = engine.flows().start("quota", Map.of("call", 2));
            assertThat(workerWaitOf(engine, held).detail())
                    .startsWith("a worker of queue 'quota' has taken its job and waits");

            engine.pauseQueue("quota");

            await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().events(held, EventQuery.all()).stream()
                    .anyMatch(e -> e.type() == EventType.STEP_RETRY && e.data().contains("was paused while its worker "
                            + "waited for the rate limit of queue quota")));
            await().during(Duration.ofMillis(2000)).atMost(Duration.ofSeconds(5))
                    .until(() -> !STARTS_OF_RUN.containsKey(held));
            assertThat(engine.flows().waits(held)).singleElement().extracting(StepWait::reason)
                    .isEqualTo(Reason.QUEUE_PAUSED);

            engine.resumeQueue("quota");
            await().atMost(Duration.ofSeconds(10)).until(() -> STARTS_OF_RUN.getOrDefault(held, 0) == 1);
        }
    }

    /** On the limited queue: fails its first attempt, so that its retry meets the limit. Records the attempts it saw. */
    @FlowStep(flow = "quota-retry", name = "call-flaky", role = StepRole.ENTRY, queue = "quota", maxAttempts = 2,
            backoffDelayMs = 0)
    static class CallFlaky implements Step<Map<String, Object>, String> {
        static final List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();

        @Override
        public String execute(Map<String, Object> input, StepContext ctx) {
            attemptsSeen.add(ctx.attempt());
            if (ctx.attempt() == 1) {
                throw new IllegalStateException("first call refused");
            }
            return "called";
        }
    }

    @Test
    void aRetryTheLimitHoldsBackIsQueuedAgainAsThatAttemptNotAsTheFirst() {
        CallFlaky.attemptsSeen.clear();
        // Its retry comes at once, but the limit allows the next start only 4 s after the first: it is queued again.
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new CallFlaky()).store(sharedRuns)
                .schedulingStore(sharedScheduling).queue(new QueueOfManyInstances()).concurrency(4)
                .rateLimit("quota", Optional.of(new RateLimit(1, Duration.ofSeconds(4)))).build()) {
            String run = engine.flows().start("quota-retry", Map.of());

            await().atMost(Duration.ofSeconds(20)).until(() -> CallFlaky.attemptsSeen.size() >= 2);
            assertThat(CallFlaky.attemptsSeen).as("attempt 1 counted; the retry held back did not start")
                    .startsWith(1, 2);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    engine.flows().run(run).orElseThrow().status() == RunStatus.COMPLETED);
            assertThat(engine.flows().events(run, EventQuery.all())).filteredOn(e -> e.type() == EventType.STEP_RETRY
                    && e.data().contains("does not count")).singleElement()
                    .satisfies(retry -> assertThat(retry.attempt()).isEqualTo(2));
            assertThat(CallFlaky.attemptsSeen).containsExactly(1, 2);
        }
    }

    @FlowStep(flow = "fan", name = "split", role = StepRole.ENTRY, emits = "split")
    static class Split implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            ctx.emit("split", input);
            return null;
        }
    }

    /** A parallel branch of {@code fan}: counts that its code ran. */
    abstract static class Branch implements Step<Map<String, Object>, Void> {
        @Override
        public Void execute(Map<String, Object> input, StepContext ctx) {
            STARTS_OF_RUN.merge(ctx.runId(), 1, Integer::sum);
            return null;
        }
    }

    @FlowStep(flow = "fan", name = "left", subscribes = "split")
    static class Left extends Branch {
    }

    @FlowStep(flow = "fan", name = "right", subscribes = "split")
    static class Right extends Branch {
    }

    @Test
    void parallelStepsTheLimitQueuesAgainEachKeepOneJobThroughTheSweeps() {
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new Split()).step(new Left()).step(new Right())
                .queue(new QueueOfManyInstances()).rateLimit(new RateLimit(1, Duration.ofDays(1)))
                .sweepEvery(Duration.ofMillis(20)).build()) {
            String run = engine.flows().start("fan", Map.of());

            await().atMost(Duration.ofSeconds(10)).until(() -> engine.queue().counts("fan").delayed() == 2);
            // Each step's requeue changes the run: a job named after the run's version would be missed by the
            // sweep once the other step moved the run on, and queued once more.
            await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5)).until(() ->
                    engine.queue().counts("fan").delayed() == 2 && engine.queue().counts("fan").waiting() == 0);
            assertThat(engine.flows().events(run, EventQuery.all())).filteredOn(e -> e.type() == EventType.STEP_RETRY)
                    .extracting(e -> e.step().orElseThrow()).containsExactlyInAnyOrder("left", "right");
            assertThat(engine.flows().waits(run)).extracting(StepWait::reason).containsOnly(Reason.RATE_LIMIT);
            assertThat(STARTS_OF_RUN.getOrDefault(run, 0)).isZero();
        }
    }

    @Test
    void aStepTheQueueCannotTakeBackStaysQueuedInsteadOfFailing() {
        MemoryJobQueue closing = new QueueOfManyInstances() {
            @Override
            public void enqueue(JobRequest request) {
                if (StepJob.isRateLimitedJob(request.jobId())) {
                    throw new IllegalStateException("the queue is closed");
                }
                super.enqueue(request);
            }
        };
        try (EmbeddedEngine first = instanceOn(closing, new RateLimit(1, Duration.ofDays(1)))) {
            String used = startTakingTheOnlyStart(first);
            String refused = first.flows().start("quota", Map.of("call", 2));

            await().atMost(Duration.ofSeconds(10)).until(() -> first.flows().events(refused, EventQuery.all()).stream()
                    .anyMatch(e -> e.type() == EventType.STEP_RETRY));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() ->
                    first.flows().run(refused).orElseThrow().status() == RunStatus.RUNNING);
            assertThat(first.flows().events(refused, EventQuery.all())).extracting(HistoryEvent::type)
                    .doesNotContain(EventType.STEP_FAILED, EventType.STEP_STARTED);
            assertThat(first.flows().run(used).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
        }
    }

    /**
     * A queue that hands out every job however limited its queue is, as the queues of many instances
     * together do: each starts up to the limit, so the engine's limit for the cluster refuses the rest.
     */
    static class QueueOfManyInstances extends MemoryJobQueue {
        QueueOfManyInstances() {
            super(Clock.systemUTC(), Executors.defaultThreadFactory());
        }

        @Override
        public void limitRate(String queueName, Optional<RateLimit> limit) {
        }
    }

    private EmbeddedEngine instanceOn(JobQueue queue, RateLimit limit) {
        return EmbeddedEngine.newBuilder().step(new CallApi()).step(new CallAgain()).store(sharedRuns)
                .schedulingStore(sharedScheduling).queue(queue).concurrency(4).rateLimit("quota", Optional.of(limit))
                .sweepEvery(Duration.ofMillis(50)).build();
    }

    /** Starts a run whose first step takes the limit's only start, and returns once it waits for the next. */
    private static String startTakingTheOnlyStart(EmbeddedEngine engine) {
        String run = engine.flows().start("quota", Map.of("call", 1));
        // Its first step's wait for a worker counts as a wait too: on a loaded machine the next run's first
        // step could still take the start before this one's, so wait for this one's to be done.
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().events(run, EventQuery.all()).stream()
                .anyMatch(e -> e.type() == EventType.STEP_COMPLETED) && !engine.flows().waits(run).isEmpty());
        return run;
    }

    /**
     * The wait of a run whose step a worker of this instance took and holds for the limit: between
     * taking the job and beginning to wait, the step's wait says only that a worker may wait for it.
     */
    private static StepWait workerWaitOf(EmbeddedEngine engine, String run) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> engine.flows().waits(run),
                waits -> waits.size() == 1 && waits.get(0).detail().startsWith("a worker of queue 'quota' has taken "
                        + "its job and waits")).get(0);
    }

    private static StepWait rateLimitWaitOf(EmbeddedEngine engine, String run, Duration atMost) {
        return await().atMost(atMost).until(() -> engine.flows().waits(run),
                waits -> waits.size() == 1 && waits.get(0).reason() == Reason.RATE_LIMIT).get(0);
    }

    @Test
    void instancesKeepTheirLimitsOnTheirOwnWhenToldTo() {
        STARTS.clear();
        RateLimit oneADay = new RateLimit(1, Duration.ofDays(1));
        try (EmbeddedEngine first = instance(oneADay, true); EmbeddedEngine second = instance(oneADay, true)) {
            first.flows().start("quota", Map.of("call", 1));
            second.flows().start("quota", Map.of("call", 2));

            await().atMost(Duration.ofSeconds(10)).until(() -> STARTS.size() == 2);
        }
    }

    /** An instance sharing this test's stores with the other instances it starts. */
    private EmbeddedEngine instance(RateLimit limit) {
        return instance(limit, false);
    }

    private EmbeddedEngine instance(RateLimit limit, boolean perInstance) {
        return EmbeddedEngine.newBuilder().step(new CallApi()).step(new CallAgain()).store(sharedRuns)
                .schedulingStore(sharedScheduling).concurrency(4).rateLimit("quota", Optional.of(limit))
                .rateLimitsPerInstance(perInstance).sweepEvery(Duration.ofMillis(50)).build();
    }

    @Test
    void eachValueOfTheGroupKeyHasTheLimitToItselfAndAStepHeldBackNamesItsGroup() {
        STARTS_OF_RUN.clear();
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new CallApi()).step(new CallAgain())
                .rateLimit(new RateLimit(1, Duration.ofDays(1))).rateLimitGroupKey("quota", "customer").build()) {
            String acme = engine.flows().start("quota", Map.of("customer", "acme"));
            String globex = engine.flows().start("quota", Map.of("customer", "globex"));

            // Each customer's first step took its own start; each second step waits for its customer's.
            assertThat(rateLimitWaitOf(engine, acme, Duration.ofSeconds(10)).detail())
                    .contains("for its group \"acme\"").contains("for each value of 'customer'");
            assertThat(rateLimitWaitOf(engine, globex, Duration.ofSeconds(10)).detail()).contains("for its group \"globex\"");
            assertThat(STARTS_OF_RUN).containsEntry(acme, 1).containsEntry(globex, 1);
            assertThat(engine.queue().rateLimit("quota")).as("no limit of the whole queue").isEmpty();
            assertThat(engine.rateLimitUsage("quota", 10)).allSatisfy(usage -> {
                assertThat(usage.starts()).isEqualTo(1);
                assertThat(usage.nextStartAt().orElseThrow()).isAfter(Instant.now().plus(Duration.ofHours(23)));
            }).extracting(usage -> usage.group().orElseThrow()).containsExactly("\"acme\"", "\"globex\"");
            assertThat(engine.rateLimitUsage("quota", 1)).hasSize(1);
        }
    }

    @Test
    void aBusyGroupDoesNotKeepTheWorkersFromTheStepsOfOtherGroups() {
        STARTS_OF_RUN.clear();
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new CallApi()).step(new CallAgain()).concurrency(2)
                .rateLimit(new RateLimit(1, Duration.ofMillis(1500))).rateLimitGroupKey("quota", "customer").build()) {
            for (int i = 0; i < 12; i++) {
                engine.flows().start("quota", Map.of("customer", "acme", "call", i));
            }
            String globex = engine.flows().start("quota", Map.of("customer", "globex"));

            // Behind 12 of acme's steps, which its limit starts one per 1.5 s, with two workers.
            await().atMost(Duration.ofSeconds(3)).until(() -> STARTS_OF_RUN.containsKey(globex));
        }
    }

    @Test
    void aQuarterOfAQueuesWorkersHereMayWaitLongForTheirGroupsStartsAtATime() {
        EngineRateLimits limits = new EngineRateLimits(sharedScheduling, Clock.systemUTC());
        limits.limit("quota", new EngineRateLimits.Kept(new RateLimit(1, Duration.ofSeconds(1)), Optional.of("id"), true), 8);

        assertThat(List.of(limits.takeLongWaitTurn("quota"), limits.takeLongWaitTurn("quota"),
                limits.takeLongWaitTurn("quota"))).containsExactly(true, true, false);
        limits.endLongWaitTurn("quota");
        assertThat(limits.takeLongWaitTurn("quota")).isTrue();
        assertThat(limits.takeLongWaitTurn("unlimited")).isFalse();
    }

    @Test
    void stepsWithoutAValueForTheGroupKeyShareOneGroupAndNumbersCountByValue() {
        STARTS_OF_RUN.clear();
        try (EmbeddedEngine engine = EmbeddedEngine.newBuilder().step(new CallApi()).step(new CallAgain())
                .rateLimit("quota", Optional.of(new RateLimit(1, Duration.ofDays(1))))
                .rateLimitGroupKey("quota", "tenant").build()) {
            String first = engine.flows().start("quota", Map.of("tenant", 7));
            String none = engine.flows().start("quota", Map.of("call", 1));
            rateLimitWaitOf(engine, first, Duration.ofSeconds(10));
            assertThat(rateLimitWaitOf(engine, none, Duration.ofSeconds(10)).detail()).contains("for its group null");

            String sameTenant = engine.flows().start("quota", Map.of("tenant", 7.0));
            String alsoNone = engine.flows().start("quota", Map.of("other", "x"));

            StepWait sameTenantWaits = rateLimitWaitOf(engine, sameTenant, Duration.ofSeconds(10));
            assertThat(sameTenantWaits.step()).isEqualTo("call-api");
            assertThat(sameTenantWaits.detail()).contains("for its group 7 ");
            assertThat(rateLimitWaitOf(engine, alsoNone, Duration.ofSeconds(10)).step()).isEqualTo("call-api");
            assertThat(STARTS_OF_RUN).containsEntry(first, 1).containsEntry(none, 1)
                    .doesNotContainKeys(sameTenant, alsoNone);
        }
    }

    @Test
    void instancesKeepGroupLimitsOnTheirOwnWhenToldTo() {
        STARTS_OF_RUN.clear();
        RateLimit oneADay = new RateLimit(1, Duration.ofDays(1));
        try (EmbeddedEngine first = groupedInstance(oneADay, true); EmbeddedEngine second = groupedInstance(oneADay, true)) {
            String here = first.flows().start("quota", Map.of("customer", "acme"));
            String there = second.flows().start("quota", Map.of("customer", "acme"));

            assertThat(rateLimitWaitOf(first, here, Duration.ofSeconds(10)).detail()).contains("on each instance");
            rateLimitWaitOf(second, there, Duration.ofSeconds(10));
            assertThat(STARTS_OF_RUN).containsEntry(here, 1).containsEntry(there, 1);
            assertThat(first.rateLimitUsage("quota", 10)).singleElement().satisfies(usage -> {
                assertThat(usage.group()).contains("\"acme\"");
                assertThat(usage.starts()).as("this instance's own start only").isEqualTo(1);
            });
        }
    }

    @Test
    void instancesSharingAStoreCountTheStartsOfAGroupTogether() {
        STARTS_OF_RUN.clear();
        RateLimit oneADay = new RateLimit(1, Duration.ofDays(1));
        try (EmbeddedEngine first = groupedInstance(oneADay, false); EmbeddedEngine second = groupedInstance(oneADay, false)) {
            String here = first.flows().start("quota", Map.of("customer", "acme"));
            rateLimitWaitOf(first, here, Duration.ofSeconds(10));
            String there = second.flows().start("quota", Map.of("customer", "acme"));
            String other = second.flows().start("quota", Map.of("customer", "globex"));

            assertThat(rateLimitWaitOf(second, there, Duration.ofSeconds(10)).step()).isEqualTo("call-api");
            rateLimitWaitOf(second, other, Duration.ofSeconds(10));
            assertThat(STARTS_OF_RUN).containsEntry(here, 1).doesNotContainKey(there).containsEntry(other, 1);
        }
    }

    private EmbeddedEngine groupedInstance(RateLimit limit, boolean perInstance) {
        return EmbeddedEngine.newBuilder().step(new CallApi()).step(new CallAgain()).store(sharedRuns)
                .schedulingStore(sharedScheduling).concurrency(4).rateLimit("quota", Optional.of(limit))
                .rateLimitGroupKey("quota", "customer").rateLimitsPerInstance(perInstance)
                .sweepEvery(Duration.ofMillis(50)).build();
    }

    @Test
    void aBurstOfOneGroupIsQueuedAgainSpreadAtTheLimitsRate() {
        EngineRateLimits limits = new EngineRateLimits(sharedScheduling, Clock.systemUTC());
        RateLimitGroup acme = new RateLimitGroup("quota", "\"acme\"");
        RateLimit twoPerSecond = new RateLimit(2, Duration.ofSeconds(1));
        limits.limit("quota", new EngineRateLimits.Kept(twoPerSecond, Optional.of("customer"), true), 4);
        Instant allowed = Instant.parse("2026-12-03T00:00:00Z");

        assertThat(List.of(limits.requeueAt(acme, twoPerSecond, allowed), limits.requeueAt(acme, twoPerSecond, allowed),
                limits.requeueAt(acme, twoPerSecond, allowed))).containsExactly(allowed, allowed.plusMillis(500),
                allowed.plusMillis(1000));
        assertThat(limits.requeueAt(new RateLimitGroup("quota", "\"globex\""), twoPerSecond, allowed)).isEqualTo(allowed);
        assertThat(limits.requeueAt(acme, twoPerSecond, allowed.plusSeconds(10))).isEqualTo(allowed.plusSeconds(10));
        // Booked in the store: another instance's refused steps come back after these.
        EngineRateLimits otherInstance = new EngineRateLimits(sharedScheduling, Clock.systemUTC());
        otherInstance.limit("quota", new EngineRateLimits.Kept(twoPerSecond, Optional.of("customer"), true), 4);
        assertThat(otherInstance.requeueAt(acme, twoPerSecond, allowed)).isEqualTo(allowed.plusMillis(10_500));
    }

    @Test
    void aLongGroupValueCountsUnderADigestThatFitsTheStore() {
        EngineRateLimits limits = new EngineRateLimits(sharedScheduling, Clock.systemUTC());
        limits.limit("quota", new EngineRateLimits.Kept(new RateLimit(1, Duration.ofSeconds(1)), Optional.of("id"), true), 4);
        JsonValue longValue = Json.PROVIDER.createValue("x".repeat(500));

        RateLimitGroup group = limits.groupOf("quota", key -> Optional.of(longValue));

        assertThat(group.group()).startsWith("sha256:").hasSizeLessThanOrEqualTo(RateLimitGroup.LONGEST_GROUP)
                .isEqualTo(limits.groupOf("quota", key -> Optional.of(longValue)).group())
                .isNotEqualTo(limits.groupOf("quota", key -> Optional.of(Json.PROVIDER.createValue("y".repeat(500)))).group());
        assertThat(limits.groupOf("other", key -> Optional.of(longValue))).isEqualTo(RateLimitGroup.wholeQueue("other"));
    }

    @Test
    void aGroupKeyIsReadForEachQueueAndRefusedWithoutALimitOrWhenItNamesNoField() {
        NventConfig config = config(Map.of("nvent.queue.limiter.max", "10", "nvent.queue.limiter.group-key", "tenant",
                "nvent.queue.mail.limiter.group-key", "recipient"));
        assertThat(QueueRateLimits.groupKey(config, "orders")).contains("tenant");
        assertThat(QueueRateLimits.groupKey(config, "mail")).contains("recipient");
        assertThat(QueueRateLimits.groupKey(config(Map.of()), "mail")).isEmpty();

        assertThatThrownBy(() -> QueueRateLimits.of(config(Map.of("nvent.queue.mail.limiter.group-key", "to")), "mail"))
                .hasMessageContaining("NVENT-0510").hasMessageContaining("nvent.queue.mail.limiter.group-key");
        assertThatThrownBy(() -> QueueRateLimits.checkDefaults(config(Map.of("nvent.queue.limiter.group-key", "to"))))
                .hasMessageContaining("NVENT-0510").hasMessageContaining("nvent.queue.limiter.group-key");
        assertThatThrownBy(() -> QueueRateLimits.groupKey(config(Map.of("nvent.queue.mail.limiter.group-key",
                "a\u0001b")), "mail")).hasMessageContaining("NVENT-0001")
                .hasMessageContaining("nvent.queue.mail.limiter.group-key").hasMessageContaining("'a?b'");
    }

    @Test
    void aLimitHoldsForTheClusterUnlessItsScopeSaysInstance() {
        assertThat(QueueRateLimits.perInstance(config(Map.of()), "mail")).isFalse();
        assertThat(QueueRateLimits.perInstance(config(Map.of("nvent.queue.limiter.scope", "instance")), "mail")).isTrue();
        assertThat(QueueRateLimits.perInstance(config(Map.of("nvent.queue.limiter.scope", "instance",
                "nvent.queue.mail.limiter.scope", "cluster")), "mail")).isFalse();
        assertThatThrownBy(() -> QueueRateLimits.perInstance(config(Map.of("nvent.queue.mail.limiter.scope", "global")),
                "mail")).hasMessageContaining("NVENT-0001").hasMessageContaining("nvent.queue.mail.limiter.scope")
                .hasMessageContaining("'global'");
    }

    @Test
    void aQueuesOwnLimitWinsOverTheDefaultAndZeroExemptsIt() {
        NventConfig config = config(Map.of("nvent.queue.limiter.max", "100", "nvent.queue.limiter.duration-ms", "60000",
                "nvent.queue.mail.limiter.max", "5", "nvent.queue.audit.limiter.max", "0"));

        assertThat(QueueRateLimits.of(config, "orders")).contains(new RateLimit(100, Duration.ofMinutes(1)));
        assertThat(QueueRateLimits.of(config, "mail")).contains(new RateLimit(5, Duration.ofMinutes(1)));
        assertThat(QueueRateLimits.of(config, "audit")).isEmpty();
        assertThat(QueueRateLimits.of(config(Map.of("nvent.queue.mail.limiter.max", "0",
                "nvent.queue.mail.limiter.duration-ms", "1000")), "mail")).as("exempt whatever its span").isEmpty();
        assertThat(QueueRateLimits.of(config(Map.of()), "orders")).isEmpty();
        assertThat(QueueRateLimits.of(config(Map.of("nvent.queue.mail.limiter.max", "3")), "mail"))
                .as("a second by default").contains(new RateLimit(3, Duration.ofSeconds(1)));
    }

    @Test
    void aLimitThatCannotBeKeptIsRefusedNamingItsKey() {
        assertThatThrownBy(() -> QueueRateLimits.of(config(Map.of("nvent.queue.mail.limiter.max", "-1")), "mail"))
                .hasMessageContaining("NVENT-0001").hasMessageContaining("nvent.queue.mail.limiter.max");
        assertThatThrownBy(() -> QueueRateLimits.of(config(Map.of("nvent.queue.limiter.max", "2000000")), "mail"))
                .hasMessageContaining("NVENT-0001").hasMessageContaining("nvent.queue.limiter.max")
                .hasMessageNotContaining("duration-ms");
        assertThatThrownBy(() -> QueueRateLimits.of(
                config(Map.of("nvent.queue.mail.limiter.max", "1", "nvent.queue.mail.limiter.duration-ms", "86400001")),
                "mail")).hasMessageContaining("nvent.queue.mail.limiter.duration-ms must be at most 86400000 ms");
        assertThatThrownBy(() -> QueueRateLimits.checkDefaults(config(Map.of("nvent.queue.limiter.duration-ms", "500"))))
                .hasMessageContaining("NVENT-0510").hasMessageContaining("nvent.queue.limiter.max is not");
        assertThatThrownBy(() -> QueueRateLimits.of(
                config(Map.of("nvent.queue.mail.limiter.max", "1", "nvent.queue.mail.limiter.duration-ms", "0")), "mail"))
                .hasMessageContaining("nvent.queue.mail.limiter.duration-ms");
        assertThatThrownBy(() -> QueueRateLimits.of(config(Map.of("nvent.queue.mail.limiter.duration-ms", "500")), "mail"))
                .hasMessageContaining("NVENT-0510").hasMessageContaining("nvent.queue.mail.limiter.max");
    }

    private static NventConfig config(Map<String, String> values) {
        return new NventConfig(key -> Optional.ofNullable(values.get(key)));
    }
}
