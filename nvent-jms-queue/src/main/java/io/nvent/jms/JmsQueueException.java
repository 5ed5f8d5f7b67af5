package io.nvent.jms;

import io.nvent.NventException;

/**
 * The message broker refused or could not take an operation of the JMS job queue, e.g. an enqueue
 * while the broker is unreachable. The job was not enqueued; enqueuing it again (same job id) is
 * safe.
 *
 * @since 0.1
 */
public class JmsQueueException extends NventException {

    private static final long serialVersionUID = 1L;

    public JmsQueueException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Broker failures are usually transient: retrying after the broker is back succeeds. */
    @Override
    public boolean isRetryable() {
        return true;
    }
}
