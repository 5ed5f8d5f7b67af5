package io.nvent.cdi.internal.memory;

import io.nvent.cdi.internal.Threads;
import io.nvent.spi.JobQueue;
import io.nvent.testkit.JobQueueContractTest;
import java.time.Clock;

/** The in-memory queue passes the shared queue contract. */
class MemoryJobQueueContractTest extends JobQueueContractTest {

    @Override
    protected JobQueue createQueue() {
        return new MemoryJobQueue(Clock.systemUTC(), Threads.daemonThreads("contract-worker"));
    }

    @Override
    protected boolean keepsJobsAcrossRestarts() {
        return false;
    }
}
