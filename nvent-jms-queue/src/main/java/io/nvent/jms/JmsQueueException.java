package io.nvent.jms;

import io.nvent.spi.AdapterUnavailableException;

/**
 * The message broker refused or could not take an operation of the JMS job queue, e.g. an enqueue
 * while the broker is unreachable or holds producers back. The job was not enqueued; enqueuing it
 * again (same job id) is safe.
 *
 * <p>An {@link AdapterUnavailableException} of the adapter {@value #ADAPTER} (since 0.2): its message
 * is {@link AdapterUnavailableException#MESSAGE_ID} {@code adapter 'jms' cannot reach its backend: }
 * followed by the queue's own message id and text (e.g. {@code NVENT-0610 could not enqueue job …}),
 * which names the broker as {@link JmsJobQueueOptions#broker()} says; the engine takes it for the
 * queue away, not for a failure of a step, and REST answers {@code 503} naming the adapter.
 *
 * @since 0.1
 */
public class JmsQueueException extends AdapterUnavailableException {

    private static final long serialVersionUID = 1L;

    /** The JMS queue's adapter name, as in its {@code @Adapter} qualifier. */
    public static final String ADAPTER = "jms";

    /**
     * A failure of the broker.
     *
     * @param message what failed, starting with its message id, naming the broker
     * @param cause the broker's failure, or {@code null}
     */
    public JmsQueueException(String message, Throwable cause) {
        super(ADAPTER, message, cause);
    }
}
