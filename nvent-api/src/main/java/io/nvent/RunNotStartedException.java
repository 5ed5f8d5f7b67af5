package io.nvent;

import java.util.Objects;

/**
 * A delayed or keyed start ({@link StartOptions#delayed}, a concurrency key) whose await the store refused to save: the
 * run would have waited with nothing to start it, so it is not started, and the run the start created is removed
 * again. {@link #isRetryable()} says whether the store was away (start it again later) rather than refusing the await
 * itself.
 *
 * @since 0.2
 */
public class RunNotStartedException extends NventException {

    private static final long serialVersionUID = 1L;
    /** Part of the serialized form; see {@link #runId()}. */
    private final String runId;
    /** Part of the serialized form; see {@link #flow()}. */
    private final String flow;
    /** Part of the serialized form; see {@link #isRetryable()}. */
    private final boolean retryable;

    /**
     * A start refused with its await, with a message ({@code NVENT-0257}) naming the run, its flow, its entry step and
     * why.
     *
     * @param runId the id the run was created under, and removed again
     * @param flow the flow started
     * @param step the entry step whose await was refused
     * @param retryable whether the store was away, so that the same start may succeed later
     * @param cause the store's refusal
     */
    public RunNotStartedException(String runId, String flow, String step, boolean retryable, Throwable cause) {
        super("NVENT-0257 run '" + Objects.requireNonNull(runId, "runId") + "' of flow '"
                + Objects.requireNonNull(flow, "flow") + "' was not started: the store refused to save the await of"
                + " its entry step '" + Objects.requireNonNull(step, "step") + "' (" + cause.getMessage() + "); "
                + "nothing is kept of it, "
                + (retryable ? "start it again once the store is back" : "and starting it again is refused alike"),
                cause);
        this.runId = runId;
        this.flow = flow;
        this.retryable = retryable;
    }

    /** {@return the id the run was created under, and removed again} */
    public String runId() {
        return runId;
    }

    /** {@return the flow started} */
    public String flow() {
        return flow;
    }

    @Override
    public boolean isRetryable() {
        return retryable;
    }
}
