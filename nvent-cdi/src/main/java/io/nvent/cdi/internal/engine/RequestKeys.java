package io.nvent.cdi.internal.engine;

import io.nvent.IdempotencyKeyConflictException;
import io.nvent.IdempotencyKeyInUseException;
import io.nvent.spi.RequestKey;
import io.nvent.spi.SchedulingStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Emits and publishes with an idempotency key ({@link io.nvent.EventOptions}): the key is claimed in the
 * scheduling store before the event is delivered, so that of two calls with one key, on any instance, one
 * delivers; the answer is stored after, for the repeats; a delivery that fails gives the key up again, so that
 * the client's retry delivers. A repeat that finds the claim without an answer is refused, never told that the
 * first delivered: while the first may still be under way, with a time to retry in; after {@link #unanswered}
 * (its instance stopped in the middle of it), as of unknown outcome until the key expires, since delivering again
 * might deliver twice what the key was to deliver once.
 */
final class RequestKeys {

    private static final System.Logger LOG = System.getLogger(RequestKeys.class.getName());

    /** When a repeat finding the first call under way is told to try again: a delivery takes milliseconds. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final SchedulingStore scheduling;
    private final Clock clock;
    private final Duration retention;
    /**
     * How long a claim may stay without an answer while its call may still be under way: three leases, as long as
     * the engine takes to decide that an instance stopped (a delivery is one transaction, far shorter).
     */
    private final Duration unanswered;

    RequestKeys(SchedulingStore scheduling, Clock clock, Duration retention, Duration leaseDuration) {
        this.scheduling = scheduling;
        this.clock = clock;
        this.retention = retention;
        this.unanswered = leaseDuration.multipliedBy(3);
    }

    /**
     * What the request with this key answers: {@code deliver}'s result the first time, {@code replay} of the
     * stored answer on a repeat.
     *
     * @param request the request: its key, what it delivers where, and in words
     * @param deliver delivers the event, and hands the consumer it is given its answer once the delivery is stored
     *     and a retry must not deliver again; a failure before gives the key up again, a failure after keeps it
     *     with that answer; either is thrown
     * @param answer the answer kept for the repeats
     * @param replay the answer of a repeat, from the one kept
     * @throws IdempotencyKeyConflictException if the key delivered another request
     * @throws IdempotencyKeyInUseException if the first call with the key has not answered (yet)
     */
    <T> T once(KeyedRequest request, Function<Consumer<T>, T> deliver, Function<T, String> answer,
               Function<String, T> replay) {
        Instant now = clock.instant();
        RequestKey claim = new RequestKey(request.scope(), target(request.target()), digest(request.key()),
                digest(request.event() + '\n' + JsonMatch.canonical(request.payloadJson())), Optional.empty(), now,
                now.plus(retention));
        Optional<RequestKey> earlier = scheduling.claimRequestKey(claim, now);
        if (earlier.isPresent()) {
            if (!earlier.get().requestDigest().equals(claim.requestDigest())) {
                throw IdempotencyKeyConflictException.ofEvent(request.key(), request.earlier(), request.described());
            }
            return replay.apply(earlier.get().response().orElseThrow(() -> unanswered(request, earlier.get(), now)));
        }
        AtomicReference<T> stored = new AtomicReference<>();
        T result;
        try {
            result = deliver.apply(stored::set);
        } catch (RuntimeException | Error failed) {
            if (stored.get() == null) {
                forget(claim, failed);
            } else {
                // Stored before what followed it failed: the retry is answered, it must not deliver again.
                answer(request, claim, answer.apply(stored.get()));
            }
            throw failed;
        }
        answer(request, claim, answer.apply(result));
        return result;
    }

    /**
     * The claim of the key of a trigger's fire folded into, or appended to, a debounced or batching trigger's pending
     * run ({@link RequestKey.Scope#FIRE}), per flow and key: answered with the run's id, kept as an emit's key is.
     *
     * The claim's request is the fire's payload, so that a retry with another one is told apart
     * ({@link #isOtherFire}).
     *
     * @param flow the flow the fire went to
     * @param keySeed the fire's key as the engine scopes it (per trigger, or per publish and trigger)
     * @param payloadJson the fire's payload
     */
    RequestKey fireClaim(String flow, String keySeed, String payloadJson) {
        Instant now = clock.instant();
        return new RequestKey(RequestKey.Scope.FIRE, target(flow), digest(keySeed),
                digest("fire\n" + JsonMatch.canonical(payloadJson)), Optional.empty(), now, now.plus(retention));
    }

    /**
     * Whether the earlier claim of a fire's key was made by a fire with another payload. A claim kept by an earlier
     * version (its request digest is its key's: the payload was not kept) is taken as the same fire.
     */
    static boolean isOtherFire(RequestKey earlier, RequestKey claim) {
        return !earlier.requestDigest().equals(earlier.keyDigest())
                && !earlier.requestDigest().equals(claim.requestDigest());
    }

    /**
     * Refuses a fire whose key an earlier fire claimed and has not answered while that fire may still be under way
     * ({@link IdempotencyKeyInUseException#underWay}): folding or appending it too would put the sender's one delivery
     * into the pending run twice. A claim unanswered for longer (its instance stopped) is let through.
     *
     * @param earlier the claim found
     * @param key the fire's key
     * @param described the fire, in words
     * @throws IdempotencyKeyInUseException if the earlier fire may still be under way
     */
    void refuseFireUnderWay(RequestKey earlier, String key, String described) {
        if (earlier.response().isEmpty() && earlier.createdAt().plus(unanswered).isAfter(clock.instant())) {
            throw IdempotencyKeyInUseException.underWay(key, described, RETRY_AFTER);
        }
    }

    private void answer(KeyedRequest request, RequestKey claim, String response) {
        try {
            scheduling.answerRequestKey(claim.withResponse(response));
        } catch (RuntimeException notStored) {
            // Delivered all the same: a repeat finds the claim without an answer and is refused
            // (IdempotencyKeyInUseException: under way, or NVENT-0589 once unanswered too long).
            LOG.log(System.Logger.Level.WARNING, "NVENT-0588 " + request.described() + " was delivered, but the"
                    + " answer for its repeats with key '" + request.key() + "' could not be stored: " + notStored,
                    notStored);
        }
    }

    /** The refusal of a repeat whose first call has not answered: under way, or of unknown outcome. */
    private IdempotencyKeyInUseException unanswered(KeyedRequest request, RequestKey first, Instant now) {
        if (first.createdAt().plus(unanswered).isAfter(now)) {
            return IdempotencyKeyInUseException.underWay(request.key(), request.described(), RETRY_AFTER);
        }
        return new IdempotencyKeyInUseException("NVENT-0589 " + request.described() + " with idempotency key '"
                + request.key() + "' was claimed at " + first.createdAt() + " by a call that never answered (its"
                + " instance stopped in the middle of it, or could not store the answer): whether it delivered is"
                + " unknown, so this call delivered nothing and the key is refused until " + first.expiresAt()
                + "; check what the event did (the run's events, the runs it starts) and send it with a new key if"
                + " it is missing", request.key(), Optional.empty());
    }

    private void forget(RequestKey claim, Throwable failed) {
        try {
            scheduling.forgetRequestKey(claim);
        } catch (RuntimeException notForgotten) {
            failed.addSuppressed(notForgotten);
        }
    }

    /** A run id or event name too long for a store's column counts under its digest (event names have no limit). */
    private static String target(String target) {
        return target.length() <= RequestKey.MAX_TARGET_LENGTH ? target : "sha256:" + digest(target);
    }

    /** SHA-256 as hex: keys and payloads of any length in a column of 64 characters. */
    static String digest(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /**
     * An emit or publish with a key.
     *
     * @param scope emit or publish
     * @param target the run emitted into, or the published event
     * @param key the caller's key
     * @param event the event's name
     * @param payloadJson its payload as JSON
     * @param described the request in words, e.g. {@code "a publish of event 'paid'"}
     * @param earlier what another request with the key was, in words
     */
    record KeyedRequest(RequestKey.Scope scope, String target, String key, String event, String payloadJson,
                        String described, String earlier) {
    }
}
