package io.nvent;

import java.util.List;

/**
 * What publishing a named event did.
 *
 * @param startedRuns runs started by event triggers
 * @param resolvedAwaits awaits of waiting runs it resolved
 * @since 0.1
 */
public record EventDelivery(List<String> startedRuns, int resolvedAwaits) {

    public EventDelivery {
        startedRuns = List.copyOf(startedRuns);
    }
}
