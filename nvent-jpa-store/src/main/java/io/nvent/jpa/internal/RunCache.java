package io.nvent.jpa.internal;

import io.nvent.jpa.internal.RunTables.StoredRun;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The last state this instance read or wrote of the runs under way, with their versions, so that
 * a grouped commit can change a run without reading and locking it first: the update then checks
 * that the row is still at the cached version, and a group that finds it is not (another instance,
 * or a write outside the groups, changed the run) rolls back and runs its writes one by one on
 * locked rows. A refusal decided on a cached state is never trusted either (see {@link RunBatch}).
 * Finished runs are not kept; at most {@code capacity} runs are, the least recently used dropped first.
 */
final class RunCache {

    private final Map<String, StoredRun> runs;

    RunCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.runs = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, StoredRun> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized Optional<StoredRun> get(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    /** Keeps {@code run} as the latest state of its run, unless it is finished. */
    synchronized void remember(StoredRun run) {
        if (run.run().status().isTerminal()) {
            runs.remove(run.run().runId());
        } else {
            runs.put(run.run().runId(), run);
        }
    }

    synchronized void forget(String runId) {
        runs.remove(runId);
    }

    synchronized int size() {
        return runs.size();
    }
}
