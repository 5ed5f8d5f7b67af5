package io.nvent.postgres;

import io.nvent.NventException;

/**
 * The database refused or could not take an operation of the PostgreSQL queue or event stream,
 * e.g. an enqueue while the database is unreachable. An enqueue that failed with it did not happen
 * unless the message says otherwise; enqueuing again (same job id) is safe either way.
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
