package io.nvent.web.internal.rest;

import io.nvent.InvalidPayloadException;
import io.nvent.StartOptions;

/**
 * The {@code Idempotency-Key} request header (draft-ietf-httpapi-idempotency-key-header, as Stripe
 * and others use it) that makes a start or a trigger fire safe to send again, and the response header
 * that says a request was answered from an earlier one.
 */
final class IdempotencyKeyHeader {

    static final String NAME = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";

    private IdempotencyKeyHeader() {
    }

    /** The start options the header asks for; none without it. */
    static StartOptions startOptions(String headerValue) {
        if (headerValue == null) {
            return StartOptions.DEFAULTS;
        }
        try {
            return StartOptions.idempotent(headerValue);
        } catch (IllegalArgumentException bad) {
            throw new InvalidPayloadException("header " + NAME + ": " + bad.getMessage());
        }
    }
}
