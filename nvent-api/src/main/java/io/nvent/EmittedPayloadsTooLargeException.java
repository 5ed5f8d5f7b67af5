package io.nvent;

import java.util.Objects;

/**
 * An emission would take the payloads a run keeps of its emitted events beyond their limit
 * ({@code nvent.payload.max-run-emitted-bytes}). A run keeps the first payload of every event name
 * it emits (its subscribers' input) in its own record, which is read and written with every change
 * of the run: without a limit, a run emitting many large events under distinct names makes each of
 * its changes slower. Nothing was recorded. A step's emit that throws it fails the attempt, unless
 * the step catches it; a step's completion that finds its emits no longer fit the run (a step
 * running beside it completed first) fails the attempt with it. The REST API answers 413.
 *
 * @since 0.2
 */
public class EmittedPayloadsTooLargeException extends NventException {

    private static final long serialVersionUID = 1L;

    /** Part of the serialized form; see {@link #runId()}. */
    private final String runId;
    /** Part of the serialized form; see {@link #event()}. */
    private final String event;
    /** Part of the serialized form; see {@link #keptBytes()}. */
    private final long keptBytes;
    /** Part of the serialized form; see {@link #payloadBytes()}. */
    private final long payloadBytes;
    /** Part of the serialized form; see {@link #limitBytes()}. */
    private final long limitBytes;

    /**
     * A refused emission.
     *
     * @param message what was refused, starting with its message id, naming the run, the event, the
     *     sizes and the setting
     * @param runId the run
     * @param event the event that was refused
     * @param keptBytes UTF-8 bytes of the payloads the run keeps already
     * @param payloadBytes UTF-8 bytes of the refused payload
     * @param limitBytes the limit
     * @throws NullPointerException if a text is {@code null}
     */
    public EmittedPayloadsTooLargeException(String message, String runId, String event, long keptBytes,
                                            long payloadBytes, long limitBytes) {
        super(Objects.requireNonNull(message, "message"));
        this.runId = Objects.requireNonNull(runId, "runId");
        this.event = Objects.requireNonNull(event, "event");
        this.keptBytes = keptBytes;
        this.payloadBytes = payloadBytes;
        this.limitBytes = limitBytes;
    }

    /** {@return the run the event was emitted into} */
    public String runId() {
        return runId;
    }

    /** {@return the event that was refused} */
    public String event() {
        return event;
    }

    /** {@return UTF-8 bytes of the payloads the run keeps of the events it emitted before} */
    public long keptBytes() {
        return keptBytes;
    }

    /** {@return UTF-8 bytes of the refused payload} */
    public long payloadBytes() {
        return payloadBytes;
    }

    /** {@return the most bytes a run keeps of its emitted events' payloads} */
    public long limitBytes() {
        return limitBytes;
    }
}
