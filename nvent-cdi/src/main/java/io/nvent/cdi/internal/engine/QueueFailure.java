package io.nvent.cdi.internal.engine;

import io.nvent.NventException;
import java.util.function.Supplier;

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

    /**
     * A call of the engine to the queue adapter, where the store is called too (the sweep's lost-job
     * check and stall recovery, a requeue): its failure (the broker away) names the queue, so that
     * health reports a sweep that failed on it under the queue, not under the store.
     */
    static <T> T askQueue(String queueName, Supplier<T> call) {
        try {
            return call.get();
        } catch (QueueFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw new QueueFailure(queueName, e);
        }
    }

    static void sendToQueue(String queueName, Runnable call) {
        askQueue(queueName, () -> {
            call.run();
            return null;
        });
    }
}
