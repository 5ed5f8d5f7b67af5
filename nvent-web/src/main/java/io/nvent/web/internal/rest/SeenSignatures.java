package io.nvent.web.internal.rest;

import io.nvent.spi.SchedulingStore;
import io.nvent.spi.WebhookReceipt;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * The signed webhook requests accepted whose timestamps are still within the replay window, kept in
 * the store ({@link SchedulingStore#recordWebhookRequest}): the same signed request delivered again (a
 * retry of the sender, or a captured request replayed) is refused instead of starting its flows twice,
 * by every instance that shares the store and after a restart. Held in memory per instance, a replay
 * sent to another instance behind a load balancer, or to the same one after a restart, started the
 * flows again. Requests are told apart by what their headers mean ({@link WebhookSignature.Signed}),
 * never by how they are spelled, so a replay cannot pass as new by respelling a header.
 */
final class SeenSignatures {

    private final SchedulingStore store;

    SeenSignatures(SchedulingStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * What makes a signed request the same request.
     *
     * @param trigger the trigger's name as stored, not as the path spelled it
     * @param id a digest of the signed timestamp and signature, as the store keeps it
     */
    record Request(String trigger, String id) {
    }

    /**
     * A request let through.
     *
     * @param repeat the same signed request sent again with the same idempotency key: the sender's
     *     retry, which the key answers with the first request's runs
     */
    record Acceptance(Request request, boolean repeat) {
    }

    /**
     * Records a signed request as accepted, or lets it through again when it carries the idempotency
     * key it first came with: the key cannot be forged into a second fire, since a replay with
     * another key (the header is not signed) is refused like one without.
     *
     * @param validUntil when the request's timestamp leaves the replay window, after which the
     *     signature check refuses it anyway and the store may forget it
     * @return empty if the same signed request was accepted before, still valid, with another key or none
     */
    Optional<Acceptance> accept(String trigger, WebhookSignature.Signed signed, Optional<String> idempotencyKey,
                                Instant now, Instant validUntil) {
        Request request = new Request(trigger, id(signed));
        Optional<WebhookReceipt> earlier = store.recordWebhookRequest(
                new WebhookReceipt(trigger, request.id(), idempotencyKey, validUntil), now);
        if (earlier.isEmpty()) {
            return Optional.of(new Acceptance(request, false));
        }
        boolean sameKey = idempotencyKey.isPresent() && earlier.get().idempotencyKey().equals(idempotencyKey);
        return sameKey ? Optional.of(new Acceptance(request, true)) : Optional.empty();
    }

    /** Forgets an accepted request that was not carried out, so that sending it again is no replay. */
    void forget(Request request) {
        store.forgetWebhookRequest(request.trigger(), request.id());
    }

    /**
     * The request's identity as the store keeps it: of fixed length whatever the headers held, and
     * no signature the store could hand to anyone (a digest of the timestamp and the signature).
     */
    static String id(WebhookSignature.Signed signed) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest((signed.seconds() + "." + signed.signatureHex()).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
