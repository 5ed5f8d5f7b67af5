package io.nvent;

import java.util.Optional;
import java.util.Set;

/**
 * An event emitted into a run from outside ({@link FlowService#emit}) that nothing of the run's
 * flow listens to: no step subscribes to it and no await of the run waits for it. Recording it
 * would change nothing but the history, so a misspelt name is refused; nothing was recorded.
 *
 * @since 0.2
 */
public class UnexpectedEventException extends NventException {

    private static final long serialVersionUID = 1L;
    /** Part of the serialized form; see {@link #event()}. */
    private final String event;

    /**
     * A refused event, with a message (NVENT-0234) that names the run, its flow, the event and the
     * events the flow listens to.
     *
     * @param runId the run
     * @param flow the run's flow
     * @param event the event emitted
     * @param listened the events the flow's steps subscribe to and its awaits wait for
     */
    public UnexpectedEventException(String runId, String flow, String event, Set<String> listened) {
        this(runId, flow, event, listened, Optional.empty());
    }

    /**
     * A refused event, with a message (NVENT-0234) that names the run, its flow, the event, the events
     * the flow listens to and, when one of them is a typo away from the event, asks whether it was meant.
     *
     * @param runId the run
     * @param flow the run's flow
     * @param event the event emitted
     * @param listened the events the flow's steps subscribe to and its awaits wait for
     * @param meant the listened event closest to {@code event}, if one is that close
     * @since 0.2
     */
    public UnexpectedEventException(String runId, String flow, String event, Set<String> listened,
                                    Optional<String> meant) {
        super("NVENT-0234 flow '" + flow + "' of run '" + runId + "' does not listen to event '" + event
                + "': no step subscribes to it and no await waits for it; it listens to " + listened
                + meant.map(name -> "; did you mean '" + name + "'?").orElse("")
                + " (fix the name; to start flows by their event triggers or resume other runs' awaits, publish "
                + "the event to every flow: POST /api/nvent/events/{event}, FlowService.publishEvent)");
        this.event = event;
    }

    /** {@return the event nothing listens to} */
    public String event() {
        return event;
    }
}
