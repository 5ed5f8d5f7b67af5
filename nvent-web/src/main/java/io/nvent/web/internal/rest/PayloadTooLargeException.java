package io.nvent.web.internal.rest;

import io.nvent.InvalidPayloadException;

/** A request body over {@code nvent.payload.max-bytes}; answered with 413. */
final class PayloadTooLargeException extends InvalidPayloadException {

    private static final long serialVersionUID = 1L;

    private final boolean bodyLeftUnread;

    PayloadTooLargeException(String message, boolean bodyLeftUnread) {
        super(message);
        this.bodyLeftUnread = bodyLeftUnread;
    }

    /** Whether bytes of the body may still be on the connection, so that it must be closed. */
    boolean bodyLeftUnread() {
        return bodyLeftUnread;
    }
}
