package io.nvent.jpa.internal;

import io.nvent.NventException;

/** A database failure, wrapped so that callers only ever see {@link NventException}s. */
public final class StoreException extends NventException {

    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    /** The store is shut down: the application stops, and whatever still calls it may be retried elsewhere. */
    public static StoreException shutDown() {
        return new StoreException("NVENT-0325 store unavailable: it is shut down, the application is stopping", null,
                true);
    }

    StoreException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    @Override
    public boolean isRetryable() {
        return retryable;
    }
}
