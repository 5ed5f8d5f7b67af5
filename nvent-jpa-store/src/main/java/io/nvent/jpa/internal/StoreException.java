package io.nvent.jpa.internal;

import io.nvent.NventException;

/** A database failure, wrapped so that callers only ever see {@link NventException}s. */
public final class StoreException extends NventException {

    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    StoreException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    @Override
    public boolean isRetryable() {
        return retryable;
    }
}
