package io.nvent;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A start reused an idempotency key that an earlier start of the same flow used with another input:
 * it is a different request, and returning the earlier run would answer it wrongly. Nothing was
 * started. Likewise a restart or rerun ({@link RestartOptions}) whose key already started a run of the
 * flow by another request: a start, a restart of another run, a rerun of another run or from another
 * step. A start with the key and input of the earlier one but other labels is another request too
 * ({@link #ofLabels}), and so is one giving a timeout of its own other than the one that run was started with
 * ({@link #ofTimeout}). The REST API answers 422.
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

    /**
     * A conflict of a restart or rerun, with a message (NVENT-0276) that names the flow, the key, the run
     * the key started and both requests.
     *
     * @param flow the flow the key was used for
     * @param idempotencyKey the key
     * @param runId the run the key started first
     * @param earlierRequest what started {@code runId}, in words, e.g. {@code "a start"} or
     *     {@code "a restart of run 7f3…"}
     * @param request what reused the key, in words, e.g. {@code "a rerun of run 2c1… from step 'ship'"}
     * @throws NullPointerException if an argument is {@code null}
     * @since 0.2
     */
    public IdempotencyKeyConflictException(String flow, String idempotencyKey, String runId, String earlierRequest,
                                           String request) {
        super("NVENT-0276 idempotency key '" + idempotencyKey + "' of flow '" + flow + "' already started run "
                + Objects.requireNonNull(runId, "runId") + " by " + Objects.requireNonNull(earlierRequest,
                "earlierRequest") + ", so it cannot be the key of " + Objects.requireNonNull(request, "request")
                + "; nothing was started or canceled; a new request needs a new key");
        this.flow = Objects.requireNonNull(flow, "flow");
        this.idempotencyKey = Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        this.runId = runId;
    }

    /**
     * A conflict of an emit or a publish ({@link EventOptions#idempotencyKey()}), with a message (NVENT-0281)
     * that names the key and both requests: the key delivered another event or payload (an emit's, into the
     * same run) before. An emit or publish starts no run of its own, so {@link #flow()} and {@link #runId()} are
     * empty.
     *
     * @param idempotencyKey the key
     * @param earlierRequest what the key delivered first, in words, e.g. {@code "another payload of event 'paid'"}
     * @param request what reused the key, in words
     * @return the conflict
     * @throws NullPointerException if an argument is {@code null}
     * @since 0.2
     */
    public static IdempotencyKeyConflictException ofEvent(String idempotencyKey, String earlierRequest,
                                                          String request) {
        return new IdempotencyKeyConflictException("NVENT-0281 idempotency key '"
                + Objects.requireNonNull(idempotencyKey, "idempotencyKey") + "' already delivered "
                + Objects.requireNonNull(earlierRequest, "earlierRequest") + ", so it cannot be the key of "
                + Objects.requireNonNull(request, "request") + "; nothing was delivered; a new request needs a new key",
                idempotencyKey);
    }

    /**
     * A conflict of a start that gives the input of the run its key started, but other labels
     * ({@link StartOptions#labels()}), with a message (NVENT-0284) that names the flow, the key, the earlier run
     * and both sets of labels: the labels are part of the request, and the earlier run does not carry this one's.
     *
     * @param flow the flow the key was used for
     * @param idempotencyKey the key
     * @param runId the run the key started first
     * @param earlierLabels the labels that run carries; empty for none
     * @param labels the labels the start gives; empty for none
     * @return the conflict
     * @throws NullPointerException if an argument is {@code null}
     * @since 0.2
     */
    public static IdempotencyKeyConflictException ofLabels(String flow, String idempotencyKey, String runId,
                                                           Set<String> earlierLabels, Set<String> labels) {
        return new IdempotencyKeyConflictException("NVENT-0284 idempotency key '"
                + Objects.requireNonNull(idempotencyKey, "idempotencyKey") + "' of flow '"
                + Objects.requireNonNull(flow, "flow") + "' already started run " + Objects.requireNonNull(runId, "runId")
                + " with the same input and " + described(earlierLabels) + "; this start gives " + described(labels)
                + ", so it is another request; nothing was started; a new request needs a new key",
                flow, idempotencyKey, runId);
    }

    /**
     * A conflict of a start that gives the input and labels of the run its key started, but its own timeout
     * ({@link StartOptions#timeout()}) other than the one that run was started with, with a message (NVENT-0216) that
     * names the flow, the key, the earlier run and both timeouts: the earlier run's deadline is not this start's.
     *
     * @param flow the flow the key was used for
     * @param idempotencyKey the key
     * @param runId the run the key started first
     * @param earlierTimeout the timeout that run was started with; empty for none
     * @param timeout the timeout the start gives
     * @return the conflict
     * @throws NullPointerException if an argument is {@code null}
     * @since 0.2
     */
    public static IdempotencyKeyConflictException ofTimeout(String flow, String idempotencyKey, String runId,
                                                            Optional<Duration> earlierTimeout, Duration timeout) {
        return new IdempotencyKeyConflictException("NVENT-0216 idempotency key '"
                + Objects.requireNonNull(idempotencyKey, "idempotencyKey") + "' of flow '"
                + Objects.requireNonNull(flow, "flow") + "' already started run " + Objects.requireNonNull(runId, "runId")
                + " with the same input and " + earlierTimeout.map(t -> "timeout " + t).orElse("no timeout")
                + "; this start gives timeout " + Objects.requireNonNull(timeout, "timeout")
                + ", so it is another request; nothing was started; a new request needs a new key",
                flow, idempotencyKey, runId);
    }

    private static String described(Set<String> labels) {
        return labels.isEmpty() ? "no labels" : "labels " + new TreeSet<>(labels);
    }

    private IdempotencyKeyConflictException(String message, String idempotencyKey) {
        this(message, "", idempotencyKey, "");
    }

    /**
     * A conflict in an engine's own words, with its own message id: one that describes a request this type's
     * factories do not (a trigger's fire folded into a pending run, say).
     *
     * @param message what was refused, the key, and what to do
     * @param flow the flow the key was used for; empty if none
     * @param idempotencyKey the key
     * @param runId the run the key went into first; empty if none
     * @throws NullPointerException if an argument is {@code null}
     * @since 0.2
     */
    protected IdempotencyKeyConflictException(String message, String flow, String idempotencyKey, String runId) {
        super(Objects.requireNonNull(message, "message"));
        this.flow = Objects.requireNonNull(flow, "flow");
        this.idempotencyKey = Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        this.runId = Objects.requireNonNull(runId, "runId");
    }

    /** {@return the flow the key was used for; empty for an emit's or a publish's key} */
    public String flow() {
        return flow;
    }

    /** {@return the key that was reused} */
    public String idempotencyKey() {
        return idempotencyKey;
    }

    /**
     * {@return the run the key started first, which a retry with the original input gets back; empty for an
     * emit's or a publish's key}
     */
    public String runId() {
        return runId;
    }
}
