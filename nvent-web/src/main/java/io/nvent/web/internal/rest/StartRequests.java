package io.nvent.web.internal.rest;

import io.nvent.InvalidPayloadException;
import io.nvent.StartOptions;

/**
 * How a request asks for a start's options: the {@code Idempotency-Key} header
 * (draft-ietf-httpapi-idempotency-key-header, as Stripe and others use it) that makes a start or a
 * trigger fire safe to send again, the response header that says a request was answered from an
 * earlier one, and a start's delay.
 */
final class StartRequests {

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";

    private StartRequests() {
    }

    /** The start options the header asks for; none without it. */
    static StartOptions startOptions(String headerValue) {
        return startOptions(headerValue, java.util.Optional.empty());
    }

    /** The start options the header and a start delay ask for. */
    static StartOptions startOptions(String headerValue, java.util.Optional<java.time.Duration> delay) {
        StartOptions.Builder options = StartOptions.newBuilder();
        delay.ifPresent(options::delay);
        if (headerValue == null) {
            return options.build();
        }
        try {
            return options.idempotencyKey(headerValue).build();
        } catch (IllegalArgumentException bad) {
            throw new InvalidPayloadException("header " + IDEMPOTENCY_KEY + ": " + bad.getMessage());
        }
    }
}
