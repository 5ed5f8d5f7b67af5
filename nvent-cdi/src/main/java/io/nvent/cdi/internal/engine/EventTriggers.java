package io.nvent.cdi.internal.engine;

import java.util.List;
import java.util.Optional;

/** The triggers that start flows when a named event is published. */
interface EventTriggers {

    /** No event triggers at all. */
    EventTriggers NONE = new EventTriggers() {
        @Override
        public boolean listensTo(String event) {
            return false;
        }

        @Override
        public List<String> fireOnEvent(String event, String payloadJson, Optional<String> publishKey) {
            return List.of();
        }
    };

    /** Whether some enabled trigger fires on this event (cheap, answered from memory). */
    boolean listensTo(String event);

    /** Fires every enabled trigger of this event; returns the runs started. */
    default List<String> fireOnEvent(String event, String payloadJson) {
        return fireOnEvent(event, payloadJson, Optional.empty());
    }

    /**
     * Fires every enabled trigger of this event; returns the runs started.
     *
     * @param publishKey the idempotency key of the publish delivering the event: each trigger starts each of its flows
     *     once with it (a retry gets the run started before), and a start that failed other than for the sender's
     *     mistake fails the call, once every trigger has fired, so that the publish's retry starts what is missing
     */
    List<String> fireOnEvent(String event, String payloadJson, Optional<String> publishKey);

    /**
     * A publish's idempotency key as the runs its event starts are started with: per event, payload and trigger. The
     * payload is part of it because the publish's key expires while the runs it started are stored: the key reused
     * later with another payload starts new runs (README, "Other requests and the key").
     *
     * @param payloadDigest the SHA-256 of the payload's canonical JSON (members in any order, as the key compares)
     */
    record PublishKey(String event, String key, String payloadDigest) {

        static PublishKey of(String event, String key, String payloadJson) {
            return new PublishKey(event, key, RequestKeys.digest(JsonMatch.canonical(payloadJson)));
        }
    }
}
