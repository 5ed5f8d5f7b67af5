package io.nvent.cdi.internal.engine;

import io.nvent.EventDelivery;
import io.nvent.StepDefinition;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.spi.StoredChange;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * What follows a stored change of a run: the change published, the steps it made ready handed to the queue,
 * the awaits it began saved, and the events it emitted delivered to the runs awaiting them and to event
 * triggers ({@link Pending} holds what the change decided).
 */
final class ChangeFollowUp {

    private final FlowRegistry registry;
    private final Clock clock;
    private final FinalFailureLog finalFailures;
    private final AwaitResolution awaitResolution;
    private final RunPublisher publisher;
    private final StepQueueing queueing;
    private volatile EventTriggers eventTriggers = EventTriggers.NONE;

    ChangeFollowUp(FlowRegistry registry, Clock clock, FinalFailureLog finalFailures, AwaitResolution awaitResolution,
                   RunPublisher publisher, StepQueueing queueing) {
        this.registry = registry;
        this.clock = clock;
        this.finalFailures = finalFailures;
        this.awaitResolution = awaitResolution;
        this.publisher = publisher;
        this.queueing = queueing;
    }

    /** Connects the triggers that fire on named events. */
    void useEventTriggers(EventTriggers triggers) {
        this.eventTriggers = triggers;
    }

    /** Hands a named event to event triggers and to runs awaiting it. */
    EventDelivery deliverEvent(String event, String payloadJson) {
        return deliverEvent(event, payloadJson, Optional.empty());
    }

    /**
     * Hands a named event to event triggers and to runs awaiting it.
     *
     * @param publishKey the key of the publish delivering it ({@link EventTriggers#fireOnEvent(String, String, Optional)})
     */
    EventDelivery deliverEvent(String event, String payloadJson, Optional<String> publishKey) {
        List<String> started;
        try {
            started = eventTriggers.fireOnEvent(event, payloadJson, publishKey);
        } catch (RuntimeException startFailed) {
            // A keyed publish whose trigger failed to start a run fails for its retry, but the awaits get the event
            // all the same (a retry resolves none twice): a trigger that never starts must not keep them waiting.
            try {
                awaitResolution.resolveAwaitsOf(event, payloadJson);
            } catch (RuntimeException alsoFailed) {
                startFailed.addSuppressed(alsoFailed);
            }
            throw startFailed;
        }
        return new EventDelivery(started, awaitResolution.resolveAwaitsOf(event, payloadJson));
    }

    void afterChange(String flow, StoredChange change, Pending pending) {
        publisher.publish(change);
        if (pending.failedStep != null) {
            // Logged as a step that used up its attempts is: operators watch the log more than histories.
            finalFailures.failedAtAwait(change.run().runId(), flow, pending.failedStep, pending.failedPosition,
                    pending.failure, clock.instant());
        }
        if (pending.awaitsSaved) {
            awaitResolution.savedWithChange(pending.awaits);
        } else {
            awaitResolution.saveAwaits(pending.awaits);
        }
        queueing.handOver(change.run().runId(), flow, pending.ready, change.run().version());
        if (!pending.released.isEmpty()) {
            queueing.interception().deliverEmitted(pending.producer, () -> deliverReleased(pending.released));
        }
    }

    private void deliverReleased(List<Emission> released) {
        for (Emission emission : released) {
            if (mayBeAwaitedOrTriggering(emission.event())) {
                deliverEvent(emission.event(), emission.payloadJson());
            }
        }
    }

    /** Whether one of {@code emissions} may start or resume a run: the attempt that emitted them is then linked to. */
    boolean mayStartOrResumeRuns(List<Emission> emissions) {
        for (Emission emission : emissions) {
            if (mayBeAwaitedOrTriggering(emission.event())) {
                return true;
            }
        }
        return false;
    }

    /** Cheap check on the hot path: only events something could listen to are delivered. */
    private boolean mayBeAwaitedOrTriggering(String event) {
        return registry.awaitedEvents().contains(event) || eventTriggers.listensTo(event);
    }
}
