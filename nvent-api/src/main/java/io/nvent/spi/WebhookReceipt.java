package io.nvent.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A signed webhook request a store remembers as received ({@link SchedulingStore#recordWebhookRequest}),
 * so that the same request sent again is known on every instance and after a restart.
 *
 * @param trigger the trigger's name as stored
 * @param request what identifies the request among the trigger's: the web layer's digest of its signed
 *     timestamp and signature, at most {@value #MAX_REQUEST_LENGTH} characters
 * @param idempotencyKey the idempotency key the request came with, if any: sent again with it, the
 *     request is the sender's retry rather than a replay
 * @param validUntil when the request's timestamp leaves the replay window; from then on its signature
 *     is refused anyway, and the store may forget it
 * @since 0.2
 */
public record WebhookReceipt(String trigger, String request, Optional<String> idempotencyKey, Instant validUntil) {

    /** The longest request identity a store keeps: a SHA-256 digest as hex. */
    public static final int MAX_REQUEST_LENGTH = 64;

    /**
     * Checks that every component is given and the request's identity is not too long.
     *
     * @param trigger the trigger's name as stored
     * @param request what identifies the request among the trigger's
     * @param idempotencyKey the idempotency key the request came with, if any
     * @param validUntil when the request's timestamp leaves the replay window
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code request} is empty or longer than {@value #MAX_REQUEST_LENGTH}
     *     characters
     */
    public WebhookReceipt {
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(validUntil, "validUntil");
        if (request.isEmpty() || request.length() > MAX_REQUEST_LENGTH) {
            throw new IllegalArgumentException("a webhook request's identity has 1.." + MAX_REQUEST_LENGTH
                    + " characters, was " + request.length());
        }
    }
}
