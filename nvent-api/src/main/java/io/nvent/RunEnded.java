package io.nvent;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * CDI event fired when a run ended: it completed, failed or was canceled. Fired once per end, on the
 * instance that ended the run, after the end is committed (an end stored in the caller's JTA transaction once that
 * commits); an end that was not stored, or rolled back, fires nothing. A failed
 * run that an operator retries and that then ends again fires a second one. A run that stalled has not ended,
 * nor has a run that was deleted.
 *
 * <p>{@code @Observes RunEnded} runs on the engine's thread that ended the run, after the end is stored, and
 * must be quick; {@code @ObservesAsync RunEnded} runs on the container's executor and may take its time. Either
 * way, an observer that throws is logged and changes nothing about the run.
 *
 * @param runId run id
 * @param flow flow name
 * @param status how it ended: {@link RunStatus#COMPLETED}, {@link RunStatus#FAILED} or {@link RunStatus#CANCELED}
 * @param error for a failed run, the error it failed with, as {@link RunInfo#error()} has it (its first 1,000
 *     characters); empty otherwise
 * @param startedAt when the run started
 * @param endedAt when it ended, as the engine's clock told it ({@link RunInfo#endedAt()} may have it less precisely,
 *     as its store keeps it: the JPA store to the microsecond)
 * @param parentRunId the run that started this one from a step, if any
 * @param labels the labels the run was started with ({@link StartOptions#labels()}), sorted
 * @since 0.2
 */
public record RunEnded(String runId, String flow, RunStatus status, Optional<String> error, Instant startedAt,
                       Instant endedAt, Optional<String> parentRunId, Set<String> labels) {

    /**
     * Checks that every component is given and that the status is one a run ends in.
     *
     * @param runId run id
     * @param flow flow name
     * @param status how it ended
     * @param error for a failed run, the error it failed with
     * @param startedAt when the run started
     * @param endedAt when it ended
     * @param parentRunId the run that started this one from a step, if any
     * @param labels the labels the run was started with; kept sorted
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if the status is not one a run ends in ({@code NVENT-0213}), or a label
     *     breaks the rules of {@link StartOptions#labels()}
     */
    public RunEnded {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(parentRunId, "parentRunId");
        if (!status.isTerminal()) {
            throw new IllegalArgumentException("NVENT-0213 run " + runId + " has not ended: it is " + status.wireName()
                    + "; a run ends completed, failed or canceled");
        }
        labels = StartOptions.requireValidLabels(labels);
    }
}
