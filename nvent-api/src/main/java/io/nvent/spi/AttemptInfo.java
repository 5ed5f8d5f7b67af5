package io.nvent.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * One attempt of a step, as an {@link AttemptInterceptor} sees it.
 *
 * @param runId the run's id
 * @param flow the run's flow
 * @param step the step
 * @param attempt the attempt's number, from 1, as the step sees it ({@link io.nvent.StepContext#attempt()})
 * @param queue the queue the step's job came from
 * @param instanceId the id of the instance that runs the attempt ({@code nvent.instance-id})
 * @param parentRunId the run that started this one as its child, if any
 * @since 0.2
 */
public record AttemptInfo(String runId, String flow, String step, int attempt, String queue, String instanceId,
                          Optional<String> parentRunId) {

    /**
     * Checks the components.
     *
     * @param runId the run's id
     * @param flow the run's flow
     * @param step the step
     * @param attempt the attempt's number, from 1
     * @param queue the queue the step's job came from
     * @param instanceId the id of the instance that runs the attempt
     * @param parentRunId the run that started this one as its child, if any
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code attempt} is below 1 (NVENT-0229)
     */
    public AttemptInfo {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(parentRunId, "parentRunId");
        if (attempt < 1) {
            throw new IllegalArgumentException("NVENT-0229 an attempt is numbered from 1, was " + attempt
                    + " (step " + step + " of run " + runId + ")");
        }
    }
}
