package io.nvent;

/**
 * Role of a step in its flow.
 *
 * @since 0.1
 */
public enum StepRole {
    /** The step a run starts with; it receives the run's input. */
    ENTRY,
    /** A downstream step; it receives the payloads of the events it subscribes to. */
    STEP,
    /**
     * A step that undoes another step of its flow, the steps that name it in {@link FlowStep#compensation()}: it
     * runs only when a run fails for good after those completed ({@link RunStatus#COMPENSATING}), once per step it
     * undoes, given that step's output as input and {@link StepContext#compensating()}. It subscribes to nothing,
     * emits nothing, and has no trigger and no await; a deployment that gives it any fails.
     *
     * @since 0.2
     */
    COMPENSATION
}
