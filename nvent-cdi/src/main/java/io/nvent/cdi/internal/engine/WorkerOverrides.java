package io.nvent.cdi.internal.engine;

import io.nvent.spi.JobQueue;
import io.nvent.spi.SchedulingStore;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.ToIntFunction;

/**
 * The workers per instance an operator sets for a queue at run time, in place of its configured
 * concurrency: kept in the scheduling store, as {@link QueuePauses} keeps pauses, so that every
 * instance follows them (with the pauses, every few seconds) and a restart does not undo them. Applied
 * only on an instance that takes the queue (configured concurrency above 0): which instances take a
 * queue is the deployment's choice, how many workers each runs the operator's. Removing the record
 * takes each instance back to its own configured concurrency.
 */
public final class WorkerOverrides {

    /** The most workers per instance an operator may set for a queue. */
    public static final int MAX_WORKERS = io.nvent.cdi.QueueControls.MAX_WORKERS;

    private static final System.Logger LOG = System.getLogger(WorkerOverrides.class.getName());

    private final JobQueue queue;
    private final SchedulingStore scheduling;
    /** The concurrency configured here; 0 for a queue this instance leaves to others. */
    private final ToIntFunction<String> configured;
    /** The workers applied here that differ from the configured ones; guarded by {@code this}. */
    private final Map<String, Integer> applied = new HashMap<>();
    /** Told after the workers of a queue here changed (the instance record shows them). */
    private final Runnable changed;
    /** When an operator set a queue's workers ({@link io.nvent.spi.QueueChange}). */
    private final java.time.Clock clock;
    /** Whether this instance warned that its queue adapter cannot follow a recorded override. */
    private boolean warned;

    WorkerOverrides(JobQueue queue, SchedulingStore scheduling, ToIntFunction<String> configured, Runnable changed,
                    java.time.Clock clock) {
        this.clock = clock;
        this.queue = queue;
        this.scheduling = scheduling;
        this.configured = configured;
        this.changed = changed;
    }

    /**
     * The records as the workers start, so that they start with them; empty (the sweep applies them) if the
     * adapter cannot resize workers or the store is away.
     */
    Map<String, Integer> recordedAtStart() {
        if (!queue.resizesWorkers()) {
            return Map.of();
        }
        try {
            return scheduling.queueWorkers();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0048 could not read the workers of queues set at run time"
                    + " when the workers start; they run their configured concurrency until the sweep reads them: "
                    + e);
            return Map.of();
        }
    }

    /**
     * The workers to start a queue with: its record where it applies, else its configured ones. A record of 0
     * on a queue this instance takes starts it without workers ({@link JobQueue#registerIdleWorker}).
     */
    synchronized int atStart(String name, int own, Map<String, Integer> recorded) {
        Integer set = recorded.get(name);
        if (own == 0 || set == null || set == own) {
            return own;
        }
        applied.put(name, set);
        logApplied(name, set, own);
        return set;
    }

    /**
     * Records a queue's workers per instance for every instance and applies it here at once.
     *
     * @throws IllegalArgumentException if {@code workers} is below 0 or above {@link #MAX_WORKERS}
     * @throws UnsupportedOperationException (NVENT-0048) if the queue adapter cannot change workers
     *     while they run, or the store cannot keep the record; nothing changed then
     */
    public synchronized void set(String name, int workers) {
        Objects.requireNonNull(name, "name");
        if (workers < 0 || workers > MAX_WORKERS) {
            throw new IllegalArgumentException("the workers of queue '" + name + "' must be 0 to " + MAX_WORKERS
                    + ", were " + workers);
        }
        requireResizable(name);
        try {
            scheduling.setQueueWorkers(name, OptionalInt.of(workers), QueuePauses.changeNow(clock));
        } catch (UnsupportedOperationException e) {
            throw new UnsupportedOperationException("NVENT-0048 the workers of queue '" + name + "' cannot be set"
                    + " at run time: " + e.getMessage(), e);
        }
        apply(name, workers);
    }

    /** Removes a queue's recorded workers: every instance goes back to its configured concurrency. */
    public synchronized void remove(String name) {
        Objects.requireNonNull(name, "name");
        requireResizable(name);
        scheduling.setQueueWorkers(name, OptionalInt.empty(), QueuePauses.changeNow(clock));
        apply(name, configured.applyAsInt(name));
    }

    /** The workers per instance recorded for a queue, if an operator set them. */
    public OptionalInt override(String name) {
        Integer workers = overrides().get(name);
        return workers == null ? OptionalInt.empty() : OptionalInt.of(workers);
    }

    /** The workers per instance recorded for every queue an operator set them for: one read of the store. */
    public Map<String, Integer> overrides() {
        return scheduling.queueWorkers();
    }

    /** Who set the workers recorded for each queue, when and why; a queue with workers missing here: unknown. */
    public Map<String, io.nvent.spi.QueueChange> changes() {
        return scheduling.queueWorkersChanges();
    }

    /** The workers this instance runs for a queue now: the override where it applies, else the configured ones. */
    public synchronized int effective(String name) {
        return applied.getOrDefault(name, configured.applyAsInt(name));
    }

    /** Whether the queue adapter can change workers while they run. */
    public boolean supported() {
        return queue.resizesWorkers();
    }

    /**
     * Applies the records as they are now, on the queues this instance takes: a record set or changed
     * since the last call, or one removed (back to the configured concurrency).
     */
    public synchronized void follow() {
        Map<String, Integer> recorded = scheduling.queueWorkers();
        if (!queue.resizesWorkers()) {
            if (!recorded.isEmpty() && !warned) {
                warned = true;
                LOG.log(System.Logger.Level.WARNING, "NVENT-0048 the workers set at run time for queues {0} are not"
                        + " applied on this instance: its queue adapter {1} cannot change workers while they run;"
                        + " it runs their configured nvent.queue.<name>.concurrency", recorded.keySet(),
                        queue.getClass().getName());
            }
            return;
        }
        for (Map.Entry<String, Integer> record : recorded.entrySet()) {
            if (effective(record.getKey()) != record.getValue()) {
                apply(record.getKey(), record.getValue());
            }
        }
        for (String name : Map.copyOf(applied).keySet()) {
            if (!recorded.containsKey(name)) {
                apply(name, configured.applyAsInt(name));
            }
        }
    }

    private void requireResizable(String name) {
        if (!queue.resizesWorkers()) {
            throw new UnsupportedOperationException("NVENT-0048 the workers of queue '" + name + "' cannot be set at"
                    + " run time: the queue adapter " + queue.getClass().getName() + " cannot change workers while"
                    + " they run; change nvent.queue." + name + ".concurrency and restart instead");
        }
    }

    /** Applies workers to a queue this instance takes; one it leaves to others stays without workers. */
    private void apply(String name, int workers) {
        int own = configured.applyAsInt(name);
        if (own == 0) {
            return;
        }
        if (effective(name) == workers) {
            return;
        }
        queue.resizeWorkers(name, workers);
        if (workers == own) {
            applied.remove(name);
        } else {
            applied.put(name, workers);
        }
        logApplied(name, workers, own);
        changed.run();
    }

    private static void logApplied(String name, int workers, int own) {
        if (workers == own) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0047 queue {0} runs its configured {1} worker(s) on this"
                    + " instance again", name, own);
        } else {
            LOG.log(System.Logger.Level.INFO, "NVENT-0047 queue {0} runs {1} worker(s) on this instance, set at run"
                    + " time in place of its configured {2}", name, workers, own);
        }
    }
}
