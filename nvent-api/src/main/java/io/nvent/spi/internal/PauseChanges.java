package io.nvent.spi.internal;

import io.nvent.spi.JobQueue;
import io.nvent.spi.QueueChange;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Who paused each paused queue, from the scheduling store and else the queue adapter: shared by the engine's reads
 * (health, metrics) and the web module's ({@code GET /queues}, the live stream), so that both answer alike.
 */
public final class PauseChanges {

    private PauseChanges() {
    }

    /**
     * Who paused each of the {@code paused} queues: the change the store keeps ({@code recorded}), else the one the
     * queue adapter keeps ({@link JobQueue#pauseChanges}, asked only of the queues the store keeps none of, and only
     * if there are such); a queue neither keeps one of is missing (unknown). What the adapter answers of a queue not
     * asked of it is left out: the store's record is the one that holds for every queue it keeps one of.
     *
     * @param queue the queue adapter
     * @param paused the queues paused
     * @param recorded the changes the scheduling store keeps, by queue
     * @return the changes by queue name
     */
    public static Map<String, QueueChange> whoPaused(JobQueue queue, Set<String> paused,
                                                     Map<String, QueueChange> recorded) {
        Set<String> unrecorded = new HashSet<>(paused);
        unrecorded.removeAll(recorded.keySet());
        if (unrecorded.isEmpty()) {
            return recorded;
        }
        Map<String, QueueChange> known = new HashMap<>(queue.pauseChanges(unrecorded));
        known.keySet().retainAll(unrecorded);
        known.putAll(recorded);
        return known;
    }
}
