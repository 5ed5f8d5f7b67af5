package io.nvent;

/**
 * A step's retry schedule of its own: after each failed attempt that has attempts left, decides how long
 * to wait before the next one, or to give up now. Named on the step with
 * {@link FlowStep#retryDecider()}; the step's declared backoff ({@link FlowStep#backoff()},
 * {@link FlowStep#retryDelaysMs()}, {@link FlowStep#retryJitter()}) still computes a delay, which the
 * decider is given ({@link FailedAttempt#declaredDelay()}) to keep, adapt or replace.
 *
 * <pre>{@code
 * @ApplicationScoped
 * public class InvoiceRetries implements RetryDecider {
 *     public RetryDecision decide(FailedAttempt failed) {
 *         if (failed.error() instanceof PartnerBusyException busy) {
 *             return RetryDecision.retryAfter(busy.retryAfter()); // what the partner asked for
 *         }
 *         if (failed.error() instanceof AccountClosedException) {
 *             return RetryDecision.giveUp("the account is closed");
 *         }
 *         return RetryDecision.retryAfter(failed.declaredDelay());
 *     }
 * }
 * }</pre>
 *
 * <p>The decider is asked where the attempt failed, on the thread that ends it, once per failed attempt of
 * the step's own that has attempts left: not after the last of {@link FlowStep#maxAttempts()} (it cannot
 * add attempts), nor for a failure no retry can mend ({@link NonRetryableStepException},
 * {@link FlowStep#noRetryFor()}), nor for a failure that does not count (the store away, the engine
 * stopping). A decider that throws, returns {@code null}, or chooses a delay longer than a day
 * ({@link RetryDecision#LONGEST_DELAY}) and than the declared one, is logged and the attempt is retried after the
 * declared delay: a step is never lost to its decider. Implementations must be thread-safe if their bean's
 * scope shares them, and should not block.
 *
 * @since 0.2
 */
@FunctionalInterface
public interface RetryDecider {

    /**
     * Decides what follows a failed attempt.
     *
     * @param failed the attempt that failed, with the delay the step's declared backoff would wait
     * @return {@link RetryDecision#retryAfter} to retry after a delay, {@link RetryDecision#giveUp} to fail
     *     the step now; never {@code null}
     */
    RetryDecision decide(FailedAttempt failed);
}
