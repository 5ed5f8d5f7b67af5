package io.nvent.spi.internal;

import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;

/**
 * Tells a failure that an interrupt of the attempt's thread caused (a queue closing, a cancel) from
 * one of the step's own; the engine and the PostgreSQL queue both need to, for an attempt cut short.
 */
public final class Interrupts {

    private Interrupts() {
    }

    /**
     * Whether an attempt failed on an interrupt of its thread: the failure or one of its causes is
     * one (a step may wrap it, or the I/O it was in fails on it), or the thread is still flagged.
     * Called on the thread that ran the attempt.
     *
     * @param failure what the attempt ended with
     * @return whether the attempt's thread was interrupted, by what the failure or the thread shows
     */
    public static boolean showsInterrupt(Throwable failure) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        return Causes.anyMatch(failure, cause -> cause instanceof InterruptedException
                || cause instanceof InterruptedIOException || cause instanceof ClosedByInterruptException);
    }
}
