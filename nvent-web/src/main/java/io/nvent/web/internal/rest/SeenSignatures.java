package io.nvent.web.internal.rest;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The signed webhook requests this instance has accepted and whose timestamps are still within the
 * replay window: the same signed request delivered again (a retry of the sender, or a captured
 * request replayed) is refused instead of starting its flows twice. Requests are told apart by
 * what their headers mean ({@link WebhookSignature.Signed}), never by how they are spelled, so a
 * replay cannot pass as new by respelling a header. Per instance: behind a load balancer a replay
 * may reach another instance, which is why senders should also put an id of their own into the body.
 */
final class SeenSignatures {

    /** Entries held before expired ones are dropped; legitimate signed traffic within one window. */
    private static final int PRUNE_ABOVE = 10_000;

    /**
     * What makes a signed request the same request.
     *
     * @param trigger the trigger's name as stored, not as the path spelled it
     */
    record Request(String trigger, WebhookSignature.Signed signed) {
    }

    private final Map<Request, Instant> acceptedUntil = new ConcurrentHashMap<>();

    /**
     * Records a signed request as accepted.
     *
     * @param validUntil when the request's timestamp leaves the replay window, after which the
     *     signature check refuses it anyway
     * @return the request, for {@link #forget}, or empty if the same signed request was accepted
     *     before and is still valid
     */
    Optional<Request> accept(String trigger, WebhookSignature.Signed signed, Instant now, Instant validUntil) {
        if (acceptedUntil.size() > PRUNE_ABOVE) {
            acceptedUntil.values().removeIf(until -> until.isBefore(now));
        }
        Request request = new Request(trigger, signed);
        boolean[] first = {false};
        acceptedUntil.compute(request, (k, until) -> {
            if (until != null && !until.isBefore(now)) {
                return until;
            }
            first[0] = true;
            return validUntil;
        });
        return first[0] ? Optional.of(request) : Optional.empty();
    }

    /** Forgets an accepted request that was not carried out, so that sending it again is no replay. */
    void forget(Request request) {
        acceptedUntil.remove(request);
    }
}
