package io.nvent.testkit;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named daemon threads, standing in for a container's managed thread factory in adapter tests.
 *
 * @since 0.1
 */
public final class TestThreads implements ThreadFactory {

    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();

    /**
     * A factory whose threads are named {@code prefix-1}, {@code prefix-2}, …
     *
     * @param prefix the start of each thread's name
     */
    public TestThreads(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }
}
