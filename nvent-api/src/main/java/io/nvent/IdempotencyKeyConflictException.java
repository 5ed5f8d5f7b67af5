package io.nvent;

import java.util.Objects;

/**
 * A start reused an idempotency key that an earlier start of the same flow used with another input:
 * it is a different request, and returning the earlier run would answer it wrongly. Nothing was
 * started. The REST API answers 422.
 *
 * @since 0.1
 */
public class IdempotencyKeyConflictException extends NventException {

    private static final long serialVersionUID = 1L;

    /** Part of the serialized form; see {@link #flow()}. */
    private final String flow;
    /** Part of the serialized form; see {@link #idempotencyKey()}. */
    private final String idempotencyKey;
    /** Part of the serialized form; see {@link #runId()}. */
    private final String runId;

    /**
     * A conflict, with a message (NVENT-0211) that names the flow, the key and the earlier run.
     *
     * @param flow the flow the key was used for
     * @param idempotencyKey the key
     * @param runId the run the key started first
     * @throws NullPointerException if an argument is {@code null}
     */
    public IdempotencyKeyConflictException(String flow, String idempotencyKey, String runId) {
        super("NVENT-0211 idempotency key '" + idempotencyKey + "' of flow '" + flow + "' already started run "
                + runId + " with another input; a new request needs a new key");
        this.flow = Objects.requireNonNull(flow, "flow");
        this.idempotencyKey = Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        this.runId = Objects.requireNonNull(runId, "runId");
    }

    /** {@return the flow the key was used for} */
    public String flow() {
        return flow;
    }

    /** {@return the key that was reused} */
    public String idempotencyKey() {
        return idempotencyKey;
    }

    /** {@return the run the key started first, which a retry with the original input gets back} */
    public String runId() {
        return runId;
    }
}
