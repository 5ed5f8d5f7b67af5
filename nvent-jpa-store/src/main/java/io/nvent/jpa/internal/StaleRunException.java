package io.nvent.jpa.internal;

import io.nvent.NventException;

/**
 * A grouped commit worked on a cached run state that the database had left behind; the group's
 * writes run again one by one on locked rows, so no caller sees this.
 */
final class StaleRunException extends NventException {

    private static final long serialVersionUID = 1L;

    StaleRunException(String message) {
        super(message);
    }
}
