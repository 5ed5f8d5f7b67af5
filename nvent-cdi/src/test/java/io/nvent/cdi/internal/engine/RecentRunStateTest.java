package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.FlowStep;
import io.nvent.HistoryEvent;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.EventDraft;
import io.nvent.spi.JobExecution;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A step's first delivery runs on the state of the run this instance committed lately, if the
 * store still has it at the version whose write queued the job, instead of reading the run.
 */
class RecentRunStateTest {

    @FlowStep(flow = "parcel", name = "pack", role = StepRole.ENTRY, emits = "packed")
    static class Pack implements Step<Object, Void> {
        @Override
        public Void execute(Object input, StepContext ctx) {
            ctx.emit("packed", Map.of("box", 7));
            return null;
        }
    }

    @FlowStep(flow = "parcel", name = "send", subscribes = "packed")
    static class Send implements Step<Map<String, Map<String, Object>>, String> {
        volatile Map<String, Map<String, Object>> received;

        @Override
        public String execute(Map<String, Map<String, Object>> input, StepContext ctx) {
            received = input;
            return "sent";
        }
    }

    /** Counts the runs the queue's worker threads read. */
    static class WorkerReadCountingStore extends MemoryFlowStore {
        final AtomicInteger readsByWorkers = new AtomicInteger();

        @Override
        public Optional<RunRecord> findRun(String runId) {
            if (Thread.currentThread().getName().startsWith("test-worker")) {
                readsByWorkers.incrementAndGet();
            }
            return super.findRun(runId);
        }
    }

    /**
     * Keeps the states it committed, as the JPA store's grouped commits do, and records what the
     * engine asks for.
     */
    static final class RememberingStore extends WorkerReadCountingStore {
        final Map<String, RunRecord> committed = new ConcurrentHashMap<>();
        final List<String> recentRequests = new CopyOnWriteArrayList<>();
        final AtomicLong versionThatQueuedSend = new AtomicLong(-1);
        final boolean answers;

        RememberingStore(boolean answers) {
            this.answers = answers;
        }

        @Override
        public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events) {
            List<HistoryEvent> stored = super.createRun(run, events);
            committed.put(run.runId(), run);
            return stored;
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            Optional<StoredChange> change = super.updateRun(runId, mutation);
            change.ifPresent(c -> {
                committed.put(runId, c.run());
                if (c.run().steps().get("pack") == StepStatus.COMPLETED && c.run().steps().get("send") == StepStatus.QUEUED) {
                    versionThatQueuedSend.set(c.run().version());
                }
            });
            return change;
        }

        @Override
        public Optional<RunRecord> recentRun(String runId, long minVersion, Duration maxAge) {
            recentRequests.add("version >= " + minVersion + " within " + maxAge);
            return answers ? Optional.ofNullable(committed.get(runId)).filter(run -> run.version() >= minVersion)
                    : Optional.empty();
        }
    }

    /**
     * Answers for the states it read together and those it committed by changing runs, as the JPA
     * store does for runs created on another instance; counts what is read, and how.
     */
    static final class ReadAheadStore extends WorkerReadCountingStore {
        final Map<String, RunRecord> known = new ConcurrentHashMap<>();
        final List<List<String>> readTogether = new CopyOnWriteArrayList<>();

        @Override
        public List<RunRecord> readRuns(Collection<String> runIds) {
            readTogether.add(List.copyOf(runIds));
            List<RunRecord> read = super.readRuns(runIds);
            read.forEach(run -> known.put(run.runId(), run));
            return read;
        }

        @Override
        public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
            Optional<StoredChange> change = super.updateRun(runId, mutation);
            change.ifPresent(c -> known.put(runId, c.run()));
            return change;
        }

        @Override
        public Optional<RunRecord> recentRun(String runId, long minVersion, Duration maxAge) {
            return Optional.ofNullable(known.get(runId)).filter(run -> run.version() >= minVersion);
        }
    }

    @Test
    void stepsClaimedTogetherStartOnTheirRunsReadWithOneQueryInsteadOfOneEach() {
        ReadAheadStore store = new ReadAheadStore();
        HandlerKeepingQueue queue = new HandlerKeepingQueue();
        try (EngineHarness harness = EngineHarness.over(store, queue, new Pack(), new Send())) {
            queue.pause("parcel");
            List<String> runIds = List.of(harness.engine.start("parcel", null), harness.engine.start("parcel", null),
                    harness.engine.start("parcel", null));
            List<JobExecution> claimed = runIds.stream()
                    .map(runId -> queue.job("parcel", StepJob.jobId(runId, "pack")).orElseThrow())
                    .map(job -> new JobExecution(job.queue(), job.jobId(), job.name(), job.payload(), 1,
                            job.maxAttempts()))
                    .toList();

            queue.handler.prepare(claimed);
            queue.resume("parcel");

            runIds.forEach(runId -> harness.awaitStatus(runId, RunStatus.COMPLETED));
            assertThat(store.readTogether).containsExactly(runIds);
            assertThat(store.readsByWorkers).as("runs read by the steps themselves").hasValue(0);
        }
    }

    @Test
    void withoutAPreparedBatchEachFirstStepReadsItsRun() {
        ReadAheadStore store = new ReadAheadStore();
        try (EngineHarness harness = EngineHarness.over(store, new HandlerKeepingQueue(), new Pack(), new Send())) {
            List<String> runIds = List.of(harness.engine.start("parcel", null), harness.engine.start("parcel", null));

            runIds.forEach(runId -> harness.awaitStatus(runId, RunStatus.COMPLETED));
            assertThat(store.readTogether).isEmpty();
            assertThat(store.readsByWorkers).hasValue(2);
        }
    }

    /** Runs a parcel to completion on an engine over {@code store}; what its second step received. */
    private static String parcelSentOver(RememberingStore store) {
        Send send = new Send();
        try (EngineHarness harness = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Pack(),
                send)) {
            String runId = harness.engine.start("parcel", null);
            harness.awaitStatus(runId, RunStatus.COMPLETED);
            return String.valueOf(send.received);
        }
    }

    @Test
    void eachStepRunsOnTheStateCommittedByTheWriteThatQueuedItWithoutReadingTheRun() {
        RememberingStore store = new RememberingStore(true);

        assertThat(parcelSentOver(store)).isEqualTo("{packed={box=7}}");

        String within = " within " + EngineSettings.DEFAULT_START_WRITE_DELAY;
        assertThat(store.versionThatQueuedSend.get()).isPositive();
        assertThat(store.recentRequests).containsExactly("version >= 0" + within,
                "version >= " + store.versionThatQueuedSend.get() + within);
        assertThat(store.readsByWorkers).hasValue(0);
    }

    @Test
    void aStepReadsTheRunWhenTheStoreHasNoRecentStateOfIt() {
        RememberingStore store = new RememberingStore(false);

        assertThat(parcelSentOver(store)).isEqualTo("{packed={box=7}}");

        assertThat(store.recentRequests).hasSize(2);
        assertThat(store.readsByWorkers).hasValue(2);
    }
}
