package io.nvent;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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
 * @since 0.1
 */
public record RunInfo(String runId, String flow, RunStatus status, Instant startedAt, Optional<Instant> endedAt,
                      Optional<String> parentRunId, Map<String, StepStatus> steps) {

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
     * @throws NullPointerException if an object component is {@code null}
     */
    public RunInfo {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(parentRunId, "parentRunId");
        steps = Map.copyOf(steps);
    }
}
