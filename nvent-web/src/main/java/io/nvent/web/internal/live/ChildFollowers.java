package io.nvent.web.internal.live;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The clients that follow each run's children ({@code {"type":"subscribe","parentRunId":…}}), by run: a status change
 * goes to the followers of its run's parent only, at a cost of those followers, not of every connected client.
 */
final class ChildFollowers {

    private final Map<String, Set<LiveClient>> byParent = new ConcurrentHashMap<>();

    void follow(String parentRunId, LiveClient client) {
        byParent.computeIfAbsent(parentRunId, p -> ConcurrentHashMap.newKeySet()).add(client);
    }

    void unfollow(String parentRunId, LiveClient client) {
        byParent.computeIfPresent(parentRunId, (p, followers) -> {
            followers.remove(client);
            return followers.isEmpty() ? null : followers;
        });
    }

    /** The clients following the children of the run (a view: may change as it is read). */
    Set<LiveClient> of(String parentRunId) {
        return byParent.getOrDefault(parentRunId, Set.of());
    }

    /** Whether any client follows any run's children: only then is a status change looked at. */
    boolean any() {
        return !byParent.isEmpty();
    }
}
