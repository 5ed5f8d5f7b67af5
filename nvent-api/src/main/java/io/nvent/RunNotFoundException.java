package io.nvent;

/**
 * No run exists with the given id.
 *
 * @since 0.1
 */
public class RunNotFoundException extends NventException {

    private static final long serialVersionUID = 1L;
    private final String runId;

    public RunNotFoundException(String runId) {
        super("NVENT-0202 run '" + runId + "' does not exist");
        this.runId = runId;
    }

    /** The unknown run id. */
    public String runId() {
        return runId;
    }
}
