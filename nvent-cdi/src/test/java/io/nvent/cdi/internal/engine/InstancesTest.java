package io.nvent.cdi.internal.engine;

import io.nvent.ClusterInstance;
import io.nvent.FlowStep;
import io.nvent.HealthReport;
import io.nvent.InstanceStatus;
import io.nvent.Instances;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.VirtualClock;
import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.JobCounts;
import io.nvent.testkit.LogRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * The instance registry: each start of an instance keeps a record of itself in the store, refreshed by its sweep, so
 * that any instance tells which are live, which queues each takes, and which queue with waiting jobs none takes.
 */
class InstancesTest {

    private static final ToIntFunction<String> ALL_BUT_RENDER = queue -> queue.equals("render") ? 0 : 4;
    private static final ToIntFunction<String> RENDER_ONLY = queue -> queue.equals("render") ? 2 : 0;

    private final MemoryFlowStore store = new MemoryFlowStore();
    private final MemorySchedulingStore scheduling = new MemorySchedulingStore();
    private final MemoryJobQueue sharedQueue = new MemoryJobQueue(Clock.systemUTC(),
            Threads.daemonThreads("instances-worker"));
    /** A queue that says it holds one waiting job, whatever it holds. */
    private final MemoryJobQueue oneWaiting = withOneJobWaiting();

    @AfterEach
    void closeTheQueue() {
        oneWaiting.close();
    }

    @FlowStep(flow = "poster", name = "layout", role = StepRole.ENTRY, queue = "layout", emits = "laid-out")
    static class Layout implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("laid-out", "{}");
            return null;
        }
    }

    @FlowStep(flow = "poster", name = "render", queue = "render", subscribes = "laid-out")
    static class Render implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            return null;
        }
    }

    private EngineHarness instance(String name, ToIntFunction<String> workersOf) {
        return EngineHarness.pooled(store, scheduling, sharedQueue, name, workersOf, new Layout(), new Render());
    }

    private static ClusterInstance of(Instances instances, String instanceId) {
        return instances.instances().stream().filter(i -> i.instanceId().equals(instanceId)).findFirst().orElseThrow();
    }

    @Test
    void twoInstancesOnOneStoreSeeEachOtherLiveWithTheQueuesEachTakes() {
        try (EngineHarness web = instance("web", ALL_BUT_RENDER); EngineHarness gpu = instance("gpu", RENDER_ONLY)) {
            Instances seen = web.engine.instances();

            assertThat(seen.kept()).isTrue();
            assertThat(seen.live()).extracting(ClusterInstance::instanceId).containsExactlyInAnyOrder("web", "gpu");
            ClusterInstance gpuSeen = of(seen, "gpu");
            assertThat(gpuSeen.queues()).containsEntry("render", 2).containsEntry("layout", 0);
            assertThat(gpuSeen.engineEnabled()).isTrue();
            assertThat(gpuSeen.ticksTriggers()).isTrue();
            assertThat(gpuSeen.startedAt()).isEqualTo(EngineHarness.START);
            assertThat(gpuSeen.thisInstance()).isFalse();
            assertThat(of(seen, "web").thisInstance()).isTrue();
            assertThat(gpuSeen.takes("render")).isTrue();
            assertThat(of(seen, "web").takes("render")).isFalse();
        }
    }

    @Test
    void theRecordCarriesTheProjectsVersionWithoutAJarManifest() throws java.io.IOException {
        String pom = java.nio.file.Files.readString(java.nio.file.Path.of("pom.xml")); // the module's, as built
        java.util.regex.Matcher parent = java.util.regex.Pattern.compile("<parent>.*?<version>([^<]+)</version>",
                java.util.regex.Pattern.DOTALL).matcher(pom);
        assertThat(parent.find()).isTrue();
        try (EngineHarness web = instance("web", ALL_BUT_RENDER)) {
            assertThat(of(web.engine.instances(), "web").version())
                    .as("the version Maven filtered in at build time, not the manifest's (none in a test)")
                    .isEqualTo(parent.group(1)).isNotEqualTo("unknown");
        }
    }

    /**
     * A rolling upgrade: two builds of one snapshot version differ in the store schema they bring and the commit they
     * were built from. Every start's record, and its log, say which, so that any instance shows the old and the new
     * builds side by side; the record of an nvent from before (which wrote neither) says they are not known.
     */
    @Test
    void everyStartsRecordAndLogSayWhichBuildItRunsAndTheRecordOfAnOlderNventSaysItIsNotKnown() {
        MemorySchedulingStore versioned = new MemorySchedulingStore() {
            @Override
            public java.util.Optional<String> schemaVersion() {
                return java.util.Optional.of("45");
            }
        };
        try (LogRecorder log = LogRecorder.recording(entry -> entry.getMessage().startsWith("NVENT-0110"));
             EngineHarness web = EngineHarness.withStartsStoredFirst(versioned, new Layout(), new Render());
             EngineHarness gpu = EngineHarness.beside(web, "gpu", settings -> settings, new Layout(), new Render())) {
            // As an instance of the build before keeps its record: without the build's schema and commit.
            versioned.saveInstance(new io.nvent.spi.InstanceRecord("old-1", "t0", EngineHarness.START,
                    EngineHarness.START, java.util.Optional.empty(), "0.1.9", true, Map.of("layout", 4), true));
            Instances seen = gpu.engine.instances();

            assertThat(seen.schemaVersioned()).isTrue();
            assertThat(of(seen, "instance-a").thisInstance()).isFalse();
            assertThat(of(seen, "instance-a").storeSchema()).as("another start's, from its record").contains("45");
            assertThat(of(seen, "instance-a").commit()).isEqualTo(Build.CURRENT.commit());
            assertThat(of(seen, "gpu").storeSchema()).contains("45");
            assertThat(of(seen, "old-1").version()).isEqualTo("0.1.9");
            assertThat(of(seen, "old-1").storeSchema()).as("not known, not an error").isEmpty();
            assertThat(of(seen, "old-1").commit()).isEmpty();
            assertThat(log.records()).hasSize(2).allSatisfy(started -> assertThat(formatted(started))
                    .contains("(nvent " + Build.CURRENT.version() + ", commit " + Build.CURRENT.commitOrUnknown()
                            + ", store schema V45)"));
        }
        try (LogRecorder log = LogRecorder.recording(entry -> entry.getMessage().startsWith("NVENT-0110"));
             EngineHarness memory = instance("web", ALL_BUT_RENDER)) {
            assertThat(of(memory.engine.instances(), "web").storeSchema()).isEmpty();
            assertThat(memory.engine.instances().schemaVersioned()).as("none to know, not unknown").isFalse();
            assertThat(log.records()).singleElement().satisfies(started -> assertThat(formatted(started))
                    .contains("store schema none (a store without a versioned schema, as the memory store)"));
        }
    }

    /** A store of a third party written before the build was kept: the start that answers still says its own. */
    @Test
    void theStartThatAnswersSaysItsOwnBuildOnAStoreThatDoesNotKeepItWithTheRecord() {
        MemorySchedulingStore keepsNoBuild = new MemorySchedulingStore() {
            @Override
            public java.util.Optional<String> schemaVersion() {
                return java.util.Optional.of("45");
            }

            @Override
            public void saveInstance(io.nvent.spi.InstanceRecord instance) {
                super.saveInstance(new io.nvent.spi.InstanceRecord(instance.instanceId(), instance.startToken(),
                        instance.startedAt(), instance.lastSeen(), instance.stoppedAt(), instance.version(),
                        instance.engineEnabled(), instance.queues(), instance.ticksTriggers()));
            }
        };
        try (EngineHarness web = EngineHarness.withStartsStoredFirst(keepsNoBuild, new Layout(), new Render());
             EngineHarness gpu = EngineHarness.beside(web, "gpu", settings -> settings, new Layout(), new Render())) {
            Instances seen = web.engine.instances();

            assertThat(of(seen, "instance-a").storeSchema()).contains("45");
            assertThat(of(seen, "instance-a").commit()).isEqualTo(Build.CURRENT.commit());
            assertThat(of(seen, "gpu").storeSchema()).as("another start's: its record does not say").isEmpty();
            assertThat(of(seen, "gpu").commit()).isEmpty();
        }
    }

    private static String formatted(java.util.logging.LogRecord entry) {
        return java.text.MessageFormat.format(entry.getMessage(), entry.getParameters());
    }

    @Test
    void anInstanceThatStopsShowsStoppedAndOneThatStopsRefreshingShowsGoneThenIsDeletedADayLater() {
        try (EngineHarness web = instance("web", ALL_BUT_RENDER); EngineHarness gpu = instance("gpu", RENDER_ONLY);
             EngineHarness crashing = instance("crashing", RENDER_ONLY)) {
            gpu.engine.recordInstanceStopped();
            assertThat(of(web.engine.instances(), "gpu").status()).isEqualTo(InstanceStatus.STOPPED);
            assertThat(of(web.engine.instances(), "gpu").stoppedAt()).contains(EngineHarness.START);

            web.clock.advance(Instances.GONE_AFTER.plusSeconds(1));
            web.sweep();
            Instances later = web.engine.instances();
            assertThat(of(later, "crashing").status()).as("not seen for three refreshes").isEqualTo(InstanceStatus.GONE);
            assertThat(of(later, "web").status()).as("refreshed by its sweep").isEqualTo(InstanceStatus.LIVE);
            assertThat(of(later, "web").lastSeen()).isEqualTo(web.clock.instant());

            web.clock.advance(Instances.KEPT_FOR);
            web.sweep();
            assertThat(web.engine.instances().instances()).extracting(ClusterInstance::instanceId)
                    .as("the stopped and the gone records are deleted a day later").containsExactly("web");
        }
    }

    @Test
    void anInstanceWhoseClockIsBehindShowsLiveWhileItRefreshesAndGoneOnceItStops() {
        try (EngineHarness web = instance("web", ALL_BUT_RENDER); EngineHarness gpu = instance("gpu", RENDER_ONLY)) {
            Duration behind = Instances.GONE_AFTER.plusSeconds(10);
            web.clock.advance(behind); // gpu's clock is 40 s behind web's from now on
            web.sweep();

            for (int refresh = 0; refresh < 3; refresh++) {
                gpu.clock.advance(Instances.REFRESH);
                gpu.sweep();
                web.clock.advance(Instances.REFRESH);
                web.sweep();
            }

            assertThat(of(web.engine.instances(), "gpu").status()).as("it refreshes its record, if by a clock behind")
                    .isEqualTo(InstanceStatus.LIVE);

            web.clock.advance(Instances.GONE_AFTER.plusSeconds(1));
            web.sweep();
            assertThat(of(web.engine.instances(), "gpu").status()).as("no refresh seen for three refreshes")
                    .isEqualTo(InstanceStatus.GONE);
        }
    }

    /**
     * An instance that starts while another runs, its clock a minute behind the other's: its first record says it was
     * seen a minute ago by the other's clock, which showed it gone (instances screen, {@code GET /api/nvent/instances})
     * until it refreshed. A record that was not there at the reader's previous read was written since: live, whatever
     * its clock says; it goes gone only once its refreshes stop.
     */
    @Test
    void anInstanceStartingWithAClockAMinuteBehindShowsLiveAtOnceToOneAlreadyRunning() {
        VirtualClock webClock = VirtualClock.startingAt(EngineHarness.START);
        VirtualClock gpuClock = VirtualClock.startingAt(EngineHarness.START.minus(Duration.ofMinutes(1)));
        InstanceRegistry web = new InstanceRegistry(scheduling, sharedQueue, webClock, "web", "w1", Map::of);
        web.started(true, Map.of("render", 0));
        refreshAfterAWhile(web, webClock);
        gpuClock.advance(Instances.REFRESH.multipliedBy(2));
        InstanceRegistry gpu = new InstanceRegistry(scheduling, sharedQueue, gpuClock, "gpu", "g1", Map::of);
        gpu.started(true, Map.of("render", 2));

        assertThat(of(web.view(), "gpu").status()).as("read before web's next refresh").isEqualTo(InstanceStatus.LIVE);
        refreshAfterAWhile(web, webClock);
        assertThat(of(web.view(), "gpu").status()).as("read at web's next refresh").isEqualTo(InstanceStatus.LIVE);
        assertThat(web.liveCount()).hasValue(2);

        for (int refresh = 0; refresh < 4; refresh++) {
            refreshAfterAWhile(web, webClock);
        }
        assertThat(of(web.view(), "gpu").status()).as("no refresh of its own seen for 40 s")
                .isEqualTo(InstanceStatus.GONE);
    }

    @Test
    void aRestartUnderTheSameIdIsANewStartBesideTheOldOne() {
        try (EngineHarness first = instance("web", ALL_BUT_RENDER)) {
            first.engine.recordInstanceStopped();
            try (EngineHarness second = instance("web", ALL_BUT_RENDER)) {
                Instances seen = second.engine.instances();
                assertThat(seen.instances()).hasSize(2);
                assertThat(seen.instances()).extracting(ClusterInstance::status)
                        .containsExactlyInAnyOrder(InstanceStatus.LIVE, InstanceStatus.STOPPED);
                assertThat(seen.instances()).extracting(ClusterInstance::startToken).doesNotHaveDuplicates();
            }
        }
    }

    @Test
    void aQueueWithWaitingJobsThatNoLiveInstanceTakesIsReportedAndLoggedOnce() {
        try (EngineHarness web = instance("web", ALL_BUT_RENDER);
             RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(InstanceRegistry.class)) {
            web.engine.start("poster", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> sharedQueue.counts("render").waiting() == 1);

            web.clock.advance(Instances.REFRESH);
            web.sweep();

            assertThat(web.engine.instances().untakenQueues()).containsExactly(java.util.Map.entry("render", 1L));
            HealthReport health = web.engine.health();
            HealthReport.Check queues = health.checks().stream().filter(c -> c.name().equals("queues")).findFirst()
                    .orElseThrow();
            assertThat(queues.up()).isFalse();
            assertThat(queues.detail()).contains("render", "nvent.queues.include");
            assertThat(health.ready()).as("this instance takes its work; the queue it leaves waits").isTrue();
            assertThat(log.logged).filteredOn(line -> line.startsWith("NVENT-0030")).singleElement().asString()
                    .contains("queue render has 1 waiting job(s)", "nvent.queue.render.concurrency");

            web.clock.advance(Instances.REFRESH);
            web.sweep();
            assertThat(log.logged).filteredOn(line -> line.startsWith("NVENT-0030")).as("once per few minutes")
                    .hasSize(1);

            try (EngineHarness gpu = instance("gpu", RENDER_ONLY)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> sharedQueue.counts("render").waiting() == 0);
                web.clock.advance(Instances.REFRESH);
                web.sweep();
                assertThat(web.engine.instances().untakenQueues()).isEmpty();
                assertThat(web.engine.health().checks()).filteredOn(c -> c.name().equals("queues"))
                        .singleElement().extracting(HealthReport.Check::up).isEqualTo(true);
                assertThat(log.logged).anyMatch(line -> line.startsWith("NVENT-0031 queue render"));
            }
        }
    }

    /**
     * An on-call operator reading the health report while a queue backs up: a queue paused (an operator's choice)
     * leaves the check up, and the report says which queue is held back, how many jobs wait, and what undoes it.
     */
    @Test
    void aPausedQueueWithWaitingJobsLeavesTheCheckUpAndTheReportSaysItIsHeldBackAndHowToResumeIt() {
        try (EngineHarness web = instance("web", queue -> 4)) {
            sharedQueue.pause("layout");
            web.engine.start("poster", null);
            await().until(() -> sharedQueue.counts("layout").waiting() == 1);

            web.clock.advance(Instances.REFRESH);
            web.sweep();

            HealthReport.Check paused = queuesCheck(web);
            assertThat(paused.up()).as("a pause is an operator's choice").isTrue();
            assertThat(paused.detail()).contains("NVENT-0055 held back by an operator",
                    "queue layout paused by code@", "POST /api/nvent/queues/<name>/resume", "NVENT-0016");

            sharedQueue.resume("layout");
            await().until(() -> sharedQueue.counts("layout").waiting() == 0);
            web.clock.advance(Instances.REFRESH);
            web.sweep();
            assertThat(queuesCheck(web).detail()).isEqualTo("every queue with waiting jobs has a live instance taking it");
        }
    }

    /**
     * A queue both paused and set to 0 workers: the report says both, or the operator resumes it as told and its jobs
     * still wait, with no worker to take them.
     */
    @Test
    void aQueuePausedAndSetToNoWorkersIsReportedAsBothSoThatAResumeAloneIsNotTakenForTheCure() {
        try (EngineHarness web = instance("web", queue -> 4)) {
            sharedQueue.pause("layout");
            scheduling.setQueueWorkers("layout", java.util.OptionalInt.of(0));
            web.engine.start("poster", null);
            await().until(() -> sharedQueue.counts("layout").waiting() == 1);

            web.clock.advance(Instances.REFRESH);
            web.sweep();

            HealthReport.Check held = queuesCheck(web);
            assertThat(held.up()).isTrue();
            // Paused on the adapter in code: by code on this instance, and since when.
            assertThat(held.detail()).containsPattern(
                    "queue layout paused by code@\\S+ at \\S+ and set to 0 workers by unknown \\(1 waiting\\)");
        }
    }

    /**
     * The on-call operator again, the queue paused through the engine by a signed-in user with a reason, or set to 0
     * workers: the report says who held it back, when and why, as the store keeps it.
     */
    @Test
    void aQueueHeldBackByAUserSaysInTheReportWhoHeldItBackWhenAndWhy() {
        try (EngineHarness web = instance("web", queue -> 4)) {
            Instant pausedAt = web.clock.instant();
            OperatorScope.actingAs(io.nvent.Operator.signedIn("alice").because("supplier outage"), () -> {
                web.engine.queuePauses().pause("layout");
                return null;
            });
            web.engine.start("poster", null);
            await().until(() -> sharedQueue.counts("layout").waiting() == 1);

            web.clock.advance(Instances.REFRESH);
            web.sweep();

            assertThat(queuesCheck(web).detail()).contains("NVENT-0055 held back by an operator",
                    "queue layout paused by alice at " + pausedAt + ": supplier outage (1 waiting)");
        }
    }

    /**
     * On PostgreSQL each question to the queue adapter whether a queue is paused is a round trip to the database: a
     * refresh of the health check asks once for all its queues, not once per queue.
     */
    @Test
    void aRefreshOfTheHealthCheckAsksTheQueueAdapterWhichQueuesArePausedOnceForAllOfThem() {
        java.util.concurrent.atomic.AtomicInteger pauseReads = new java.util.concurrent.atomic.AtomicInteger();
        MemoryJobQueue countingReads = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("reads-worker")) {
            @Override
            public JobCounts counts(String queueName) {
                return new JobCounts(1, 0, 0, 0, 0);
            }

            @Override
            public boolean isPaused(String queueName) {
                pauseReads.incrementAndGet();
                return super.isPaused(queueName);
            }

            @Override
            public Set<String> pausedQueues(Set<String> queues) {
                pauseReads.incrementAndGet();
                return queues.stream().filter(super::isPaused).collect(java.util.stream.Collectors.toSet());
            }
        };
        try {
            VirtualClock clock = VirtualClock.startingAt(Instant.parse("2026-12-07T10:00:00Z"));
            InstanceRegistry web = new InstanceRegistry(scheduling, countingReads, clock, "web", "w1",
                    () -> Map.of("layout", Set.of("poster"), "render", Set.of("poster"), "mail", Set.of("poster")));
            countingReads.pause("layout");
            countingReads.pause("mail");
            web.started(true, Map.of("layout", 4, "render", 4, "mail", 4));
            pauseReads.set(0);

            refreshAfterAWhile(web, clock);

            assertThat(web.check().detail()).contains("queue layout paused by code@",
                    "queue mail paused by code@").doesNotContain("queue render");
            assertThat(pauseReads).as("questions to the adapter for three queues").hasValue(1);
        } finally {
            countingReads.close();
        }
    }

    private static HealthReport.Check queuesCheck(EngineHarness instance) {
        return instance.engine.health().checks().stream().filter(c -> c.name().equals("queues")).findFirst()
                .orElseThrow();
    }

    @Test
    void aCleanRestartOfAQueuesOnlyTakerWarnsOfNothingAndAQueueLeftByAStopWarnsOnceNoneTookItForTheRestartGrace() {
        VirtualClock clock = VirtualClock.startingAt(EngineHarness.START);
        InstanceRegistry web = webTakingRender(oneWaiting, clock);
        InstanceRegistry gpuBefore = new InstanceRegistry(scheduling, oneWaiting, clock, "gpu", "g1", Map::of);
        try (RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(InstanceRegistry.class)) {
            gpuBefore.started(true, Map.of("render", 2));
            web.started(true, Map.of("render", 0));
            refreshAfterAWhile(web, clock);

            gpuBefore.stopped(); // a rolling restart: the new start comes up a few seconds later
            refreshAfterAWhile(web, clock);
            assertThat(web.check().up()).as("its only taker restarts").isTrue();
            InstanceRegistry gpuAfter = new InstanceRegistry(scheduling, oneWaiting, clock, "gpu", "g2", Map::of);
            clock.advance(Instances.REFRESH);
            gpuAfter.started(true, Map.of("render", 2));
            web.refresh(clock.instant());
            assertThat(web.check().up()).isTrue();
            assertThat(log.logged).noneMatch(line -> line.startsWith("NVENT-0030"));

            gpuAfter.stopped(); // for good this time
            long refreshes = InstanceRegistry.RESTART_GRACE.dividedBy(Instances.REFRESH);
            for (int refresh = 1; refresh <= refreshes; refresh++) {
                refreshAfterAWhile(web, clock);
                assertThat(web.check().up()).as("%d s after the stop", 10 * refresh).isTrue();
            }
            clock.advance(Duration.ofSeconds(1));
            web.refresh(clock.instant());
            refreshAfterAWhile(web, clock);
            assertThat(web.check().up()).as("no live instance took it for the restart grace").isFalse();
            assertThat(log.logged).filteredOn(line -> line.startsWith("NVENT-0030")).singleElement().asString()
                    .contains("queue render has 1 waiting job(s)");
        }
    }

    @Test
    void aNewStartThatTakesMinutesToWriteItsRecordAfterItsQueuesOnlyTakerStoppedWarnsOfNothing() {
        VirtualClock clock = VirtualClock.startingAt(EngineHarness.START);
        InstanceRegistry web = webTakingRender(oneWaiting, clock);
        InstanceRegistry gpuBefore = new InstanceRegistry(scheduling, oneWaiting, clock, "gpu", "g1", Map::of);
        try (RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(InstanceRegistry.class)) {
            gpuBefore.started(true, Map.of("render", 2));
            web.started(true, Map.of("render", 0));
            gpuBefore.stopped(); // a redeploy whose new start migrates, connects and deploys for two minutes
            for (int refresh = 0; refresh < 12; refresh++) {
                refreshAfterAWhile(web, clock);
            }
            assertThat(web.check().up()).as("its only taker is starting again").isTrue();
            new InstanceRegistry(scheduling, oneWaiting, clock, "gpu", "g2", Map::of).started(true, Map.of("render", 2));
            refreshAfterAWhile(web, clock);
            assertThat(web.check().up()).isTrue();
            assertThat(log.logged).noneMatch(line -> line.startsWith("NVENT-0030"));
        }
    }

    @Test
    void aNewStartUnderAnExplicitIdReplacesItsStoppedPredecessorAsTakerAtOnceWithItsOwnQueues() {
        VirtualClock clock = VirtualClock.startingAt(EngineHarness.START);
        InstanceRegistry web = webTakingRender(oneWaiting, clock);
        try (RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(InstanceRegistry.class)) {
            InstanceRegistry gpuBefore = gpu0Started(oneWaiting, clock, "g1", Map.of("render", 2));
            web.started(true, Map.of("render", 0));
            clock.advance(Instances.REFRESH);
            web.refresh(clock.instant());
            assertThat(web.check().up()).isTrue();

            gpuBefore.stopped(); // nvent.instance-id=gpu-0 restarts, now with nvent.queues.exclude=render
            clock.advance(Instances.REFRESH);
            gpu0Started(oneWaiting, clock, "g2", Map.of("render", 0, "layout", 4));
            web.refresh(clock.instant());

            assertThat(web.check().up()).as("gpu-0's new start is its taker now, and it leaves render").isFalse();
            assertThat(web.view().untakenQueues()).containsOnlyKeys("render");
            assertThat(log.logged).filteredOn(line -> line.startsWith("NVENT-0030")).singleElement().asString()
                    .contains("queue render has 1 waiting job(s)");
            assertThat(web.view().instances()).as("the stopped start is still listed, beside its successor")
                    .extracting(ClusterInstance::startToken).contains("g1", "g2");
        }
    }

    @Test
    void aNewStartUnderTheIdOfAStartThatDiedShowsItGoneAndNoLongerItsTakerAtOnce() {
        VirtualClock clock = VirtualClock.startingAt(EngineHarness.START);
        InstanceRegistry web = webTakingRender(oneWaiting, clock);
        try (RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(InstanceRegistry.class)) {
            gpu0Started(oneWaiting, clock, "g1", Map.of("render", 2));
            web.started(true, Map.of("render", 0)); // gpu-0 dies now, and its pod comes back under its name
            clock.advance(Instances.REFRESH);
            gpu0Started(oneWaiting, clock, "g2", Map.of("render", 0));
            web.refresh(clock.instant());

            assertThat(web.check().up()).as("not 30 s after the crash: its new start leaves render").isFalse();
            assertThat(web.view().instances()).filteredOn(instance -> instance.startToken().equals("g1"))
                    .singleElement().extracting(ClusterInstance::status).isEqualTo(InstanceStatus.GONE);
            assertThat(web.liveCount()).hasValue(2);
        }
    }

    @Test
    void aStartStillRunningWhenAnotherStartsUnderItsIdWarnsOnceThatTwoInstancesShareTheId() {
        VirtualClock clock = VirtualClock.startingAt(EngineHarness.START);
        try (RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(InstanceRegistry.class)) {
            InstanceRegistry first = gpu0Started(sharedQueue, clock, "g1", Map.of("render", 2));
            clock.advance(Instances.REFRESH);
            // A copy of the pod with the same nvent.instance-id.
            InstanceRegistry second = gpu0Started(sharedQueue, clock, "g2", Map.of("render", 2));
            clock.advance(Instances.REFRESH);
            first.refresh(clock.instant());
            second.refresh(clock.instant());
            clock.advance(Instances.REFRESH);
            first.refresh(clock.instant());

            assertThat(log.logged).filteredOn(line -> line.startsWith("NVENT-0039")).as("once, by the start replaced")
                    .singleElement().asString().contains("instance id gpu-0", "start g2", "this start g1",
                            "nvent.instance-id");
        }
    }

    /**
     * A copy of the pod with the same id starts on a node whose clock is a minute behind: the running start finds its
     * record later, so takes it for the later start and shows itself gone, counting none of its own queues. It said
     * nothing of it, as it looked for a sharer only among the starts whose clock said they started after it.
     */
    @Test
    void aStartReplacedByACopyWhoseClockIsBehindWarnsThatTwoInstancesShareTheId() {
        VirtualClock clock = VirtualClock.startingAt(EngineHarness.START);
        VirtualClock aMinuteBehind = VirtualClock.startingAt(EngineHarness.START.minus(Duration.ofMinutes(1)));
        try (RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(InstanceRegistry.class)) {
            InstanceRegistry first = gpu0Started(sharedQueue, clock, "g1", Map.of("render", 2));
            clock.advance(Instances.REFRESH);
            aMinuteBehind.advance(Instances.REFRESH);
            gpu0Started(sharedQueue, aMinuteBehind, "g2", Map.of("render", 2));
            clock.advance(Instances.REFRESH);
            first.refresh(clock.instant());

            assertThat(first.view().instances()).filteredOn(ClusterInstance::thisInstance).singleElement()
                    .extracting(ClusterInstance::status).as("replaced").isEqualTo(InstanceStatus.GONE);
            // (the copy, at its first read, ranks the two by their start times: it warns too, of g1)
            assertThat(log.logged).filteredOn(line -> line.startsWith("NVENT-0039") && line.contains("this start g1"))
                    .as("by the start replaced").singleElement().asString().contains("instance id gpu-0", "start g2");
        }
    }

    @Test
    void aNewStartWhoseClockIsBehindItsDeadPredecessorsShowsLiveAndTakesItsQueuesOnceThePredecessorIsGone() {
        BackBehind back = gpu0BackOnANodeWhoseClockIsBehind();
        for (int refresh = 0; refresh < 5; refresh++) {
            back.clock().advance(Instances.REFRESH);
            back.gpu().refresh(back.clock().instant());
            back.web().refresh(back.clock().instant());
        }

        assertThat(back.web().view().instances()).filteredOn(instance -> instance.startToken().equals("g2"))
                .singleElement().extracting(ClusterInstance::status).isEqualTo(InstanceStatus.LIVE);
        assertThat(back.web().check().up()).as("the live start takes render").isTrue();
    }

    /**
     * The pod of a start that died comes back on a node whose clock is two minutes behind: by the clocks it started
     * before its predecessor, which showed it gone and its predecessor live (and the queue's taker) for 30 s. The start
     * a reader finds in the store after the other is the later one, whatever the clocks say.
     */
    @Test
    void aNewStartWhoseClockIsBehindItsDeadPredecessorsShowsLiveAndItsPredecessorGoneAtTheNextRead() {
        Instances seen = gpu0BackOnANodeWhoseClockIsBehind().web().view();

        assertThat(seen.instances()).filteredOn(instance -> instance.instanceId().equals("gpu-0"))
                .extracting(ClusterInstance::startToken, ClusterInstance::status)
                .containsExactlyInAnyOrder(tuple("g1", InstanceStatus.GONE), tuple("g2", InstanceStatus.LIVE));
    }

    @Test
    void aStartReplacedAfterItStoppedWarnsOfNoSharedId() {
        VirtualClock clock = VirtualClock.startingAt(EngineHarness.START);
        try (RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(InstanceRegistry.class)) {
            InstanceRegistry first = gpu0Started(sharedQueue, clock, "g1", Map.of("render", 2));
            first.stopped();
            clock.advance(Instances.REFRESH);
            InstanceRegistry second = gpu0Started(sharedQueue, clock, "g2", Map.of("render", 2));
            clock.advance(Instances.REFRESH);
            second.refresh(clock.instant());

            assertThat(log.logged).noneMatch(line -> line.startsWith("NVENT-0039"));
        }
    }

    @Test
    void aQueueWhoseOnlyTakerDiedWarnsOnceItWasNotSeenForThirtySeconds() {
        VirtualClock clock = VirtualClock.startingAt(EngineHarness.START);
        InstanceRegistry web = webTakingRender(oneWaiting, clock);
        try (RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(InstanceRegistry.class)) {
            new InstanceRegistry(scheduling, oneWaiting, clock, "gpu", "g1", Map::of).started(true, Map.of("render", 2));
            web.started(true, Map.of("render", 0)); // gpu dies now: it never refreshes its record again
            for (int refresh = 0; refresh < 3; refresh++) {
                refreshAfterAWhile(web, clock);
                assertThat(web.check().up()).isTrue();
            }
            refreshAfterAWhile(web, clock);
            assertThat(web.check().up()).as("a crash is no clean stop: no restart grace").isFalse();
            assertThat(log.logged).filteredOn(line -> line.startsWith("NVENT-0030")).hasSize(1);
        }
    }

    @Test
    void aDeployedQueueNoInstanceTakesIsWarnedOnceAfterTheGraceEvenWithNoJobWaiting() {
        VirtualClock clock = VirtualClock.startingAt(EngineHarness.START);
        InstanceRegistry web = new InstanceRegistry(scheduling, sharedQueue, clock, "web", "w1",
                () -> Map.of("layout", Set.of("poster"), "mail", Set.of("poster"), // in name order, as deployed
                        "render", new java.util.TreeSet<>(Set.of("poster", "flyer"))));
        try (RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(InstanceRegistry.class)) {
            web.started(true, Map.of("layout", 4, "render", 0, "mail", 0));
            refreshAfterAWhile(web, clock);
            new InstanceRegistry(scheduling, sharedQueue, clock, "mailer", "m1", Map::of).started(true,
                    Map.of("mail", 1)); // starting later than this one: no warning for its queue
            refreshAfterAWhile(web, clock);
            assertThat(log.logged).as("the others may be starting").noneMatch(line -> line.startsWith("NVENT-0037"));

            for (int refresh = 0; refresh < 3; refresh++) {
                refreshAfterAWhile(web, clock);
            }
            assertThat(log.logged).filteredOn(line -> line.startsWith("NVENT-0037")).singleElement().asString()
                    .contains("queue render", "flyer, poster", "nvent.queues.include", "nvent.queues.exclude",
                            "nvent.queue.render.concurrency", "nvent.engine.enabled");
            assertThat(web.check().up()).as("no job waits: the health check stays up").isTrue();
        }
    }

    @Test
    void aRedeployThatLeavesAQueueToNobodyWarnsOnceItsFormerStartsGraceIsOverNotNever() {
        VirtualClock clock = VirtualClock.startingAt(EngineHarness.START);
        Supplier<Map<String, Set<String>>> deployed = () -> Map.of("render", Set.of("poster"));
        try (RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(InstanceRegistry.class)) {
            InstanceRegistry before = new InstanceRegistry(scheduling, sharedQueue, clock, "app-1", "a1", deployed);
            before.started(true, Map.of("render", 2));
            before.stopped(); // redeployed with nvent.queues.exclude=render by mistake: a new start, no taker
            InstanceRegistry after = new InstanceRegistry(scheduling, sharedQueue, clock, "app-2", "a2", deployed);
            after.started(true, Map.of("render", 0));
            long refreshes = InstanceRegistry.RESTART_GRACE.dividedBy(Instances.REFRESH);
            for (int refresh = 1; refresh <= refreshes; refresh++) {
                clock.advance(Instances.REFRESH);
                after.refresh(clock.instant());
            }
            assertThat(log.logged).as("its former start may still be coming up")
                    .noneMatch(line -> line.startsWith("NVENT-0037"));
            for (int refresh = 0; refresh < 3; refresh++) {
                clock.advance(Instances.REFRESH);
                after.refresh(clock.instant());
            }
            assertThat(log.logged).filteredOn(line -> line.startsWith("NVENT-0037")).singleElement().asString()
                    .contains("queue render", "poster");
        }
    }

    @Test
    void aRestartOfEveryInstanceWhoseQueuesTakerComesUpWithinTheGraceWarnsOfNothing() {
        VirtualClock clock = VirtualClock.startingAt(EngineHarness.START);
        Supplier<Map<String, Set<String>>> deployed = () -> Map.of("render", Set.of("poster"));
        try (RetentionSweepTest.Messages log = new RetentionSweepTest.Messages(InstanceRegistry.class)) {
            InstanceRegistry webBefore = new InstanceRegistry(scheduling, sharedQueue, clock, "web", "w1", deployed);
            webBefore.started(true, Map.of("render", 0));
            InstanceRegistry gpuBefore = new InstanceRegistry(scheduling, sharedQueue, clock, "gpu", "g1", deployed);
            gpuBefore.started(true, Map.of("render", 2));
            webBefore.stopped();
            gpuBefore.stopped(); // both restart: web first, gpu's new start takes 4 minutes
            InstanceRegistry web = new InstanceRegistry(scheduling, sharedQueue, clock, "web", "w2", deployed);
            web.started(true, Map.of("render", 0));
            for (int refresh = 0; refresh < 24; refresh++) {
                refreshAfterAWhile(web, clock);
            }
            new InstanceRegistry(scheduling, sharedQueue, clock, "gpu", "g2", deployed).started(true, Map.of("render", 2));
            for (int refresh = 0; refresh < 60; refresh++) {
                refreshAfterAWhile(web, clock);
            }
            assertThat(log.logged).noneMatch(line -> line.startsWith("NVENT-0037"));
        }
    }

    /** The registry of instance w1 of "web", whose flows name the queue render (for poster) though it takes none. */
    private InstanceRegistry webTakingRender(MemoryJobQueue queue, VirtualClock clock) {
        return new InstanceRegistry(scheduling, queue, clock, "web", "w1", () -> Map.of("render", Set.of("poster")));
    }

    /**
     * A start of the instance gpu-0 (its {@code nvent.instance-id}), under {@code startToken}, that has started with
     * {@code workers} per queue (0: the queue is deployed there but not taken).
     */
    private InstanceRegistry gpu0Started(MemoryJobQueue queue, Clock clock, String startToken,
                                         Map<String, Integer> workers) {
        InstanceRegistry start = new InstanceRegistry(scheduling, queue, clock, "gpu-0", startToken, Map::of);
        start.started(true, workers);
        return start;
    }

    /** The clock of web and of gpu-0's new start, web's registry and the new start's. */
    private record BackBehind(VirtualClock clock, InstanceRegistry web, InstanceRegistry gpu) {
    }

    /**
     * web takes render; gpu-0 started (g1) on a node whose clock is two minutes ahead of web's and died; one refresh
     * later its pod came back (g2) on a node with web's clock, two minutes behind its predecessor's.
     */
    private BackBehind gpu0BackOnANodeWhoseClockIsBehind() {
        VirtualClock clock = VirtualClock.startingAt(EngineHarness.START);
        VirtualClock twoMinutesAhead = VirtualClock.startingAt(EngineHarness.START.plus(Duration.ofMinutes(2)));
        InstanceRegistry web = webTakingRender(oneWaiting, clock);
        gpu0Started(oneWaiting, twoMinutesAhead, "g1", Map.of("render", 2));
        web.started(true, Map.of("render", 0)); // gpu-0 dies; its pod comes back on a node whose clock is behind
        clock.advance(Instances.REFRESH);
        return new BackBehind(clock, web, gpu0Started(oneWaiting, clock, "g2", Map.of("render", 2)));
    }

    /** One {@link Instances#REFRESH} later, {@code registry} refreshes its record and looks at the others'. */
    private static void refreshAfterAWhile(InstanceRegistry registry, VirtualClock clock) {
        clock.advance(Instances.REFRESH);
        registry.refresh(clock.instant());
    }

    private static MemoryJobQueue withOneJobWaiting() {
        return new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("registry-worker")) {
            @Override
            public JobCounts counts(String queueName) {
                return new JobCounts(1, 0, 0, 0, 0);
            }
        };
    }

    @Test
    void aFailingLookAtTheQueuesNoInstanceTakesIsReportedOnItsOwnAndLeavesTheInstanceReady() {
        java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean();
        MemoryJobQueue countsFail = new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("counts-worker")) {
            @Override
            public JobCounts counts(String queueName) {
                if (failing.get()) {
                    throw new IllegalStateException("counts of " + queueName + " are being rebuilt");
                }
                return super.counts(queueName);
            }
        };
        try (EngineHarness web = EngineHarness.pooled(store, scheduling, countsFail, "web", ALL_BUT_RENDER,
                new Layout(), new Render());
             RetentionSweepTest.Messages log = new RetentionSweepTest.Messages()) {
            failing.set(true);
            web.clock.advance(Instances.REFRESH);
            web.sweep();
            web.clock.advance(Duration.ofSeconds(1));
            web.sweep(); // retried every sweep while it fails, not only every refresh

            HealthReport health = web.engine.health();
            assertThat(health.ready()).as("a status page failing takes no instance out of the load balancer").isTrue();
            assertThat(health.checks()).filteredOn(c -> c.name().equals("store")).singleElement()
                    .extracting(HealthReport.Check::up).isEqualTo(true);
            assertThat(health.checks()).filteredOn(c -> c.name().equals("queue")).singleElement()
                    .extracting(HealthReport.Check::up).isEqualTo(true);
            HealthReport.Check queues = health.checks().stream().filter(c -> c.name().equals("queues")).findFirst()
                    .orElseThrow();
            assertThat(queues.up()).isFalse();
            assertThat(queues.detail()).startsWith("NVENT-0040").contains("counts of render are being rebuilt");
            assertThat(log.logged).filteredOn(line -> line.startsWith("NVENT-0040")).singleElement().asString()
                    .contains("instance record", "not ready");
            assertThat(log.logged).noneMatch(line -> line.startsWith("NVENT-0140"));

            failing.set(false);
            web.clock.advance(Instances.REFRESH);
            web.sweep();
            assertThat(web.engine.health().checks()).filteredOn(c -> c.name().equals("queues")).singleElement()
                    .extracting(HealthReport.Check::up).isEqualTo(true);
        }
    }

    @Test
    void aStoreThatKeepsNoInstancesSaysSoInsteadOfListingNone() {
        MemorySchedulingStore keepsNone = new MemorySchedulingStore() {
            @Override
            public boolean keepsInstances() {
                return false;
            }
        };
        try (EngineHarness web = EngineHarness.pooled(store, keepsNone, sharedQueue, "web", ALL_BUT_RENDER,
                new Layout(), new Render())) {
            assertThat(web.engine.instances().kept()).isFalse();
            assertThat(web.engine.health().checks()).filteredOn(c -> c.name().equals("queues")).singleElement()
                    .extracting(HealthReport.Check::detail).asString().contains("keeps no instance records");
        }
    }
}
