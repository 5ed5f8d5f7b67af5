package io.nvent.cdi.internal.engine;

import io.nvent.Operator;
import io.nvent.spi.JobQueue;
import io.nvent.spi.QueueChange;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.internal.PauseChanges;
import java.time.Clock;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Queue pauses an operator asks for, kept in the scheduling store so that every instance follows
 * them and a restart does not undo them: a JMS broker and the in-memory queue keep no pause of their
 * own beyond one instance's life. Each instance applies what changed in the store since it last
 * looked (a pause recorded, or one removed), not the store's whole state: a queue adapter that keeps
 * pauses itself (PostgreSQL) and a pause made there directly are left as they are.
 */
public final class QueuePauses {

    private static final System.Logger LOG = System.getLogger(QueuePauses.class.getName());

    private final JobQueue queue;
    private final SchedulingStore scheduling;
    private final Clock clock;
    /**
     * The pauses recorded when this instance last looked, with its own pauses and resumes since;
     * guarded by {@code this}.
     */
    private final Set<String> seen = new HashSet<>();

    QueuePauses(JobQueue queue, SchedulingStore scheduling, Clock clock) {
        this.queue = queue;
        this.scheduling = scheduling;
        this.clock = clock;
    }

    /**
     * A change made now, by the operator the current call acts for ({@link OperatorScope}, through
     * {@link io.nvent.cdi.QueueControls#actingAs}) and for their reason; by nobody for a call made in code.
     */
    static QueueChange changeNow(Clock clock) {
        Optional<Operator> operator = OperatorScope.current();
        return new QueueChange(operator.map(Operator::name), clock.instant(), operator.flatMap(Operator::reason));
    }

    /**
     * A queue's change in words for an operator, after what it did ({@code "paused"}): {@code "paused by alice at
     * 2026-12-07T14:02:00Z: supplier outage"}, without {@code by} when made in code, {@code "paused by unknown"}
     * when the store keeps no change of it; the reason shortened to 200 characters.
     */
    static String describe(String done, Optional<QueueChange> change) {
        return change.map(known -> done + known.by().map(name -> " by " + name).orElse("") + " at " + known.at()
                + known.reason().map(why -> ": " + io.nvent.spi.internal.LogText.of(why, 200)).orElse(""))
                .orElse(done + " by unknown");
    }

    /**
     * Who paused each queue recorded paused, when and why; a paused queue missing here: unknown to the store (ask the
     * queue adapter, {@link JobQueue#pauseChanges}). A read: it applies nothing. A pause recorded or removed by another
     * instance a moment ago holds here from this instance's next look ({@link #follow}, the sweep's, within a second).
     */
    public Map<String, QueueChange> changes() {
        return scheduling.queuePauseChanges();
    }

    /**
     * Which of {@code queues} are paused on this instance, read at once ({@link JobQueue#pausedQueues}) for a report on
     * every queue (a metrics scrape). A read: the pauses recorded or removed since this instance last looked hold from
     * the sweep's next look, within a second, not from a scrape's.
     */
    public Set<String> pausedHere(Set<String> queues) {
        return queue.pausedQueues(queues);
    }

    /**
     * Which of {@code queues} are paused on this instance and who paused them, read at once: the queue adapter once
     * ({@link JobQueue#pausedQueues}, one round trip on PostgreSQL whatever the number of queues) and, only if one
     * is paused, the store once, and the adapter once more only for those the store keeps no change of (a pause made
     * on the adapter directly: in code, or in SQL on PostgreSQL). A report on every queue asks this, not one question
     * per queue. Reads only.
     */
    static Pauses pausesOf(JobQueue queue, SchedulingStore scheduling, Set<String> queues) {
        Set<String> paused = queue.pausedQueues(queues);
        return new Pauses(paused, paused.isEmpty() ? Map.of() : PauseChanges.whoPaused(queue, paused,
                scheduling.queuePauseChanges()));
    }

    /**
     * The queues paused on this instance among those asked ({@link #pausesOf}) and who paused each.
     *
     * @param paused the paused queues
     * @param changes who paused them, when and why; a paused queue missing here: unknown
     */
    record Pauses(Set<String> paused, Map<String, QueueChange> changes) {

        /** Whether the queue is paused. */
        boolean isPaused(String name) {
            return paused.contains(name);
        }

        /** The queue's pause in words ({@link QueuePauses#describe}), for a paused queue. */
        String describe(String name) {
            return QueuePauses.describe("paused", Optional.ofNullable(changes.get(name)));
        }
    }

    /**
     * Pauses a queue on this instance and records it for the others and for restarts. Under the
     * monitor of {@link #follow}: a pause and resume landing between its read of the store and its
     * changes would otherwise be taken for another instance's pause and pause the queue again.
     */
    public synchronized void pause(String name) {
        Objects.requireNonNull(name, "name");
        // Recorded first: a store that is away fails the request before anything changed.
        QueueChange change = changeNow(clock);
        scheduling.setQueuePaused(name, true, change);
        queue.pause(name, change);
        // Counted as seen: a resume on another instance before the next look must resume it here.
        seen.add(name);
    }

    /** Resumes a queue on this instance and removes its recorded pause; see {@link #pause}. */
    public synchronized void resume(String name) {
        Objects.requireNonNull(name, "name");
        scheduling.setQueuePaused(name, false, changeNow(clock));
        queue.resume(name);
        seen.remove(name);
    }

    /**
     * Applies the pauses recorded or removed since the last call; the first call (at start, before
     * any worker runs) applies every recorded pause and resumes nothing.
     */
    public synchronized void follow() {
        Set<String> recorded = scheduling.pausedQueues();
        Map<String, QueueChange> changes = null;
        for (String name : recorded) {
            if (!seen.contains(name) && !queue.isPaused(name)) {
                // The recorded operator's change, read only when a pause is to be applied, so that the adapter tells
                // of it as the store does; without one (a store that keeps none), a pause by code here.
                changes = changes != null ? changes : scheduling.queuePauseChanges();
                QueueChange change = changes.get(name);
                if (change != null) {
                    queue.pause(name, change);
                } else {
                    queue.pause(name);
                }
                LOG.log(System.Logger.Level.INFO, "NVENT-0512 queue {0} paused: its pause is recorded in the store", name);
            }
        }
        for (String name : seen) {
            if (!recorded.contains(name) && queue.isPaused(name)) {
                queue.resume(name);
                LOG.log(System.Logger.Level.INFO, "NVENT-0513 queue {0} resumed: its recorded pause was removed", name);
            }
        }
        seen.clear();
        seen.addAll(recorded);
    }
}
