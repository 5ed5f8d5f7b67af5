package io.nvent.spi;

import io.nvent.AwaitStatus;
import io.nvent.TriggerEvent;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Durable home of everything time- and trigger-related: awaits, triggers with their history and
 * statistics, schedule-tick claims and step leases. Every "exactly once across instances"
 * guarantee rests on the atomic operations here ({@link #closeAwait}, {@link #claimTick},
 * {@link #acquireLease}).
 *
 * @since 0.1
 */
public interface SchedulingStore {

    /** Stores a new await. */
    void saveAwait(AwaitRecord await);

    /** An await by id. */
    Optional<AwaitRecord> findAwait(String awaitId);

    /** An await by webhook token. */
    Optional<AwaitRecord> findAwaitByToken(String token);

    /**
     * Closes a waiting await atomically.
     *
     * @return the closed await, or empty if it was not waiting any more (someone else closed it)
     */
    Optional<AwaitRecord> closeAwait(String awaitId, AwaitStatus status, Optional<String> data, Instant at);

    /** Waiting awaits whose resolve time or timeout is at or before {@code now}, oldest first. */
    List<AwaitRecord> dueAwaits(Instant now, int limit);

    /** Waiting awaits for the named event. */
    List<AwaitRecord> waitingForEvent(String event);

    /** Every await of a run. */
    List<AwaitRecord> awaitsOfRun(String runId);

    /** Awaits, newest first. */
    List<AwaitRecord> listAwaits(boolean waitingOnly, int limit);

    /** Creates or replaces a trigger (statistics as given). */
    void saveTrigger(TriggerRecord trigger);

    /** A trigger by name. */
    Optional<TriggerRecord> findTrigger(String name);

    /** Every trigger. */
    List<TriggerRecord> listTriggers();

    /** Deletes a trigger and its history. */
    boolean deleteTrigger(String name);

    /** Atomically adds one fire to a trigger's statistics. */
    void recordFire(String name, Instant at, int runsStarted, Optional<String> error);

    /** Appends to a trigger's history. */
    TriggerEvent appendTriggerEvent(String name, String type, Instant at, String data);

    /** The newest entries of a trigger's history, newest first. */
    List<TriggerEvent> triggerHistory(String name, int limit);

    /**
     * Claims one tick of a schedule trigger.
     *
     * @return {@code true} for exactly one caller per (trigger, scheduled time), across instances
     */
    boolean claimTick(String trigger, Instant scheduledAt);

    /**
     * Takes or renews the lease of a step for an owner.
     *
     * @return {@code false} if another owner holds an unexpired lease
     */
    boolean acquireLease(String runId, String step, String owner, Instant until, Instant now);

    /** Extends every lease of an owner. */
    void renewLeases(String owner, Instant until);

    /** Gives a lease up. */
    void releaseLease(String runId, String step, String owner);

    /** Leases that ran out, oldest first. */
    List<StepLease> expiredLeases(Instant now, int limit);
}
