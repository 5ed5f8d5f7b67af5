package io.nvent.spi;

import java.util.Objects;

/**
 * A step handed on to its queue where no step of its run carries a context to it, as
 * {@link AttemptInterceptor#capture(StepHandOn)} is told: what the captured context is for, so that an
 * interceptor with no context of the caller's to capture (a cron trigger's fire, a timer that resolves an
 * await) can make one for the run, which its steps then carry from one to the next.
 *
 * @param runId the run's id
 * @param flow the run's flow
 * @param step the step handed on
 * @param runStart whether the step is the flow's entry step: the run starts with it (a start, a trigger's fire,
 *     a restart); {@code false} for a step that goes on with a run from outside its steps (an await resolved,
 *     a step queued again by the maintenance sweep, an operator's retry)
 * @since 0.2
 */
public record StepHandOn(String runId, String flow, String step, boolean runStart) {

    /**
     * Checks the components.
     *
     * @param runId the run's id
     * @param flow the run's flow
     * @param step the step handed on
     * @param runStart whether the run starts with the step
     * @throws NullPointerException if a component is {@code null}
     */
    public StepHandOn {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(step, "step");
    }
}
