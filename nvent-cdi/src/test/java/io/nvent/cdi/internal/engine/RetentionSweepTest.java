package io.nvent.cdi.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.nvent.AwaitInfo;
import io.nvent.FlowStep;
import io.nvent.RunStatus;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.cdi.VirtualClock;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.RetentionPurge;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** A large retention purge is spread over sweeps instead of holding one sweep until it is done. */
class RetentionSweepTest {

    private static final Duration CHUNK_TIME = Duration.ofMillis(400);

    @FlowStep(flow = "noop", name = "noop", role = StepRole.ENTRY)
    static class Noop implements Step<Object, String> {
        @Override
        public String execute(Object input, StepContext ctx) {
            return "done";
        }
    }

    /**
     * A store with 10 chunks of 500 finished runs to purge, each chunk taking 400 ms of the test's
     * clock, as PostgreSQL took about that for a chunk of a big purge.
     */
    static final class StoreWithABigPurge extends MemoryFlowStore {
        VirtualClock clock;
        int chunksLeft = 10;
        int purgesStarted;

        @Override
        public RetentionPurge startRetentionPurge(Instant now) {
            purgesStarted++;
            return () -> {
                if (chunksLeft == 0) {
                    return OptionalInt.empty();
                }
                clock.advance(CHUNK_TIME);
                chunksLeft--;
                return OptionalInt.of(500);
            };
        }

        /** All of it at once, as a store purges when asked without chunks. */
        @Override
        public int purgeFinishedRuns(Instant now) {
            RetentionPurge purge = startRetentionPurge(now);
            int removed = 0;
            for (OptionalInt chunk = purge.nextChunk(); chunk.isPresent(); chunk = purge.nextChunk()) {
                removed += chunk.getAsInt();
            }
            return removed;
        }
    }

    /** Collects what the maintenance, or another class of the engine, logs. */
    static final class Messages extends Handler implements AutoCloseable {
        final List<String> logged = new ArrayList<>();
        private final Logger logger;

        Messages() {
            this(Maintenance.class);
        }

        /** Collects what {@code source} logs. */
        Messages(Class<?> source) {
            this(source.getName());
        }

        /** Collects what the logger of that name logs. */
        Messages(String loggerName) {
            logger = Logger.getLogger(loggerName);
            logger.addHandler(this);
        }

        @Override
        public synchronized void publish(LogRecord record) {
            logged.add(new java.text.MessageFormat(record.getMessage(), java.util.Locale.ROOT).format(record.getParameters()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }

    @Test
    void aSweepWithABigPurgePendingReturnsWithinItsBudgetAndTheNextSweepsPurgeTheRest() {
        StoreWithABigPurge store = new StoreWithABigPurge();
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Noop());
             Messages messages = new Messages()) {
            store.clock = h.clock;
            Instant start = h.clock.instant();

            h.sweep();

            assertThat(Duration.between(start, h.clock.instant())).as("time the sweep took")
                    .isLessThanOrEqualTo(Maintenance.PURGE_BUDGET.plus(CHUNK_TIME));
            assertThat(store.chunksLeft).as("chunks left after the first sweep").isEqualTo(7);
            assertThat(h.engine.health().live()).isTrue();

            for (int sweep = 2; sweep <= 4; sweep++) {
                Instant before = h.clock.instant();
                h.sweep();
                assertThat(Duration.between(before, h.clock.instant())).as("time sweep %d took", sweep)
                        .isLessThanOrEqualTo(Maintenance.PURGE_BUDGET.plus(CHUNK_TIME));
            }

            assertThat(store.chunksLeft).as("chunks left").isZero();
            assertThat(store.purgesStarted).as("purges started").isEqualTo(1);
            assertThat(messages.logged).filteredOn(m -> m.startsWith("NVENT-0141"))
                    .containsExactly("NVENT-0141 retention removed 5,000 finished runs");
        }
    }

    @Test
    void aPurgeUnderWaySaysHowFarItGotAtMostEveryThirtySeconds() {
        StoreWithABigPurge store = new StoreWithABigPurge();
        store.chunksLeft = 200;
        try (EngineHarness h = new EngineHarness(store, new MemorySchedulingStore(), "instance-a", new Noop());
             Messages messages = new Messages()) {
            store.clock = h.clock;

            // 1.2 s of purging per sweep: the report comes after 25 sweeps, i.e. 30 s into the purge.
            for (int sweep = 0; sweep < 30; sweep++) {
                h.sweep();
            }

            assertThat(messages.logged).filteredOn(m -> m.startsWith("NVENT-0144")).singleElement().asString()
                    .startsWith("NVENT-0144 retention under way: 37,500 finished runs removed so far in 75 chunks");
        }
    }

    /** A store whose retention deletes every finished run, in one chunk. */
    static final class StoreDeletingEveryFinishedRun extends MemoryFlowStore {
        @Override
        public RetentionPurge startRetentionPurge(Instant now) {
            boolean[] done = {false};
            return () -> {
                if (done[0]) {
                    return OptionalInt.empty();
                }
                done[0] = true;
                return OptionalInt.of(deleteFinishedRuns("approval"));
            };
        }
    }

    @Test
    void theClosedAwaitsOfTheRunsRetentionDeletedAreNoLongerListed() {
        try (EngineHarness h = new EngineHarness(new StoreDeletingEveryFinishedRun(), new MemorySchedulingStore(),
                "instance-a", new DeleteRunTest.Approve())) {
            String canceled = h.engine.start("approval", null);
            String waiting = h.engine.start("approval", null);
            h.awaitStatus(canceled, RunStatus.AWAITING);
            h.awaitStatus(waiting, RunStatus.AWAITING);
            h.engine.cancel(canceled);
            h.awaitStatus(canceled, RunStatus.CANCELED);

            h.sweep();

            assertThat(h.engine.run(canceled)).as("deleted by retention").isEmpty();
            assertThat(h.engine.awaits(false, 100)).extracting(AwaitInfo::runId).containsExactly(waiting);
        }
    }
}
