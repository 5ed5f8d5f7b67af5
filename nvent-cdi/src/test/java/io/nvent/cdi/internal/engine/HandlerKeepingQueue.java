package io.nvent.cdi.internal.engine;

import io.nvent.cdi.internal.Threads;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.spi.JobHandler;
import java.time.Clock;

/**
 * A memory queue that keeps the handler the engine registered, so that a test can see it or report an
 * attempt's failure to it as any adapter may.
 */
final class HandlerKeepingQueue extends MemoryJobQueue {
    volatile JobHandler handler;

    HandlerKeepingQueue() {
        super(Clock.systemUTC(), Threads.daemonThreads("test-worker"));
    }

    @Override
    public void registerWorker(String queue, int concurrency, JobHandler handler) {
        this.handler = handler;
        super.registerWorker(queue, concurrency, handler);
    }
}
