package io.nvent.cdi;

import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryEventStream;
import io.nvent.cdi.internal.memory.MemoryFlowStore;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.memory.MemorySchedulingStore;
import io.nvent.spi.EventStream;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.SchedulingStore;
import java.time.Clock;
import java.util.Optional;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * The zero-setup adapters (everything in memory, lost on restart), for use outside CDI, e.g. with
 * {@link EmbeddedEngine}. Inside a container they are the beans selected by {@code memory}.
 *
 * @since 0.1
 */
public final class MemoryAdapters {

    private MemoryAdapters() {
    }

    /** A new, empty in-memory store. */
    public static FlowStore store() {
        return new MemoryFlowStore();
    }

    /** A new, empty in-memory scheduling store. */
    public static SchedulingStore schedulingStore() {
        return new MemorySchedulingStore();
    }

    /**
     * A new in-memory queue whose workers are daemon threads. On a {@link VirtualClock} its delayed
     * jobs and retry backoffs wait for that clock instead of for real time.
     */
    public static JobQueue queue(Clock clock) {
        return queue(clock, new Random());
    }

    /**
     * A new in-memory queue as {@link #queue(Clock)} whose retry delays are spread by their
     * {@linkplain io.nvent.RetryPolicy#jitter() jitter} as {@code jitter} draws: a seeded one makes
     * a test's retries come due at the same times in every run.
     *
     * @param clock the queue's clock
     * @param jitter where the spread comes from; used by several worker threads at once, so thread-safe
     *     (as {@link Random} is)
     * @return the queue
     * @since 0.2
     */
    public static JobQueue queue(Clock clock, RandomGenerator jitter) {
        return new MemoryJobQueue(clock, Threads.daemonThreads("nvent-worker"),
                clock instanceof VirtualClock virtual ? Optional.of(virtual.timers()) : Optional.empty(), jitter);
    }

    /** A new in-memory event stream. */
    public static EventStream stream() {
        return new MemoryEventStream();
    }
}
