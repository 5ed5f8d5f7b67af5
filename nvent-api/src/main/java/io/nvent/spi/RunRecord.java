package io.nvent.spi;

import io.nvent.RunInfo;
import io.nvent.RunStatus;
import io.nvent.StepStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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
 * @since 0.1
 */
public record RunRecord(String runId, String flow, RunStatus status, String input, Optional<String> result,
                        Optional<String> parentRunId, Instant startedAt, Optional<Instant> endedAt,
                        Map<String, StepStatus> steps, Map<String, String> emitted, long version) {

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
     * @throws NullPointerException if a component other than the maps and version is {@code null}
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
        steps = Map.copyOf(steps);
        emitted = Map.copyOf(emitted);
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
     * This run in another status; terminal statuses set the end time, others clear it.
     *
     * @param next the new status
     * @param at end time, used if {@code next} is terminal
     * @return a copy with the new status and end time
     */
    public RunRecord withStatus(RunStatus next, Instant at) {
        return new RunRecord(runId, flow, next, input, result, parentRunId, startedAt,
                next.isTerminal() ? Optional.of(at) : Optional.empty(), steps, emitted, version);
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
                version);
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
                version);
    }

    /**
     * This run with a result.
     *
     * @param resultJson the result as JSON text
     * @return a copy with that result
     */
    public RunRecord withResult(String resultJson) {
        return new RunRecord(runId, flow, status, input, Optional.of(resultJson), parentRunId, startedAt, endedAt,
                steps, emitted, version);
    }

    /**
     * This run with the given version (used by stores).
     *
     * @param newVersion the version the store assigned
     * @return a copy with that version
     */
    public RunRecord withVersion(long newVersion) {
        return new RunRecord(runId, flow, status, input, result, parentRunId, startedAt, endedAt, steps, emitted,
                newVersion);
    }

    /**
     * The public view of this run. Once the run has ended, a step it still held queued, retrying or
     * awaiting shows as {@link StepStatus#CANCELED}: it will not run.
     *
     * @return the run as {@link io.nvent.FlowService} shows it
     */
    public RunInfo toInfo() {
        if (!status.isTerminal() || steps.values().stream().allMatch(StepStatus::isFinal)) {
            return new RunInfo(runId, flow, status, startedAt, endedAt, parentRunId, steps);
        }
        Map<String, StepStatus> shown = new LinkedHashMap<>();
        steps.forEach((step, stepStatus) -> shown.put(step, stepStatus == StepStatus.RUNNING || stepStatus.isFinal()
                ? stepStatus : StepStatus.CANCELED));
        return new RunInfo(runId, flow, status, startedAt, endedAt, parentRunId, shown);
    }
}
