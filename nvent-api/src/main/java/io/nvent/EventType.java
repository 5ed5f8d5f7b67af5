package io.nvent;

import java.util.Arrays;
import java.util.Optional;

/**
 * Types of the entries of a run's history, named as on the wire.
 *
 * @since 0.1
 */
public enum EventType {
    /**
     * A run was created; the entry holds its input, and the trigger or idempotency key it was started with.
     */
    FLOW_START("flow.start"),
    /** An attempt of a step began. */
    STEP_STARTED("step.started"),
    /** A step wrote to its {@link StepLogger}. */
    LOG("log"),
    /**
     * An event was emitted in the run, by a step or from outside ({@link FlowService#emit}); its data
     * holds the event's {@code name} and {@code payload}. A step's emit recorded after its run was
     * canceled (while the step ran) says {@code "scheduled": false} with a {@code reason}: it set
     * nothing going, neither in the run nor through event triggers or awaits (since 0.2).
     */
    EMIT("emit"),
    /**
     * A step's attempt returned normally; the entry holds its {@code result} and, if the attempt reported
     * progress ({@link StepContext#reportProgress}), the last it reported: {@code "progress":{"done",
     * "total","message"}} (since 0.2).
     */
    STEP_COMPLETED("step.completed"),
    /**
     * An attempt failed and the step is queued again, or it was queued again without an attempt
     * counting (a rate limit held it back, the store could not be reached, an instance whose
     * deployment lacks the step handed its job back); {@code nextAttemptAt} says when it is due. A failed
     * attempt that reported progress adds the last it reported, as {@link #STEP_COMPLETED} does (since 0.2),
     * so that its history shows how far it got.
     */
    STEP_RETRY("step.retry"),
    /**
     * A step's last attempt failed; the run fails unless an operator retries the step. An attempt that
     * reported progress adds the last it reported, as {@link #STEP_COMPLETED} does (since 0.2).
     */
    STEP_FAILED("step.failed"),
    /** A step's lease ran out: the instance executing it died or hung. */
    STEP_STALLED("step.stalled"),
    /**
     * A step's attempt ended because its run was canceled: the attempt stopped (interrupted, or it saw
     * {@link StepContext#isCancelRequested()}) or its execution was lost once the run had ended; the
     * entry's {@code reason} says which. Nothing is scheduled after it.
     *
     * @since 0.2
     */
    STEP_CANCELED("step.canceled"),
    /** The run completed; ends the run. */
    FLOW_COMPLETED("flow.completed"),
    /** The run failed; ends the run. */
    FLOW_FAILED("flow.failed"),
    /** The run was canceled, with the reason if one is known; ends the run. */
    FLOW_CANCEL("flow.cancel"),
    /** The run is {@code stalled} because one of its steps stalled. */
    FLOW_STALLED("flow.stalled"),
    /**
     * A step failed for good and the run went {@link RunStatus#COMPENSATING}: the failed step, its error, and the
     * completed steps to undo, in order, with the steps that undo them. Also written when an operator cancels with
     * compensation ({@code "cancel":true}) or the run times out ({@code "timedOut":true}), and again, with
     * {@code "since"}, when the plan changes while the run compensates: a step that completed late added
     * ({@code "added"}), or the run's deadline passed ({@code "deadlinePassed"}); and when an operator retries a
     * failed compensation that takes in steps recorded as not undone ({@code "retried"}, {@code "takenIn"}).
     *
     * @since 0.2
     */
    RUN_COMPENSATING("run.compensating"),
    /**
     * The last compensation of a {@link RunStatus#COMPENSATING} run completed: the steps undone; the run failed.
     *
     * @since 0.2
     */
    RUN_COMPENSATED("run.compensated"),
    /** A step began to wait (see {@link AwaitBefore} and {@link AwaitAfter}). */
    AWAIT_REGISTERED("await.registered"),
    /** A wait ended by time, a webhook, an event or an operator. */
    AWAIT_RESOLVED("await.resolved"),
    /** A wait timed out; its {@link TimeoutAction} was applied. */
    AWAIT_TIMEOUT("await.timeout"),
    /**
     * An operator moved a waiting await's timeout ({@link FlowService#moveAwaitTimeout}): the await, its step and
     * position, the timeout it had ({@code "from"}) and the one it has now ({@code "to"}), with the operator and their
     * reason ({@code "operator"}, {@code "operatorReason"}).
     *
     * @since 0.2
     */
    AWAIT_TIMEOUT_MOVED("await.timeout-moved"),
    /**
     * A fire of a debounced trigger ({@link Debounce}) was folded into this pending run: its payload is the run's input
     * now, and the run starts at the new due time; the entry counts the fires folded and says when it starts.
     *
     * @since 0.2
     */
    RUN_DEBOUNCED("run.debounced"),
    /**
     * A fire of a batching trigger ({@link Batch}) was appended to this pending run's batch: the entry counts the
     * payloads the batch holds, says when the run starts, and whether the batch is full (the run starts now).
     *
     * @since 0.2
     */
    RUN_BATCHED("run.batched"),
    /**
     * Reserved for a trigger's fire; this version records the trigger in the run's {@link #FLOW_START}
     * entry and the fire in the trigger's own history ({@link TriggerEvent}).
     */
    TRIGGER_FIRED("trigger.fired");

    private final String wireName;

    EventType(String wireName) {
        this.wireName = wireName;
    }

    /**
     * Name on the wire, e.g. {@code "step.completed"}.
     *
     * @return the wire name, unique among the types
     */
    public String wireName() {
        return wireName;
    }

    /**
     * The type with the given wire name.
     *
     * @param name a wire name such as {@code "emit"}
     * @return the type; empty if no type has that name
     */
    public static Optional<EventType> fromWireName(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }

    /**
     * Whether this event ends a run.
     *
     * @return {@code true} for {@link #FLOW_COMPLETED}, {@link #FLOW_FAILED} and {@link #FLOW_CANCEL}
     */
    public boolean isTerminal() {
        return this == FLOW_COMPLETED || this == FLOW_FAILED || this == FLOW_CANCEL;
    }
}
