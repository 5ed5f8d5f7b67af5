package io.nvent;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * CDI event fired when a step failed: an attempt that threw or timed out, which is retried or fails the step
 * for good, or a step failed without an attempt (an await that timed out with {@link TimeoutAction#FAIL}, a
 * stalled step that is no longer deployed). Fired once per failure, on the instance that stored it, after it is
 * stored; a step that fails for good fires it before its run's {@link RunEnded}. Observed as {@link RunEnded} is,
 * with {@code @Observes} (on the engine's thread, quick) or {@code @ObservesAsync}.
 *
 * @param runId run id
 * @param flow flow name
 * @param step step name
 * @param attempt the attempt that failed, from 1; 0 for a step failed without an attempt
 * @param maxAttempts how many attempts the step has; 0 for a step failed without an attempt
 * @param error the message it failed with (the {@code step.retry} or {@code step.failed} history entry has
 *     its stack trace)
 * @param willRetry whether the step runs again: its next attempt is queued for {@code nextAttemptAt}
 * @param nextAttemptAt when the next attempt is due, if it will retry; empty if the step failed for good
 * @since 0.2
 */
public record StepFailed(String runId, String flow, String step, int attempt, int maxAttempts, String error,
                         boolean willRetry, Optional<Instant> nextAttemptAt) {

    /**
     * Checks that every component is given and that a retry has its time.
     *
     * @param runId run id
     * @param flow flow name
     * @param step step name
     * @param attempt the attempt that failed; 0 for a step failed without an attempt
     * @param maxAttempts how many attempts the step has; 0 for a step failed without an attempt
     * @param error the message it failed with
     * @param willRetry whether the step runs again
     * @param nextAttemptAt when the next attempt is due, if it will retry
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if an attempt count is negative, or {@code willRetry} and
     *     {@code nextAttemptAt} disagree ({@code NVENT-0214})
     */
    public StepFailed {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        if (attempt < 0 || maxAttempts < 0) {
            throw new IllegalArgumentException("NVENT-0214 step " + step + " of run " + runId
                    + ": attempt and maxAttempts count from 0, were " + attempt + " and " + maxAttempts);
        }
        if (willRetry != nextAttemptAt.isPresent()) {
            throw new IllegalArgumentException("NVENT-0214 step " + step + " of run " + runId + ": a step that "
                    + (willRetry ? "will retry needs the time of its next attempt"
                    : "fails for good has no next attempt"));
        }
    }
}
