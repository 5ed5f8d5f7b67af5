package io.nvent;

/**
 * Thrown to a step's code by a write through its {@link StepContext} (an emit, a state change, a log
 * entry, a cancel, a child run) once its execution no longer holds the step: its lease ran out and
 * another execution took the step over (the sweep found it stalled, or the queue delivered the job
 * again), the queue failed the attempt for its timeout (since its retry may run), or the attempt's
 * deferred start was refused. The write is not made, and whatever the
 * execution returns afterwards is dropped: the step's outcome is the current execution's. The step's
 * code need not catch it. A scheduling store throws it too, from a write it makes only while a
 * step's lease is held ({@link io.nvent.spi.SchedulingStore#finishStepHolding}).
 *
 * @since 0.2
 */
public class StaleExecutionException extends NventException {

    private static final long serialVersionUID = 1L;
    /** Part of the serialized form; see {@link #runId()}. */
    private final String runId;
    /** Part of the serialized form; see {@link #step()}. */
    private final String step;

    /**
     * A refused write, with a message (NVENT-0260) naming the run, the step and why.
     *
     * @param runId the run
     * @param step the step whose execution went stale
     * @param why why the execution no longer holds the step
     */
    public StaleExecutionException(String runId, String step, String why) {
        super("NVENT-0260 run '" + runId + "': this execution of step '" + step + "' no longer holds the step ("
                + why + "); its writes and its result are refused");
        this.runId = runId;
        this.step = step;
    }

    /** {@return the run of the stale execution} */
    public String runId() {
        return runId;
    }

    /** {@return the step of the stale execution} */
    public String step() {
        return step;
    }
}
