package io.nvent.postgres;

import io.nvent.NventException;

/**
 * The database refused or could not take an operation of the PostgreSQL queue or event stream,
 * e.g. a value PostgreSQL does not store, or a transaction that lost a race. An enqueue that failed
 * with it did not happen unless the message says otherwise; enqueuing again (same job id) is safe
 * either way.
 *
 * <p>A database that cannot be reached (the connection refused or lost, the server shut down, no
 * connection to be had from the pool) is not this exception but an
 * {@link io.nvent.spi.AdapterUnavailableException} of the adapter {@code postgres}, with the same
 * message id after its {@link io.nvent.spi.AdapterUnavailableException#MESSAGE_ID}, naming the
 * database ({@code host:port/database}); catch both, or {@link io.nvent.NventException}, to handle
 * every failure of the queue (since 0.2).
 *
 * @since 0.1
 */
public class PgQueueException extends NventException {

    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    public PgQueueException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Connection failures and serialization conflicts are transient; bad values are not. */
    @Override
    public boolean isRetryable() {
        return retryable;
    }
}
