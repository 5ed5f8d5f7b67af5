package io.nvent;

import java.util.Arrays;
import java.util.Optional;

/**
 * Types of the entries of a run's history, named as on the wire.
 *
 * @since 0.1
 */
public enum EventType {
    FLOW_START("flow.start"),
    STEP_STARTED("step.started"),
    LOG("log"),
    EMIT("emit"),
    STEP_COMPLETED("step.completed"),
    STEP_RETRY("step.retry"),
    STEP_FAILED("step.failed"),
    STEP_STALLED("step.stalled"),
    FLOW_COMPLETED("flow.completed"),
    FLOW_FAILED("flow.failed"),
    FLOW_CANCEL("flow.cancel"),
    FLOW_STALLED("flow.stalled"),
    AWAIT_REGISTERED("await.registered"),
    AWAIT_RESOLVED("await.resolved"),
    AWAIT_TIMEOUT("await.timeout"),
    TRIGGER_FIRED("trigger.fired");

    private final String wireName;

    EventType(String wireName) {
        this.wireName = wireName;
    }

    /** Name on the wire, e.g. {@code "step.completed"}. */
    public String wireName() {
        return wireName;
    }

    /** The type with the given wire name. */
    public static Optional<EventType> fromWireName(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }

    /** Whether this event ends a run. */
    public boolean isTerminal() {
        return this == FLOW_COMPLETED || this == FLOW_FAILED || this == FLOW_CANCEL;
    }
}
