package io.nvent;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An emit or a publish with an idempotency key ({@link EventOptions#idempotencyKey()}) found the key taken by the
 * same request that has not answered: nothing was delivered by this call, and it is not known yet whether the
 * first call delivers. While the first call is under way, {@link #retryAfter()} says when to try again (REST:
 * {@code 409} with {@code Retry-After}); the retry then gets the first call's answer, or delivers if the first
 * call failed. A first call left without an answer for longer than an instance takes to deliver (its instance
 * stopped in the middle of it) has an outcome nobody knows: {@link #retryAfter()} is empty, and the key is refused
 * until it expires (see the README, "Other requests and the key").
 *
 * @since 0.2
 */
public class IdempotencyKeyInUseException extends NventException {

    private static final long serialVersionUID = 1L;

    private final String idempotencyKey;
    private final Duration retryAfter;

    /**
     * A refusal with its message, which starts with its id and names the key and the request.
     *
     * @param message what happened and what to do
     * @param idempotencyKey the key
     * @param retryAfter when a retry may get the first call's answer; empty if its outcome is unknown
     * @throws NullPointerException if an argument is {@code null}
     */
    public IdempotencyKeyInUseException(String message, String idempotencyKey, Optional<Duration> retryAfter) {
        super(Objects.requireNonNull(message, "message"));
        this.idempotencyKey = Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter").orElse(null);
    }

    /**
     * The refusal of a repeat that came while the first call with the key is under way, with a message
     * (NVENT-0279) that names the key and the request.
     *
     * @param idempotencyKey the key
     * @param request the request in words, e.g. {@code "a publish of event 'paid'"}
     * @param retryAfter when to try again
     * @return the refusal
     * @throws NullPointerException if an argument is {@code null}
     */
    public static IdempotencyKeyInUseException underWay(String idempotencyKey, String request, Duration retryAfter) {
        return new IdempotencyKeyInUseException("NVENT-0279 " + Objects.requireNonNull(request, "request")
                + " with idempotency key '" + idempotencyKey + "' is under way; this call delivered nothing;"
                + " retry in " + Math.max(1, retryAfter.toSeconds()) + " s to get its answer (if it fails, the retry"
                + " delivers)", idempotencyKey, Optional.of(retryAfter));
    }

    /** {@return the key} */
    public String idempotencyKey() {
        return idempotencyKey;
    }

    /**
     * {@return when a retry may get the first call's answer; empty if the first call never answered and its
     * outcome is unknown, in which case the key is refused until it expires}
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** {@return {@code true} while the first call is under way: a retry may succeed} */
    @Override
    public boolean isRetryable() {
        return retryAfter != null;
    }
}
