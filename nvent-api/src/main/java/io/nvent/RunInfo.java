package io.nvent;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A run as seen from outside: where it is and how it ended.
 *
 * @param runId run id
 * @param flow flow name
 * @param status current status
 * @param startedAt start time
 * @param endedAt end time, once the run is terminal
 * @param parentRunId run that started this one from a step, if any
 * @param steps status of every step scheduled so far, by step name
 * @param idempotencyKey the idempotency key the run was started with, as its starter gave it: a
 *     caller's ({@link StartOptions#idempotencyKey()}), a webhook sender's, or one nvent made for a
 *     child run a step started ({@code nvent-child/<parent run>/<step>/attempt-<n>/<flow>/<k>}); empty
 *     for a run started without one, and for runs of a store that keeps none (since 0.2)
 * @param error while the run is {@link RunStatus#FAILED failed}, the error it failed with (its first
 *     1,000 characters; the run's {@code flow.failed} history entry has it whole); empty otherwise,
 *     and for runs that failed before 0.2 (since 0.2)
 * @param concurrencyKey the concurrency key the run was started with ({@link StartOptions#concurrencyKey()}):
 *     its runs take turns, one at a time; empty for a run started without one (since 0.2)
 * @param concurrencyLimit for a run with a concurrency key: how many runs of the key may be under way at a time,
 *     as it was started with ({@link StartOptions#concurrencyLimit()}, 1 unless given); empty for a run without a
 *     key (since 0.2)
 * @param labels the labels the run was started with ({@link StartOptions#labels()}), sorted; empty for a run started
 *     without any, and for runs of a store that keeps none (since 0.2)
 * @param deadline when the run times out, if it has a timeout ({@link StartOptions#timeout()},
 *     {@link FlowStep#runTimeoutMs()}): a run still under way then fails; kept once it ended, to show what it had.
 *     Empty for a run without one, and for runs of a store that keeps none (since 0.2)
 * @since 0.1
 */
public record RunInfo(String runId, String flow, RunStatus status, Instant startedAt, Optional<Instant> endedAt,
                      Optional<String> parentRunId, Map<String, StepStatus> steps, Optional<String> idempotencyKey,
                      Optional<String> error, Optional<String> concurrencyKey, OptionalInt concurrencyLimit,
                      Set<String> labels, Optional<Instant> deadline) {

    /**
     * Checks that every object component is given and copies the steps, so the record stays immutable.
     *
     * @param runId run id
     * @param flow flow name
     * @param status current status
     * @param startedAt start time
     * @param endedAt end time, once the run is terminal
     * @param parentRunId run that started this one from a step, if any
     * @param steps status of every step scheduled so far, by step name
     * @param idempotencyKey the idempotency key the run was started with, if any
     * @param error the error a failed run failed with, if any
     * @param concurrencyKey the concurrency key the run was started with, if any
     * @param concurrencyLimit the concurrency limit of a run with a key; empty without one
     * @param labels the labels the run was started with; kept sorted
     * @param deadline when the run times out, if it has a timeout
     * @throws NullPointerException if an object component or a label is {@code null}
     * @throws IllegalArgumentException if a limit is given without a key ({@code NVENT-0271}), or is out of range
     *     ({@code NVENT-0270}), or a label breaks the rules of {@link StartOptions#labels()}
     * @since 0.2
     */
    public RunInfo {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(parentRunId, "parentRunId");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(concurrencyKey, "concurrencyKey");
        Objects.requireNonNull(concurrencyLimit, "concurrencyLimit");
        if (concurrencyLimit.isPresent() && concurrencyKey.isEmpty()) {
            throw new IllegalArgumentException("NVENT-0271 a concurrency limit needs a concurrency key, run " + runId);
        }
        concurrencyLimit.ifPresent(StartOptions::requireValidConcurrencyLimit);
        steps = Map.copyOf(steps);
        labels = StartOptions.requireValidLabels(labels);
        Objects.requireNonNull(deadline, "deadline");
    }

    /**
     * A run without a deadline.
     *
     * @param runId run id
     * @param flow flow name
     * @param status current status
     * @param startedAt start time
     * @param endedAt end time, once the run is terminal
     * @param parentRunId run that started this one from a step, if any
     * @param steps status of every step scheduled so far, by step name
     * @param idempotencyKey the idempotency key the run was started with, if any
     * @param error the error a failed run failed with, if any
     * @param concurrencyKey the concurrency key the run was started with, if any
     * @param concurrencyLimit the concurrency limit of a run with a key; empty without one
     * @param labels the labels the run was started with; kept sorted
     * @throws NullPointerException if an object component or a label is {@code null}
     * @throws IllegalArgumentException as the canonical constructor does
     * @since 0.2
     */
    public RunInfo(String runId, String flow, RunStatus status, Instant startedAt, Optional<Instant> endedAt,
                   Optional<String> parentRunId, Map<String, StepStatus> steps, Optional<String> idempotencyKey,
                   Optional<String> error, Optional<String> concurrencyKey, OptionalInt concurrencyLimit,
                   Set<String> labels) {
        this(runId, flow, status, startedAt, endedAt, parentRunId, steps, idempotencyKey, error, concurrencyKey,
                concurrencyLimit, labels, Optional.empty());
    }

    /**
     * This run with the deadline it times out at.
     *
     * @param runDeadline the deadline; empty for none
     * @return a copy carrying it
     * @since 0.2
     */
    public RunInfo withDeadline(Optional<Instant> runDeadline) {
        return new RunInfo(runId, flow, status, startedAt, endedAt, parentRunId, steps, idempotencyKey, error,
                concurrencyKey, concurrencyLimit, labels, runDeadline);
    }

    /**
     * A run without labels.
     *
     * @param runId run id
     * @param flow flow name
     * @param status current status
     * @param startedAt start time
     * @param endedAt end time, once the run is terminal
     * @param parentRunId run that started this one from a step, if any
     * @param steps status of every step scheduled so far, by step name
     * @param idempotencyKey the idempotency key the run was started with, if any
     * @param error the error a failed run failed with, if any
     * @param concurrencyKey the concurrency key the run was started with, if any
     * @param concurrencyLimit the concurrency limit of a run with a key; empty without one
     * @throws NullPointerException if an object component is {@code null}
     * @throws IllegalArgumentException if a limit is given without a key ({@code NVENT-0271}), or is out of range
     *     ({@code NVENT-0270})
     * @since 0.2
     */
    public RunInfo(String runId, String flow, RunStatus status, Instant startedAt, Optional<Instant> endedAt,
                   Optional<String> parentRunId, Map<String, StepStatus> steps, Optional<String> idempotencyKey,
                   Optional<String> error, Optional<String> concurrencyKey, OptionalInt concurrencyLimit) {
        this(runId, flow, status, startedAt, endedAt, parentRunId, steps, idempotencyKey, error, concurrencyKey,
                concurrencyLimit, Set.of());
    }

    /**
     * This run with the labels it was started with.
     *
     * @param runLabels the labels ({@link StartOptions#labels()})
     * @return a copy carrying them
     * @since 0.2
     */
    public RunInfo withLabels(Set<String> runLabels) {
        return new RunInfo(runId, flow, status, startedAt, endedAt, parentRunId, steps, idempotencyKey, error,
                concurrencyKey, concurrencyLimit, runLabels, deadline);
    }

    /**
     * A run whose concurrency key, if any, lets one run at a time hold it.
     *
     * @param runId run id
     * @param flow flow name
     * @param status current status
     * @param startedAt start time
     * @param endedAt end time, once the run is terminal
     * @param parentRunId run that started this one from a step, if any
     * @param steps status of every step scheduled so far, by step name
     * @param idempotencyKey the idempotency key the run was started with, if any
     * @param error the error a failed run failed with, if any
     * @param concurrencyKey the concurrency key the run was started with, if any
     * @throws NullPointerException if an object component is {@code null}
     * @since 0.2
     */
    public RunInfo(String runId, String flow, RunStatus status, Instant startedAt, Optional<Instant> endedAt,
                   Optional<String> parentRunId, Map<String, StepStatus> steps, Optional<String> idempotencyKey,
                   Optional<String> error, Optional<String> concurrencyKey) {
        this(runId, flow, status, startedAt, endedAt, parentRunId, steps, idempotencyKey, error, concurrencyKey,
                concurrencyKey.isPresent() ? OptionalInt.of(1) : OptionalInt.empty());
    }

    /**
     * This run with the concurrency limit it was started with; a run without a concurrency key shows none.
     *
     * @param limit the limit ({@link StartOptions#concurrencyLimit()})
     * @return a copy with the limit, if the run has a key
     * @since 0.2
     */
    public RunInfo withConcurrencyLimit(int limit) {
        return new RunInfo(runId, flow, status, startedAt, endedAt, parentRunId, steps, idempotencyKey, error,
                concurrencyKey, concurrencyKey.isPresent() ? OptionalInt.of(limit) : OptionalInt.empty(), labels,
                deadline);
    }

    /**
     * A run without a concurrency key.
     *
     * @param runId run id
     * @param flow flow name
     * @param status current status
     * @param startedAt start time
     * @param endedAt end time, once the run is terminal
     * @param parentRunId run that started this one from a step, if any
     * @param steps status of every step scheduled so far, by step name
     * @param idempotencyKey the idempotency key the run was started with, if any
     * @param error the error a failed run failed with, if any
     * @throws NullPointerException if an object component is {@code null}
     * @since 0.2
     */
    public RunInfo(String runId, String flow, RunStatus status, Instant startedAt, Optional<Instant> endedAt,
                   Optional<String> parentRunId, Map<String, StepStatus> steps, Optional<String> idempotencyKey,
                   Optional<String> error) {
        this(runId, flow, status, startedAt, endedAt, parentRunId, steps, idempotencyKey, error, Optional.empty());
    }

    /**
     * A run without an idempotency key or an error: the components of 0.1.
     *
     * @param runId run id
     * @param flow flow name
     * @param status current status
     * @param startedAt start time
     * @param endedAt end time, once the run is terminal
     * @param parentRunId run that started this one from a step, if any
     * @param steps status of every step scheduled so far, by step name
     * @throws NullPointerException if an object component is {@code null}
     */
    public RunInfo(String runId, String flow, RunStatus status, Instant startedAt, Optional<Instant> endedAt,
                   Optional<String> parentRunId, Map<String, StepStatus> steps) {
        this(runId, flow, status, startedAt, endedAt, parentRunId, steps, Optional.empty(), Optional.empty(),
                Optional.empty());
    }
}
