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

    /** Until when a request counts as seen, and the idempotency key it came with. */
    private record Seen(Instant until, Optional<String> idempotencyKey) {
    }

    /**
     * A request let through.
     *
     * @param repeat the same signed request sent again with the same idempotency key: the sender's
     *     retry, which the key answers with the first request's runs
     */
    record Acceptance(Request request, boolean repeat) {
    }

    private final Map<Request, Seen> seen = new ConcurrentHashMap<>();

    /**
     * Records a signed request as accepted.
     *
     * @param validUntil when the request's timestamp leaves the replay window, after which the
     *     signature check refuses it anyway
     * @return the request, for {@link #forget}, or empty if the same signed request was accepted
     *     before and is still valid
     */
    Optional<Request> accept(String trigger, WebhookSignature.Signed signed, Instant now, Instant validUntil) {
        return accept(trigger, signed, Optional.empty(), now, validUntil).filter(a -> !a.repeat())
                .map(Acceptance::request);
    }

    /**
     * Records a signed request as accepted, or lets it through again when it carries the idempotency
     * key it first came with: the key cannot be forged into a second fire, since a replay with
     * another key (the header is not signed) is refused like one without.
     *
     * @return empty if the same signed request was accepted before, still valid, with another key or none
     */
    Optional<Acceptance> accept(String trigger, WebhookSignature.Signed signed, Optional<String> idempotencyKey,
                                Instant now, Instant validUntil) {
        if (seen.size() > PRUNE_ABOVE) {
            seen.values().removeIf(entry -> entry.until().isBefore(now));
        }
        Request request = new Request(trigger, signed);
        boolean[] first = {false};
        Seen current = seen.compute(request, (k, earlier) -> {
            if (earlier != null && !earlier.until().isBefore(now)) {
                return earlier;
            }
            first[0] = true;
            return new Seen(validUntil, idempotencyKey);
        });
        if (first[0]) {
            return Optional.of(new Acceptance(request, false));
        }
        boolean sameKey = idempotencyKey.isPresent() && current.idempotencyKey().equals(idempotencyKey);
        return sameKey ? Optional.of(new Acceptance(request, true)) : Optional.empty();
    }

    /** Forgets an accepted request that was not carried out, so that sending it again is no replay. */
    void forget(Request request) {
        seen.remove(request);
    }
}
