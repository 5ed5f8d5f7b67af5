package io.nvent.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * Latches that job handlers of a test wait on, all released when the test ends: a handler still
 * blocked on one would otherwise keep the queue's {@code close()} waiting for its grace period.
 *
 * @since 0.1
 */
public final class HandlerLatches {

    private final List<CountDownLatch> latches = new CopyOnWriteArrayList<>();

    /**
     * A new latch of count one, released by {@link #releaseAll()} at the latest.
     *
     * @return the latch; a handler waits on it to stay busy
     */
    public CountDownLatch newLatch() {
        CountDownLatch latch = new CountDownLatch(1);
        latches.add(latch);
        return latch;
    }

    /** Releases every latch handed out; call it before closing the queue. */
    public void releaseAll() {
        latches.forEach(CountDownLatch::countDown);
    }
}
