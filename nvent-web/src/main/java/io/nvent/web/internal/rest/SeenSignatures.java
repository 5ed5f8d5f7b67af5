package io.nvent.web.internal.rest;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The signed webhook requests this instance has accepted and whose timestamps are still within the
 * replay window: the same signed request delivered again (a retry of the sender, or a captured
 * request replayed) is refused instead of starting its flows twice. Per instance: behind a load
 * balancer a replay may reach another instance, which is why senders should also put an id of
 * their own into the body.
 */
final class SeenSignatures {

    /** Entries held before expired ones are dropped; legitimate signed traffic within one window. */
    private static final int PRUNE_ABOVE = 10_000;

    private final Map<String, Instant> acceptedUntil = new ConcurrentHashMap<>();

    /**
     * Records a signed request as accepted.
     *
     * @param validUntil when the request's timestamp leaves the replay window, after which the
     *     signature check refuses it anyway
     * @return the request's key, for {@link #forget}, or empty if the same signed request was accepted
     *     before and is still valid
     */
    Optional<String> accept(String trigger, String timestamp, String signature, Instant now, Instant validUntil) {
        if (acceptedUntil.size() > PRUNE_ABOVE) {
            acceptedUntil.values().removeIf(until -> until.isBefore(now));
        }
        String key = trigger + '\n' + timestamp.trim() + '\n' + signature.trim().toLowerCase(Locale.ROOT);
        boolean[] first = {false};
        acceptedUntil.compute(key, (k, until) -> {
            if (until != null && !until.isBefore(now)) {
                return until;
            }
            first[0] = true;
            return validUntil;
        });
        return first[0] ? Optional.of(key) : Optional.empty();
    }

    /** Forgets an accepted request that was not carried out, so that sending it again is no replay. */
    void forget(String key) {
        acceptedUntil.remove(key);
    }
}
