package io.nvent.bench;

import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.SchedulingStore;
import java.util.OptionalDouble;

/** The adapters a workload runs on, freshly wiped. */
interface Profile extends AutoCloseable {

    String name();

    FlowStore store();

    SchedulingStore scheduling();

    /** A fresh queue adapter; the workload closes it. */
    JobQueue queue();

    /**
     * The machine's speed now, on this profile's PostgreSQL ({@link MachineBaseline}); empty for a
     * profile without one.
     */
    default OptionalDouble measureBaseline() {
        return OptionalDouble.empty();
    }

    @Override
    void close();
}
