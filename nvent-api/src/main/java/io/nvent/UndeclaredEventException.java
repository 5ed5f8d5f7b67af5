package io.nvent;

import java.util.List;
import java.util.Optional;

/**
 * A step emitted an event it does not declare in {@link FlowStep#emits()}: most often a misspelt
 * name, whose subscribers would never run while the run completes as if nothing were missing. The
 * attempt fails (and is retried as any failure); nothing it emitted is delivered.
 *
 * @since 0.2
 */
public class UndeclaredEventException extends NventException {

    private static final long serialVersionUID = 1L;
    /** Part of the serialized form; see {@link #runId()}. */
    private final String runId;
    /** Part of the serialized form; see {@link #step()}. */
    private final String step;
    /** Part of the serialized form; see {@link #event()}. */
    private final String event;

    /**
     * An emit of an undeclared event, with a message (NVENT-0233) that names the run, the step, the
     * event and the events the step declares.
     *
     * @param runId the run
     * @param flow the run's flow
     * @param step the emitting step
     * @param event the event it emitted
     * @param declared the events the step declares in {@code emits}
     */
    public UndeclaredEventException(String runId, String flow, String step, String event, List<String> declared) {
        this(runId, flow, step, event, declared, Optional.empty());
    }

    /**
     * An emit of an undeclared event, with a message (NVENT-0233) that names the run, the step, the
     * event, the events the step declares and, when one of them is a typo away from the event, asks
     * whether it was meant.
     *
     * @param runId the run
     * @param flow the run's flow
     * @param step the emitting step
     * @param event the event it emitted
     * @param declared the events the step declares in {@code emits}
     * @param meant the declared event closest to {@code event}, if one is that close
     * @since 0.2
     */
    public UndeclaredEventException(String runId, String flow, String step, String event, List<String> declared,
                                    Optional<String> meant) {
        super("NVENT-0233 step '" + step + "' of run '" + runId + "' (flow '" + flow + "') emitted event '" + event
                + "', which it does not declare; it declares emits = " + declared
                + meant.map(name -> "; did you mean '" + name + "'?").orElse("") + " (fix the event's name, or add "
                + "it to the step's @FlowStep(emits = ...))");
        this.runId = runId;
        this.step = step;
        this.event = event;
    }

    /** {@return the run whose step emitted the event} */
    public String runId() {
        return runId;
    }

    /** {@return the emitting step} */
    public String step() {
        return step;
    }

    /** {@return the undeclared event's name} */
    public String event() {
        return event;
    }
}
