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
    STEP
}
