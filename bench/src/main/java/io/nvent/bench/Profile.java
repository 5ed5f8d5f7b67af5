package io.nvent.bench;

import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.SchedulingStore;
import java.util.OptionalDouble;
import java.util.OptionalLong;

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

    /** The process id of the profile's PostgreSQL server when it runs on this machine, for {@link CpuMeter}. */
    default OptionalLong postmasterPid() {
        return OptionalLong.empty();
    }

    @Override
    void close();
}
