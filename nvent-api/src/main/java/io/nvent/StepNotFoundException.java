package io.nvent;

/**
 * The flow of a run has no step of the given name (an operator's retry or rerun of a step the
 * flow, as deployed, does not have).
 *
 * @since 0.1
 */
public class StepNotFoundException extends NventException {

    private static final long serialVersionUID = 1L;
    /** Part of the serialized form; see {@link #runId()}. */
    private final String runId;
    /** Part of the serialized form; see {@link #step()}. */
    private final String step;

    /**
     * An unknown step of a run's flow, with a message (NVENT-0248) that names the run, its flow and
     * the step.
     *
     * @param runId the run
     * @param flow the run's flow
     * @param step the step asked for
     */
    public StepNotFoundException(String runId, String flow, String step) {
        super("NVENT-0248 flow '" + flow + "' of run '" + runId + "' has no step '" + step + "'");
        this.runId = runId;
        this.step = step;
    }

    /** {@return the run whose flow lacks the step} */
    public String runId() {
        return runId;
    }

    /** {@return the unknown step name} */
    public String step() {
        return step;
    }
}
