package io.nvent.bench;

import io.nvent.spi.FlowStore;
import io.nvent.spi.JobQueue;
import io.nvent.spi.SchedulingStore;

/** The adapters a workload runs on, freshly wiped. */
interface Profile extends AutoCloseable {

    String name();

    FlowStore store();

    SchedulingStore scheduling();

    /** A fresh queue adapter; the workload closes it. */
    JobQueue queue();

    @Override
    void close();
}
