package io.nvent.bench;

import io.nvent.cdi.MemoryAdapters;
import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.SchedulingStore;
import java.time.Clock;

/** In-memory adapters: the zero-setup default, no durability. */
final class MemoryProfile implements Profile {

    private final FlowStore store = MemoryAdapters.store();
    private final SchedulingStore scheduling = MemoryAdapters.schedulingStore();

    @Override
    public String name() {
        return "memory";
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
