package io.nvent;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * CDI event fired when a run was stored as started: by {@link FlowService#start} (with or without a delay), by a
 * trigger's fire, by a step that starts a child run, by a restart or rerun that creates a run. Fired once per run,
 * on the instance that stored it, after it is committed (a start stored in the caller's JTA transaction once that
 * commits, never if it rolled back; a store that takes no part in the transaction, the in-memory one, keeps the
 * run whatever the transaction's outcome, and fires it then all the same). A start with an idempotency key that
 * answers an existing run fires nothing, nor does a start that was not stored.
 *
 * <p>A delayed start ({@link StartOptions#delay()}) fires at the start call, as the run is stored then, with
 * {@link #startsAt()}: when its first step is due. {@code @Observes RunStarted} runs on the thread that stored the
 * run (the caller's, or a worker's for a child or a trigger), after the run is stored and before its first step is
 * queued, and must be quick; {@code @ObservesAsync RunStarted} runs on the container's executor. Either way, an
 * observer that throws is logged and changes nothing about the run.
 *
 * @param runId run id
 * @param flow flow name
 * @param startedAt when the run started, as the engine's clock told it
 * @param startsAt for a delayed start, when its first step is due; empty otherwise
 * @param parentRunId the run that started this one from a step, if any
 * @param labels the labels the run was started with ({@link StartOptions#labels()}), sorted
 * @param idempotencyKey the idempotency key the run was started with, as {@link RunInfo#idempotencyKey()} has it (a
 *     caller's, a webhook sender's, or one nvent made for a child run a step started); empty for a run started
 *     without one
 * @param trigger the name of the trigger whose fire started the run, if one did
 * @param deadline when the run times out, if it has a timeout ({@link RunInfo#deadline()})
 * @since 0.2
 */
public record RunStarted(String runId, String flow, Instant startedAt, Optional<Instant> startsAt,
                         Optional<String> parentRunId, Set<String> labels, Optional<String> idempotencyKey,
                         Optional<String> trigger, Optional<Instant> deadline) {

    /**
     * Checks that every component is given.
     *
     * @param runId run id
     * @param flow flow name
     * @param startedAt when the run started
     * @param startsAt for a delayed start, when its first step is due
     * @param parentRunId the run that started this one from a step, if any
     * @param labels the labels the run was started with; kept sorted
     * @param idempotencyKey the idempotency key the run was started with, if any
     * @param trigger the name of the trigger that started the run, if one did
     * @param deadline when the run times out, if it has a timeout
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if a label breaks the rules of {@link StartOptions#labels()}, or the run is
     *     due to start before it started ({@code NVENT-0228})
     */
    public RunStarted {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(startsAt, "startsAt");
        Objects.requireNonNull(parentRunId, "parentRunId");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(deadline, "deadline");
        if (startsAt.filter(startedAt::isAfter).isPresent()) {
            throw new IllegalArgumentException("NVENT-0228 run " + runId + " starts at " + startsAt.get()
                    + ", before it started at " + startedAt + "; a delayed start is due after its start");
        }
        labels = StartOptions.requireValidLabels(labels);
    }
}
