package io.nvent.cdi.internal.engine;

/**
 * The run of a skipping trigger's fire that the store did not let hold the trigger's concurrency key, another run
 * holding it (or having waited for it longer): removed again, so that the fire is skipped
 * ({@link FlowEngine#startFromTrigger(String, String, String, io.nvent.StartOptions, java.util.Optional, io.nvent.Overlap)}).
 * Internal: the fire's caller sees a skipped fire, never this exception.
 */
final class OverlapTakenException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String runUnderWay;

    OverlapTakenException(String removedRun, String runUnderWay) {
        super("run " + removedRun + " removed: run " + runUnderWay + " holds the concurrency key", null, false, false);
        this.runUnderWay = runUnderWay;
    }

    /** The run holding the key. */
    String runUnderWay() {
        return runUnderWay;
    }
}
