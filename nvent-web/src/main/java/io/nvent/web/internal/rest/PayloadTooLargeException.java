package io.nvent.web.internal.rest;

import io.nvent.InvalidPayloadException;

/** A request body over {@code nvent.payload.max-bytes}; answered with 413. */
final class PayloadTooLargeException extends InvalidPayloadException {

    private static final long serialVersionUID = 1L;

    PayloadTooLargeException(String message) {
        super(message);
    }
}
