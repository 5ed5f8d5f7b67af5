package io.nvent.jms.internal;

import io.nvent.jms.internal.JobEntry.Phase;
import io.nvent.spi.JobCounts;
import java.time.Instant;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.LongAdder;

/**
 * Running counts of one queue's jobs per state, so {@code counts()} costs the same for ten jobs or a
 * million and can be polled while thousands of attempts per second update it.
 *
 * <p>Waiting and delayed jobs are both pending; they differ only by time. Pending jobs due in the
 * future are listed by due time and moved to waiting once their time has passed, when counts are
 * read. Completed is a total: it keeps counting jobs whose records the registry has dropped.
 *
 * <p>Callers hold the entry's monitor for {@link #recount} and {@link #forget}; {@link #counts}
 * takes no lock. Counts read during a change may be off by that one change.
 */
final class StateTally {

    /** A delayed entry's place in the due-time order. */
    record Due(long dueMicros, long seq) implements Comparable<Due> {
        @Override
        public int compareTo(Due other) {
            int byTime = Long.compare(dueMicros, other.dueMicros);
            return byTime != 0 ? byTime : Long.compare(seq, other.seq);
        }
    }

    private final Map<Phase, LongAdder> byPhase = Map.of(Phase.PENDING, new LongAdder(), Phase.ACTIVE,
            new LongAdder(), Phase.COMPLETED, new LongAdder(), Phase.FAILED, new LongAdder());
    private final ConcurrentSkipListSet<Due> delayed = new ConcurrentSkipListSet<>();
    private final LongAdder delayedCount = new LongAdder();
    /**
     * Every pending entry by the time it is (or was) due, waiting or delayed, so that the first
     * one, once due, is the job that has waited longest, whatever its priority.
     */
    private final ConcurrentSkipListSet<Due> pending = new ConcurrentSkipListSet<>();

    /**
     * Brings the counts up to date with what the entry is now. An attempt counts as active while it
     * executes, not until the commit of its worker's group: a worker that ran ten short jobs in one
     * open transaction runs one, and counting the nine that ended made {@code active} exceed the
     * queue's concurrency. An ended attempt counts as its outcome (completed, delayed for its retry,
     * failed) from its end, a few milliseconds before the commit that sends its follow-up.
     */
    void recount(JobEntry entry, Instant now) {
        Phase phase = entry.phase;
        Optional<Due> due = phase == Phase.PENDING && entry.availableAt.isAfter(now)
                ? Optional.of(new Due(JobMessage.micros(entry.availableAt), entry.seq)) : Optional.empty();
        // Entering: count pending before listing as delayed; leaving: unlist first. Then a reader
        // sees at most one job too many waiting, never a negative number.
        if (!entry.counted.equals(Optional.of(phase))) {
            byPhase.get(phase).increment();
        }
        if (!entry.listedDue.equals(due)) {
            unlist(entry);
            due.ifPresent(d -> {
                delayed.add(d);
                delayedCount.increment();
            });
            entry.listedDue = due;
        }
        if (!entry.counted.equals(Optional.of(phase))) {
            entry.counted.ifPresent(old -> byPhase.get(old).decrement());
            entry.counted = Optional.of(phase);
        }
        Optional<Due> pendingAt = phase == Phase.PENDING
                ? Optional.of(new Due(JobMessage.micros(entry.availableAt), entry.seq)) : Optional.empty();
        if (!entry.listedPending.equals(pendingAt)) {
            entry.listedPending.ifPresent(pending::remove);
            pendingAt.ifPresent(pending::add);
            entry.listedPending = pendingAt;
        }
    }

    /** Stops counting an entry the registry removed. */
    void forget(JobEntry entry) {
        unlist(entry);
        entry.listedDue = Optional.empty();
        entry.listedPending.ifPresent(pending::remove);
        entry.listedPending = Optional.empty();
        entry.counted.ifPresent(old -> byPhase.get(old).decrement());
        entry.counted = Optional.empty();
    }

    /** The counts at {@code now}. */
    JobCounts counts(Instant now) {
        long nowMicros = JobMessage.micros(now);
        for (Due first = firstOrNull(); first != null && first.dueMicros() <= nowMicros; first = firstOrNull()) {
            // Whoever removes a listing (this or a recount) takes it off the delayed count.
            if (delayed.remove(first)) {
                delayedCount.decrement();
            }
        }
        long delayedNow = Math.max(0, delayedCount.sum());
        long pending = byPhase.get(Phase.PENDING).sum();
        return new JobCounts(Math.max(0, pending - delayedNow), delayedNow, byPhase.get(Phase.ACTIVE).sum(),
                byPhase.get(Phase.COMPLETED).sum(), byPhase.get(Phase.FAILED).sum());
    }

    /**
     * When the pending job due first became due, if that was by {@code now}: the oldest waiting
     * job; empty when none is waiting.
     */
    Optional<Instant> oldestWaitingSince(Instant now) {
        Due first;
        try {
            first = pending.first();
        } catch (NoSuchElementException empty) {
            return Optional.empty();
        }
        return first.dueMicros() <= JobMessage.micros(now)
                ? Optional.of(JobMessage.instant(first.dueMicros())) : Optional.empty();
    }

    private void unlist(JobEntry entry) {
        entry.listedDue.ifPresent(d -> {
            if (delayed.remove(d)) {
                delayedCount.decrement();
            }
        });
    }

    private Due firstOrNull() {
        return delayed.isEmpty() ? null : delayed.ceiling(new Due(Long.MIN_VALUE, Long.MIN_VALUE));
    }
}
