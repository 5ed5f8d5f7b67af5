package io.nvent.spi;

import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.StepStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The stored state of one run, as the engine reads and writes it. Immutable; the engine derives
 * changed copies with the {@code with…} methods and stores them through
 * {@link FlowStore#updateRun}.
 *
 * @param runId run id
 * @param flow flow name
 * @param status run status
 * @param input the run's input as JSON text
 * @param result JSON result of the last completed step, if any
 * @param parentRunId run that started this one, if any
 * @param startedAt start time
 * @param endedAt end time, once terminal
 * @param steps status of each scheduled step
 * @param emitted payload (JSON) of the first emission of each event in this run, by event name
 * @param version optimistic-locking version; stores increment it on every update
 * @param idempotencyKey the idempotency key the run was started with, as its starter gave it (the
 *     caller's, a webhook sender's, or one nvent made for a child run: {@code nvent-child/…}), not the
 *     key the store holds for it ({@link FlowStore#createRun(RunRecord, java.util.List, String)}); set when the
 *     run is created and never changed (since 0.2: a store written for 0.1 keeps none, and its runs
 *     show none)
 * @param error while the run is {@link RunStatus#FAILED failed}, the error it failed with, at most
 *     {@link #MAX_ERROR_LENGTH} UTF-16 units, cut between characters (its history has it whole); empty in every
 *     other status (since 0.2: a store written for 0.1 keeps none)
 * @param concurrencyKey the concurrency key the run was started with ({@link io.nvent.StartOptions#concurrencyKey()}),
 *     set when the run is created and never changed (since 0.2)
 * @param concurrencyLimit how many runs of its concurrency key may be under way at a time, as it was started with
 *     ({@link io.nvent.StartOptions#concurrencyLimit()}); 1 for a run without a key (since 0.2)
 * @param labels the labels the run was started with ({@link io.nvent.StartOptions#labels()}), sorted; set when the
 *     run is created and never changed. A store keeps them so that {@link FlowStore#findRuns} can filter by one
 *     ({@link io.nvent.RunQuery#label()}) (since 0.2: a store written for 0.1 keeps none)
 * @param timeout how long the run may take ({@link io.nvent.StartOptions#timeout()} or its flow's
 *     {@link io.nvent.FlowStep#runTimeoutMs()}), set when the run is created and never changed; empty for none
 *     (since 0.2: a store written for 0.1 keeps none, {@link FlowStore#keepsDeadlines()})
 * @param deadline when the run times out: its start, or its latest retry once it ended, plus its {@link #timeout()};
 *     present exactly when the timeout is. A store finds the runs under way past it
 *     ({@link FlowStore#runsPastDeadline}) (since 0.2)
 * @since 0.1
 */
public record RunRecord(String runId, String flow, RunStatus status, String input, Optional<String> result,
                        Optional<String> parentRunId, Instant startedAt, Optional<Instant> endedAt,
                        Map<String, StepStatus> steps, Map<String, String> emitted, long version,
                        Optional<String> idempotencyKey, Optional<String> error, Optional<String> concurrencyKey,
                        int concurrencyLimit, Set<String> labels, Optional<Duration> timeout,
                        Optional<Instant> deadline) {

    /**
     * The longest {@link #error()} a run keeps, in UTF-16 units ({@link String#length()}); a longer one is cut between
     * two characters, never inside one, ending in {@code …}.
     *
     * @since 0.2
     */
    public static final int MAX_ERROR_LENGTH = 1000;

    /**
     * Checks that every component is given and copies the maps, so the record stays immutable.
     *
     * @param runId run id
     * @param flow flow name
     * @param status run status
     * @param input the run's input as JSON text
     * @param result JSON result of the last completed step, if any
     * @param parentRunId run that started this one, if any
     * @param startedAt start time
     * @param endedAt end time, once terminal
     * @param steps status of each scheduled step
     * @param emitted payload (JSON) of the first emission of each event in this run, by event name
     * @param version optimistic-locking version; stores increment it on every update
     * @param idempotencyKey the idempotency key the run was started with, if any
     * @param error the error a failed run failed with, if any; dropped in any status but
     *     {@link RunStatus#FAILED}, so that a store's record never shows an error its run outlived
     * @param concurrencyKey the concurrency key the run was started with, if any
     * @param concurrencyLimit how many runs of the key may be under way at a time; 1 without a key
     * @param labels the labels the run was started with; kept sorted
     * @param timeout how long the run may take; empty for none
     * @param deadline when the run times out; present exactly when the timeout is
     * @throws NullPointerException if a component other than the maps and version is {@code null}
     * @throws IllegalArgumentException if the limit is out of range ({@code NVENT-0270}), a label breaks the
     *     rules of {@link io.nvent.StartOptions#labels()}, or a deadline comes without a timeout or the other way
     *     round ({@code NVENT-0291})
     * @since 0.2
     */
    public RunRecord {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(parentRunId, "parentRunId");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(concurrencyKey, "concurrencyKey");
        // One an instance left behind when the run went on (a 0.1 instance's retry, on the 0.2 schema) is not shown.
        error = status == RunStatus.FAILED ? error : Optional.empty();
        io.nvent.StartOptions.requireValidConcurrencyLimit(concurrencyLimit);
        steps = Map.copyOf(steps);
        emitted = Map.copyOf(emitted);
        labels = io.nvent.StartOptions.requireValidLabels(labels);
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(deadline, "deadline");
        if (timeout.isPresent() != deadline.isPresent()) {
            throw new IllegalArgumentException("NVENT-0291 run " + runId + " has a deadline exactly when it has a"
                    + " timeout; was timeout " + timeout + ", deadline " + deadline);
        }
    }

    /**
     * A run without a timeout.
     *
     * @param runId run id
     * @param flow flow name
     * @param status run status
     * @param input the run's input as JSON text
     * @param result JSON result of the last completed step, if any
     * @param parentRunId run that started this one, if any
     * @param startedAt start time
     * @param endedAt end time, once terminal
     * @param steps status of each scheduled step
     * @param emitted payload (JSON) of the first emission of each event in this run, by event name
     * @param version optimistic-locking version; stores increment it on every update
     * @param idempotencyKey the idempotency key the run was started with, if any
     * @param error the error a failed run failed with, if any
     * @param concurrencyKey the concurrency key the run was started with, if any
     * @param concurrencyLimit how many runs of the key may be under way at a time; 1 without a key
     * @param labels the labels the run was started with; kept sorted
     * @throws NullPointerException if a component other than the maps and version is {@code null}
     * @throws IllegalArgumentException as the canonical constructor does
     * @since 0.2
     */
    public RunRecord(String runId, String flow, RunStatus status, String input, Optional<String> result,
                     Optional<String> parentRunId, Instant startedAt, Optional<Instant> endedAt,
                     Map<String, StepStatus> steps, Map<String, String> emitted, long version,
                     Optional<String> idempotencyKey, Optional<String> error, Optional<String> concurrencyKey,
                     int concurrencyLimit, Set<String> labels) {
        this(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, emitted, version,
                idempotencyKey, error, concurrencyKey, concurrencyLimit, labels, Optional.empty(), Optional.empty());
    }

    /**
     * This run with a timeout and the deadline it runs out at: see {@link #timeout()} and {@link #deadline()}.
     *
     * @param runTimeout how long the run may take
     * @param from when it begins to count: the start, or the retry of a run that ended
     * @return a copy with the timeout and a deadline {@code runTimeout} after {@code from}
     * @since 0.2
     */
    public RunRecord withTimeout(Duration runTimeout, Instant from) {
        return new RunRecord(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, emitted,
                version, idempotencyKey, error, concurrencyKey, concurrencyLimit, labels, Optional.of(runTimeout),
                Optional.of(from.plus(runTimeout)));
    }

    /**
     * Whether the run is under way past its deadline, as of {@code now}: what the engine ends it for.
     *
     * @param now the time
     * @return {@code true} if the run has a deadline not after {@code now} and is not terminal
     * @since 0.2
     */
    public boolean isPastDeadline(Instant now) {
        return !status.isTerminal() && deadline.isPresent() && !deadline.get().isAfter(now);
    }

    /**
     * A run without labels.
     *
     * @param runId run id
     * @param flow flow name
     * @param status run status
     * @param input the run's input as JSON text
     * @param result JSON result of the last completed step, if any
     * @param parentRunId run that started this one, if any
     * @param startedAt start time
     * @param endedAt end time, once terminal
     * @param steps status of each scheduled step
     * @param emitted payload (JSON) of the first emission of each event in this run, by event name
     * @param version optimistic-locking version; stores increment it on every update
     * @param idempotencyKey the idempotency key the run was started with, if any
     * @param error the error a failed run failed with, if any
     * @param concurrencyKey the concurrency key the run was started with, if any
     * @param concurrencyLimit how many runs of the key may be under way at a time; 1 without a key
     * @throws NullPointerException if a component other than the maps and version is {@code null}
     * @throws IllegalArgumentException if the limit is out of range ({@code NVENT-0270})
     * @since 0.2
     */
    public RunRecord(String runId, String flow, RunStatus status, String input, Optional<String> result,
                     Optional<String> parentRunId, Instant startedAt, Optional<Instant> endedAt,
                     Map<String, StepStatus> steps, Map<String, String> emitted, long version,
                     Optional<String> idempotencyKey, Optional<String> error, Optional<String> concurrencyKey,
                     int concurrencyLimit) {
        this(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, emitted, version,
                idempotencyKey, error, concurrencyKey, concurrencyLimit, Set.of());
    }

    /**
     * A run without an idempotency key or an error: the components of 0.1, for stores (and tests)
     * written for it.
     *
     * @param runId run id
     * @param flow flow name
     * @param status run status
     * @param input the run's input as JSON text
     * @param result JSON result of the last completed step, if any
     * @param parentRunId run that started this one, if any
     * @param startedAt start time
     * @param endedAt end time, once terminal
     * @param steps status of each scheduled step
     * @param emitted payload (JSON) of the first emission of each event in this run, by event name
     * @param version optimistic-locking version; stores increment it on every update
     * @throws NullPointerException if a component other than the maps and version is {@code null}
     */
    public RunRecord(String runId, String flow, RunStatus status, String input, Optional<String> result,
                     Optional<String> parentRunId, Instant startedAt, Optional<Instant> endedAt,
                     Map<String, StepStatus> steps, Map<String, String> emitted, long version) {
        this(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, emitted, version,
                Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * A run whose concurrency key, if any, lets one run at a time hold it.
     *
     * @param runId run id
     * @param flow flow name
     * @param status run status
     * @param input the run's input as JSON text
     * @param result JSON result of the last completed step, if any
     * @param parentRunId run that started this one, if any
     * @param startedAt start time
     * @param endedAt end time, once terminal
     * @param steps status of each scheduled step
     * @param emitted payload (JSON) of the first emission of each event in this run, by event name
     * @param version optimistic-locking version; stores increment it on every update
     * @param idempotencyKey the idempotency key the run was started with, if any
     * @param error the error a failed run failed with, if any
     * @param concurrencyKey the concurrency key the run was started with, if any
     * @throws NullPointerException if a component other than the maps and version is {@code null}
     * @since 0.2
     */
    public RunRecord(String runId, String flow, RunStatus status, String input, Optional<String> result,
                     Optional<String> parentRunId, Instant startedAt, Optional<Instant> endedAt,
                     Map<String, StepStatus> steps, Map<String, String> emitted, long version,
                     Optional<String> idempotencyKey, Optional<String> error, Optional<String> concurrencyKey) {
        this(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, emitted, version,
                idempotencyKey, error, concurrencyKey, 1);
    }

    /**
     * A run without a concurrency key.
     *
     * @param runId run id
     * @param flow flow name
     * @param status run status
     * @param input the run's input as JSON text
     * @param result JSON result of the last completed step, if any
     * @param parentRunId run that started this one, if any
     * @param startedAt start time
     * @param endedAt end time, once terminal
     * @param steps status of each scheduled step
     * @param emitted payload (JSON) of the first emission of each event in this run, by event name
     * @param version optimistic-locking version; stores increment it on every update
     * @param idempotencyKey the idempotency key the run was started with, if any
     * @param error the error a failed run failed with, if any
     * @throws NullPointerException if a component other than the maps and version is {@code null}
     * @since 0.2
     */
    public RunRecord(String runId, String flow, RunStatus status, String input, Optional<String> result,
                     Optional<String> parentRunId, Instant startedAt, Optional<Instant> endedAt,
                     Map<String, StepStatus> steps, Map<String, String> emitted, long version,
                     Optional<String> idempotencyKey, Optional<String> error) {
        this(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, emitted, version,
                idempotencyKey, error, Optional.empty());
    }

    /**
     * A new run in status {@code RUNNING}, version 0.
     *
     * @param runId new run id
     * @param flow flow name
     * @param input the run's input as JSON text
     * @param parentRunId run that started this one; empty for a top-level run
     * @param startedAt start time
     * @return the new run, no steps scheduled yet
     */
    public static RunRecord started(String runId, String flow, String input, Optional<String> parentRunId,
                                    Instant startedAt) {
        return new RunRecord(runId, flow, RunStatus.RUNNING, input, Optional.empty(), parentRunId, startedAt,
                Optional.empty(), Map.of(), Map.of(), 0);
    }

    /**
     * This run in another status; terminal statuses set the end time, others clear it. The error is
     * kept only while the run stays {@link RunStatus#FAILED}: see {@link #withFailure}.
     *
     * @param next the new status
     * @param at end time, used if {@code next} is terminal
     * @return a copy with the new status and end time
     */
    public RunRecord withStatus(RunStatus next, Instant at) {
        return new RunRecord(runId, flow, next, input, result, parentRunId, startedAt,
                next.isTerminal() ? Optional.of(at) : Optional.empty(), steps, emitted, version, idempotencyKey,
                next == RunStatus.FAILED ? error : Optional.empty(), concurrencyKey, concurrencyLimit, labels, timeout, deadline);
    }

    /**
     * This run failed: status {@link RunStatus#FAILED}, ended at {@code at}, with the error it failed
     * with: whole up to {@link #MAX_ERROR_LENGTH} UTF-16 units, else its first {@code MAX_ERROR_LENGTH - 1} and
     * {@code …}, one unit fewer where the last would split a character outside the Basic Multilingual Plane.
     *
     * @param at end time
     * @param failure the error, as the run's {@code flow.failed} entry records it
     * @return a failed copy
     * @since 0.2
     */
    public RunRecord withFailure(Instant at, String failure) {
        String kept = io.nvent.spi.internal.RunErrors.kept(failure);
        return new RunRecord(runId, flow, RunStatus.FAILED, input, result, parentRunId, startedAt, Optional.of(at),
                steps, emitted, version, idempotencyKey, Optional.of(kept), concurrencyKey, concurrencyLimit, labels, timeout, deadline);
    }

    /**
     * This run, started with an idempotency key: see {@link #idempotencyKey()}.
     *
     * @param key the key as its starter gave it
     * @return a copy holding the key
     * @since 0.2
     */
    public RunRecord withIdempotencyKey(String key) {
        return new RunRecord(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, emitted,
                version, Optional.of(key), error, concurrencyKey, concurrencyLimit, labels, timeout, deadline);
    }

    /**
     * This run, started with a concurrency key: see {@link #concurrencyKey()}.
     *
     * @param key the key as its starter gave it
     * @return a copy holding the key
     * @since 0.2
     */
    public RunRecord withConcurrencyKey(String key) {
        return withConcurrencyKey(key, 1);
    }

    /**
     * This run, started with a concurrency key and a limit: see {@link #concurrencyKey()} and
     * {@link #concurrencyLimit()}.
     *
     * @param key the key as its starter gave it
     * @param limit how many runs of the key may be under way at a time
     * @return a copy holding the key
     * @since 0.2
     */
    public RunRecord withConcurrencyKey(String key, int limit) {
        return new RunRecord(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, emitted,
                version, idempotencyKey, error, Optional.of(key), limit, labels, timeout, deadline);
    }

    /**
     * This run, started with labels: see {@link #labels()}.
     *
     * @param runLabels the labels as its starter gave them
     * @return a copy carrying them
     * @since 0.2
     */
    public RunRecord withLabels(Set<String> runLabels) {
        return new RunRecord(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, emitted,
                version, idempotencyKey, error, concurrencyKey, concurrencyLimit, runLabels, timeout, deadline);
    }

    /**
     * This run with one step's status changed.
     *
     * @param step step name
     * @param stepStatus its new status
     * @return a copy with that step's status set
     */
    public RunRecord withStep(String step, StepStatus stepStatus) {
        Map<String, StepStatus> copy = new LinkedHashMap<>(steps);
        copy.put(step, stepStatus);
        return new RunRecord(runId, flow, status, input, result, parentRunId, startedAt, endedAt, copy, emitted,
                version, idempotencyKey, error, concurrencyKey, concurrencyLimit, labels, timeout, deadline);
    }

    /**
     * This run with an emitted event recorded, unless that event was emitted before.
     *
     * @param event event name
     * @param payloadJson the emission's payload as JSON text
     * @return a copy with the emission recorded, or this run if the event was emitted before
     */
    public RunRecord withEmitted(String event, String payloadJson) {
        if (emitted.containsKey(event)) {
            return this;
        }
        Map<String, String> copy = new LinkedHashMap<>(emitted);
        copy.put(event, payloadJson);
        return new RunRecord(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, copy,
                version, idempotencyKey, error, concurrencyKey, concurrencyLimit, labels, timeout, deadline);
    }

    /**
     * This run with a result.
     *
     * @param resultJson the result as JSON text
     * @return a copy with that result
     */
    public RunRecord withResult(String resultJson) {
        return new RunRecord(runId, flow, status, input, Optional.of(resultJson), parentRunId, startedAt, endedAt,
                steps, emitted, version, idempotencyKey, error, concurrencyKey, concurrencyLimit, labels, timeout, deadline);
    }

    /**
     * This run with another input: a debounced run's, which takes the latest payload folded into it before it starts
     * ({@link io.nvent.Debounce}).
     *
     * @param inputJson the input as JSON text
     * @return a copy with that input
     * @since 0.2
     */
    public RunRecord withInput(String inputJson) {
        return new RunRecord(runId, flow, status, java.util.Objects.requireNonNull(inputJson, "inputJson"), result,
                parentRunId, startedAt, endedAt, steps, emitted, version, idempotencyKey, error, concurrencyKey,
                concurrencyLimit, labels, timeout, deadline);
    }

    /**
     * This run with the given version (used by stores).
     *
     * @param newVersion the version the store assigned
     * @return a copy with that version
     */
    public RunRecord withVersion(long newVersion) {
        return new RunRecord(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, emitted,
                newVersion, idempotencyKey, error, concurrencyKey, concurrencyLimit, labels, timeout, deadline);
    }

    /**
     * The public view of this run. Once the run has ended, a step it still held queued, retrying or
     * awaiting shows as {@link StepStatus#CANCELED}: it will not run.
     *
     * @return the run as {@link io.nvent.FlowService} shows it
     */
    public RunInfo toInfo() {
        if (!status.isTerminal() || steps.values().stream().allMatch(StepStatus::isFinal)) {
            return new RunInfo(runId, flow, status, startedAt, endedAt, parentRunId, steps, idempotencyKey, error,
                    concurrencyKey).withConcurrencyLimit(concurrencyLimit).withLabels(labels).withDeadline(deadline);
        }
        Map<String, StepStatus> shown = new LinkedHashMap<>();
        steps.forEach((step, stepStatus) -> shown.put(step, stepStatus == StepStatus.RUNNING || stepStatus.isFinal()
                ? stepStatus : StepStatus.CANCELED));
        return new RunInfo(runId, flow, status, startedAt, endedAt, parentRunId, shown, idempotencyKey, error,
                concurrencyKey).withConcurrencyLimit(concurrencyLimit).withLabels(labels).withDeadline(deadline);
    }
}
