package io.nvent;

/**
 * No run exists with the given id.
 *
 * @since 0.1
 */
public class RunNotFoundException extends NventException {

    private static final long serialVersionUID = 1L;
    /** Part of the serialized form; see {@link #runId()}. */
    private final String runId;

    /**
     * An unknown run, with a message (NVENT-0202) that names it.
     *
     * @param runId the run id asked for
     */
    public RunNotFoundException(String runId) {
        super("NVENT-0202 run '" + runId + "' does not exist");
        this.runId = runId;
    }

    /** {@return the unknown run id} */
    public String runId() {
        return runId;
    }
}
