package io.nvent.cdi.internal.engine;

import java.util.List;

/** The triggers that start flows when a named event is published. */
interface EventTriggers {

    /** No event triggers at all. */
    EventTriggers NONE = new EventTriggers() {
        @Override
        public boolean listensTo(String event) {
            return false;
        }

        @Override
        public List<String> fireOnEvent(String event, String payloadJson) {
            return List.of();
        }
    };

    /** Whether some enabled trigger fires on this event (cheap, answered from memory). */
    boolean listensTo(String event);

    /** Fires every enabled trigger of this event; returns the runs started. */
    List<String> fireOnEvent(String event, String payloadJson);
}
