package io.nvent.cdi.internal.engine;

import io.nvent.NventException;

/**
 * A queue adapter failed a call of the engine that reads or changes the store too (its broker or
 * database away, not the store): a part of the maintenance sweep that fails with it (the lost-job
 * check, stall recovery's enqueue) is reported by health under the {@code queue} check, naming the
 * queue, so that an operator looks at the broker rather than at the database.
 */
final class QueueFailure extends NventException {

    private static final long serialVersionUID = 1L;

    private final String queue;

    QueueFailure(String queue, RuntimeException cause) {
        super("NVENT-0172 queue " + queue + " failed: " + cause.getMessage(), cause);
        this.queue = queue;
    }

    /** The queue whose adapter failed. */
    String queue() {
        return queue;
    }

    /** As retryable as the adapter's own failure: a broker that is away usually comes back. */
    @Override
    public boolean isRetryable() {
        return getCause() instanceof NventException nvent && nvent.isRetryable();
    }
}
