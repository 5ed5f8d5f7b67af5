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

    private final String flow;
    private final String idempotencyKey;
    private final String runId;

    public IdempotencyKeyConflictException(String flow, String idempotencyKey, String runId) {
        super("NVENT-0211 idempotency key '" + idempotencyKey + "' of flow '" + flow + "' already started run "
                + runId + " with another input; a new request needs a new key");
        this.flow = Objects.requireNonNull(flow, "flow");
        this.idempotencyKey = Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        this.runId = Objects.requireNonNull(runId, "runId");
    }

    /** The flow the key was used for. */
    public String flow() {
        return flow;
    }

    /** The key. */
    public String idempotencyKey() {
        return idempotencyKey;
    }

    /** The run the key started first. */
    public String runId() {
        return runId;
    }
}
