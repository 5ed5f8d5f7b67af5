package io.nvent.jpa.internal;

import io.nvent.jpa.internal.RunTables.StoredRun;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The last state this instance read or wrote of the runs under way, with their versions, so that
 * a grouped commit can change a run without reading and locking it first: the update then checks
 * that the row is still at the cached version and history number, and a group that finds it is not
 * (another instance, or a write outside the groups, changed the run or appended to its history, an
 * append leaving the version as it was) rolls back and runs its writes one by one on locked rows.
 * An entry may be behind the database at the same version: a read that began before an append
 * committed may be remembered after it. A refusal decided on a cached state is never trusted either
 * (see {@link RunBatch}).
 * The same states answer {@link io.nvent.spi.FlowStore#recentRun}, which also asks how long ago a
 * state was seen ({@link #recent}). Finished runs are not kept; at most {@code capacity} runs are,
 * the least recently used dropped first.
 */
final class RunCache {

    private final Map<String, Entry> runs;
    private final LongSupplier nanoTime;

    RunCache(int capacity) {
        this(capacity, System::nanoTime);
    }

    /** @param nanoTime a monotonic clock in nanoseconds, for the age of an entry */
    RunCache(int capacity, LongSupplier nanoTime) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.nanoTime = nanoTime;
        this.runs = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized Optional<StoredRun> get(String runId) {
        return Optional.ofNullable(runs.get(runId)).map(Entry::run);
    }

    /**
     * The run's state if it was remembered within {@code maxAge} and is at least at
     * {@code minVersion}.
     */
    synchronized Optional<StoredRun> recent(String runId, long minVersion, Duration maxAge) {
        Entry entry = runs.get(runId);
        if (entry == null || entry.run().run().version() < minVersion
                || nanoTime.getAsLong() - entry.seenAt() > maxAge.toNanos()) {
            return Optional.empty();
        }
        return Optional.of(entry.run());
    }

    /**
     * Keeps {@code run} as the latest state of its run, unless it is finished or an entry of a
     * later version is kept already: a read that started before a commit may come back after the
     * commit was remembered, and must not take the run back to where it was.
     */
    synchronized void remember(StoredRun run) {
        String runId = run.run().runId();
        if (run.run().status().isTerminal()) {
            runs.remove(runId);
            return;
        }
        Entry kept = runs.get(runId);
        if (kept == null || kept.run().run().version() <= run.run().version()) {
            runs.put(runId, new Entry(run, nanoTime.getAsLong()));
        }
    }

    synchronized void forget(String runId) {
        runs.remove(runId);
    }

    synchronized int size() {
        return runs.size();
    }

    private record Entry(StoredRun run, long seenAt) {
    }
}
