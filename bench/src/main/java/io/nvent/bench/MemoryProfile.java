package io.nvent.bench;

import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.SchedulingStore;
import java.time.Clock;

/**
 * In-memory adapters: the zero-setup default, no durability.
 *
 * <p>A run starts from a cold JVM, so on a small machine much of a 20,000-job run executes in the
 * interpreter and in profiling code while the JIT compiles. {@code -Dnvent.bench.warmup=N} first
 * runs N jobs of W1 on a queue of their own (start-up, not timed, thrown away), as a server that
 * has been up a while would be; the profile is then reported as {@code memory, warm-up N jobs}.
 */
final class MemoryProfile implements Profile {

    private final FlowStore store = MemoryAdapters.store();
    private final SchedulingStore scheduling = MemoryAdapters.schedulingStore();
    private final int warmup = Integer.getInteger("nvent.bench.warmup", 0);

    MemoryProfile() {
        if (warmup > 0) {
            try {
                Workloads.w1(this, warmup);
            } catch (Exception e) {
                throw new IllegalStateException("warm-up failed", e);
            }
        }
    }

    @Override
    public String name() {
        return warmup > 0 ? "memory, warm-up " + warmup + " jobs" : "memory";
    }

    @Override
    public FlowStore store() {
        return store;
    }

    @Override
    public SchedulingStore scheduling() {
        return scheduling;
    }

    @Override
    public JobQueue queue() {
        return MemoryAdapters.queue(Clock.systemUTC());
    }

    @Override
    public void close() {
        // nothing to release
    }
}
