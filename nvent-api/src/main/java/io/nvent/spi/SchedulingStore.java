package io.nvent.spi;

import io.nvent.AwaitStatus;
import io.nvent.HistoryEvent;
import io.nvent.RunPosition;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.spi.internal.AwaitlessSteps;
import io.nvent.spi.internal.PageLimits;
import io.nvent.spi.internal.TriggerHistoryPages;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Durable home of everything time- and trigger-related: awaits, triggers with their history and
 * statistics, schedule-tick claims, step leases and received signed webhook requests. Every
 * "exactly once across instances" guarantee rests on the atomic operations here ({@link #closeAwait},
 * {@link #claimTick}, {@link #tryClaimTick}, {@link #acquireLease}, {@link #recordWebhookRequest}).
 *
 * @since 0.1
 */
public interface SchedulingStore {

    /**
     * Stores a new await.
     *
     * <p>A store that holds concurrency keys ({@link #settleConcurrencyKey}, since 0.2) refuses an await whose id
     * it holds already, throwing and keeping the one it holds, as a database's insert does: instances ending the
     * delay of one start with a concurrency key at once each save its await for the key, under one id, and the
     * second must not undo what happened to the first since.
     *
     * @param await the await, usually {@link io.nvent.AwaitStatus#WAITING WAITING}; its id and token are new
     */
    void saveAwait(AwaitRecord await);

    /**
     * Whether the changes of runs that {@code runs} stores save the awaits they carry ({@link RunChange#awaits}) into
     * this store in the change's own transaction: {@link FlowStore#updateRun}, and {@link #startStep},
     * {@link #finishStep} and {@link #finishStepHolding} with {@code runs}. The engine then hands a step's new await
     * to the change that makes the run {@code awaiting}, so that no reader sees the run awaiting without its await
     * and no instance stopping between two writes leaves it so. Each await is saved as {@link #saveAwait} saves it;
     * one refused for its own sake (its held events past the payload limit, an id held already) refuses the whole
     * change with {@link AwaitNotSavedException}, leaving the run as it was; a failure of the store itself fails the
     * change as any failure does. A store may prepare for such changes here (the memory store ties {@code runs} to
     * itself); the engine asks once, at its first change of a run that may begin one.
     *
     * <p>The default, for a store written before 0.2: {@code false}, and the engine saves each await with
     * {@link #saveAwait} just after the change of its run, in a write of its own, as it did before: a reader may see
     * the run awaiting before the await is listed, and an instance stopping between the two writes leaves the run to
     * the maintenance sweep, which fails its step a lease later.
     *
     * @param runs the store of the runs
     * @return {@code true} where this store and {@code runs} save a run's change and its awaits in one transaction
     *     (the memory store with the memory flow store; the JPA store with its own flow store)
     * @since 0.2
     */
    default boolean savesAwaitsWithRunChanges(FlowStore runs) {
        return false;
    }

    /**
     * An await by id.
     *
     * @param awaitId the await's id
     * @return the await in whatever status it is now; empty if there is none with that id
     */
    Optional<AwaitRecord> findAwait(String awaitId);

    /**
     * An await by webhook token.
     *
     * @param token the secret token from the webhook URL
     * @return the await, in any status; empty if no await has that token
     */
    Optional<AwaitRecord> findAwaitByToken(String token);

    /**
     * Closes a waiting await atomically.
     *
     * @param awaitId the await to close
     * @param status its new status: resolved, timed out or canceled
     * @param data resolution data (JSON), empty for none
     * @param at when it closed
     * @return the closed await, or empty if it was not waiting any more (someone else closed it)
     */
    Optional<AwaitRecord> closeAwait(String awaitId, AwaitStatus status, Optional<String> data, Instant at);

    /**
     * Waiting awaits whose resolve time or timeout is at or before {@code now}, oldest first.
     *
     * @param now the current time
     * @param limit the most awaits returned
     * @return due awaits by registration time, at most {@code limit}; empty if none is due
     */
    List<AwaitRecord> dueAwaits(Instant now, int limit);

    /**
     * Waiting awaits for the named event.
     *
     * @param event event name
     * @return the awaits still waiting for that event, whatever their filter; empty if none
     */
    List<AwaitRecord> waitingForEvent(String event);

    /**
     * Every await of a run.
     *
     * @param runId the run
     * @return its awaits in any status, oldest first; empty for an unknown run
     */
    List<AwaitRecord> awaitsOfRun(String runId);

    /**
     * Awaits, newest first.
     *
     * @param waitingOnly {@code true} to leave out closed awaits
     * @param limit the most awaits returned
     * @return awaits by registration time, newest first
     */
    List<AwaitRecord> listAwaits(boolean waitingOnly, int limit);

    /**
     * The waiting awaits of one type, in the order of their ids, from after {@code afterAwaitId}: the maintenance
     * sweep pages through the awaits of type {@link io.nvent.AwaitType#CHILDREN} with it, as the backstop of a
     * child's end whose check of its parent never ran (its instance stopped between). A store should read them
     * from an index on the type and status (the JPA store's {@code run_await_type_idx}), not by reading every await.
     *
     * <p>The default reads every waiting await ({@link #listAwaits}) and keeps those of the type: right, but it reads
     * them all on every call.
     *
     * @param type the await type
     * @param afterAwaitId only awaits whose id sorts after this one; empty for the first page
     * @param limit the most awaits returned, at least 1
     * @return waiting awaits of the type, by id
     * @since 0.2
     */
    default List<AwaitRecord> waitingAwaitsOfType(io.nvent.AwaitType type, Optional<String> afterAwaitId, int limit) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(afterAwaitId, "afterAwaitId");
        PageLimits.requireAtLeastOne(limit);
        return listAwaits(true, Integer.MAX_VALUE).stream()
                .filter(a -> a.type() == type && a.status() == AwaitStatus.WAITING)
                .filter(a -> afterAwaitId.map(after -> a.awaitId().compareTo(after) > 0).orElse(true))
                .sorted(java.util.Comparator.comparing(AwaitRecord::awaitId)).limit(limit).toList();
    }

    /**
     * Deletes the awaits whose run {@code runs} no longer has: runs an operator deleted
     * ({@code FlowService.deleteRun}), a cleared history's, retention's. The engine calls it once it
     * has deleted runs, so that the list of awaits shows none of theirs. Their awaits are closed as a
     * rule (the engine closes a run's awaits when the run ends, before it can be deleted), but not
     * always: a deletion that lands between a cancel's write of the run's end and its closing of the
     * run's awaits leaves one waiting, which must go too (its run is gone: nothing can resolve it).
     *
     * <p>The default deletes nothing: right for a store whose awaits go with their run, as the JPA
     * store's do (a foreign key, on delete cascade). A store that keeps awaits apart from the runs (the
     * in-memory one) overrides it.
     *
     * @param runs the flow store the engine pairs with this store
     * @return how many awaits were deleted
     * @since 0.2
     */
    default int deleteAwaitsOfDeletedRuns(FlowStore runs) {
        Objects.requireNonNull(runs, "runs");
        return 0;
    }

    /**
     * Runs recorded {@link RunStatus#AWAITING awaiting} with a step {@code awaiting} for which this store
     * keeps no waiting await: nothing could resume them. The maintenance sweep fails their step: it looks for them once per
     * lease on every instance, paging through them from where its previous look stopped. A store should
     * find them in one query (an anti-join of the awaiting runs on their waiting awaits), as the memory and JPA stores
     * do, so that a look over many runs waiting on approvals costs one read, whatever their number. A store may
     * return a run more than once, or one whose step has a waiting await after all (the engine checks each run it is
     * given against {@link #awaitsOfRun} before it acts), but must not leave out a run that has such a step.
     *
     * <p>The default does what the sweep did before it asked this method: it reads one page of
     * {@code limit} awaiting runs ({@link FlowStore#findRuns}) and then the awaits of each ({@link #awaitsOfRun}):
     * {@code 1 + limit} reads a call, and a look at 10,000 awaiting runs takes 10,000 / {@code limit} looks to go
     * round. Its page then holds the runs of those it read that have such a step, and {@code next} the last it read.
     *
     * @param runs the flow store the engine pairs with this store
     * @param after where among the awaiting runs (newest first) the page starts: after this run; empty for the newest
     * @param limit the most runs the page holds (and, by default, reads), at least 1 (the default reads at most 1000)
     * @return such runs, newest first, and where the next page starts: after the last run the page holds (by
     *     default, read) when it is full, empty once it is the last
     * @since 0.2
     */
    default AwaitlessRuns runsAwaitingWithoutAwait(FlowStore runs, Optional<RunPosition> after, int limit) {
        Objects.requireNonNull(runs, "runs");
        Objects.requireNonNull(after, "after");
        PageLimits.requireAtLeastOne(limit);
        int read = Math.min(limit, 1000);
        List<RunRecord> page = runs.findRuns(new RunQuery(Optional.empty(), Optional.of(RunStatus.AWAITING), 0, read,
                after));
        List<RunRecord> found = page.stream()
                .filter(run -> AwaitlessSteps.stepAwaitingNoAwait(run, awaitsOfRun(run.runId())).isPresent())
                .toList();
        RunRecord last = page.isEmpty() ? null : page.get(page.size() - 1);
        return new AwaitlessRuns(found, page.size() < read ? Optional.empty()
                : Optional.of(new RunPosition(last.startedAt(), last.runId())));
    }

    /**
     * Creates or replaces a trigger (statistics as given).
     *
     * @param trigger the trigger; its spec's name identifies it
     */
    void saveTrigger(TriggerRecord trigger);

    /**
     * Creates a trigger unless one of its name exists: of concurrent calls for one name, across the
     * instances sharing the store, exactly one creates it, and the others leave the trigger it created
     * as it is (its definition, creation time, statistics and history).
     *
     * <p>The default looks the name up with {@link #findTrigger} and saves with {@link #saveTrigger},
     * which is not atomic: two instances creating the trigger at once may both create it, the later
     * save replacing the earlier. A store that instances share should override it, with a unique key
     * of the name (an {@code INSERT} that does nothing on a conflict, a {@code putIfAbsent}).
     *
     * @param trigger the trigger, its statistics as given
     * @return {@code true} if this call created it; {@code false} if a trigger of that name existed
     * @since 0.2
     */
    default boolean insertTrigger(TriggerRecord trigger) {
        if (findTrigger(trigger.spec().name()).isPresent()) {
            return false;
        }
        saveTrigger(trigger);
        return true;
    }

    /**
     * Gives a trigger another definition if its definition is still {@code expected}, enabled or not
     * included: a change, enable or disable stored by another caller since {@code expected} was read
     * is not undone. Its statistics, creation time and whether it is declared stay as stored, so a
     * fire counted meanwhile is kept. Of concurrent calls with the same {@code expected}, across
     * instances, at most one replaces it.
     *
     * <p>The default reads with {@link #findTrigger} and writes with {@link #saveTrigger}, which is
     * not atomic: a change stored by another instance between the two is overwritten. A store that
     * instances share should override it (a conditional {@code UPDATE}, or one of a row read
     * {@code FOR UPDATE}).
     *
     * @param expected the definition as this store returned it ({@link #findTrigger})
     * @param replacement the new definition, of the same name
     * @return {@code true} if replaced; {@code false} if there is no trigger of that name or its
     *     definition is no longer {@code expected}
     * @throws IllegalArgumentException if the two definitions name different triggers
     * @since 0.2
     */
    default boolean replaceTriggerSpec(TriggerSpec expected, TriggerSpec replacement) {
        TriggerRecord.requireSameTrigger(expected, replacement);
        Optional<TriggerRecord> current = findTrigger(expected.name());
        if (current.isEmpty() || !current.get().spec().equals(expected)) {
            return false;
        }
        saveTrigger(current.get().withSpec(replacement));
        return true;
    }

    /**
     * Gives a trigger another definition and records whether the code declares it ({@code @Trigger}),
     * if its definition and whether it is declared are still those of {@code expected}: the engine's
     * start switches a trigger the code declares no longer to one created at run time, and one created
     * at run time that the code now declares to a declared one, so. A change, enable, disable or switch
     * stored by another caller since {@code expected} was read (another instance starting at once with
     * other code, an operator) is not undone. Its statistics and creation time stay as stored, so a fire
     * counted meanwhile is kept. Of concurrent calls with the same {@code expected}, across instances,
     * at most one replaces it.
     *
     * <p>The default reads with {@link #findTrigger} and writes with {@link #saveTrigger}, which is
     * not atomic: a change stored by another instance between the two is overwritten. A store that
     * instances share should override it, as {@link #replaceTriggerSpec}.
     *
     * @param expected the trigger as this store returned it ({@link #findTrigger}); its statistics do
     *     not count
     * @param replacement the new definition, of the same name
     * @param declared whether the code declares it from now on
     * @return {@code true} if replaced; {@code false} if there is no trigger of that name, or its
     *     definition or whether it is declared is no longer that of {@code expected}
     * @throws IllegalArgumentException if the two definitions name different triggers
     * @since 0.2
     */
    default boolean replaceTrigger(TriggerRecord expected, TriggerSpec replacement, boolean declared) {
        TriggerRecord.requireSameTrigger(expected.spec(), replacement);
        Optional<TriggerRecord> current = findTrigger(expected.spec().name());
        if (current.isEmpty() || !current.get().sameDefinition(expected)) {
            return false;
        }
        saveTrigger(current.get().withSpec(replacement).withDeclared(declared));
        return true;
    }

    /**
     * A trigger by name.
     *
     * @param name trigger name
     * @return the trigger with its statistics; empty if there is none with that name
     */
    Optional<TriggerRecord> findTrigger(String name);

    /**
     * Every trigger.
     *
     * @return all triggers, enabled or not, in no particular order
     */
    List<TriggerRecord> listTriggers();

    /**
     * Deletes a trigger and its history.
     *
     * @param name trigger name
     * @return {@code true} if the trigger existed
     */
    boolean deleteTrigger(String name);

    /**
     * Atomically adds one fire to a trigger's statistics: one more fire, {@code runsStarted} more runs
     * and {@code at} as the last fire. Concurrent fires on several instances each count. A store whose
     * update can wait for another transaction's lock of the trigger may, since 0.2, give this fire's
     * count up after a bounded wait rather than wait for a transaction that does not end (an instance
     * stopped in the middle of it): statistics are a count, not a record, and the fire's history entry
     * says what it did.
     *
     * @param name trigger name
     * @param at when it fired
     * @param runsStarted runs the fire started, 0 or more
     * @param error why the fire failed, which becomes the trigger's last error; empty keeps the last
     *     error as it was
     */
    void recordFire(String name, Instant at, int runsStarted, Optional<String> error);

    /**
     * Atomically adds runs to a fire the trigger recorded before ({@link #recordFire}), without counting another
     * fire or changing when it last fired: the retry of a keyed fire or publish that started some of the trigger's
     * runs and failed, which starts the rest. Like {@code recordFire} it ignores an unknown trigger and may give
     * the count up after a bounded wait for a lock.
     *
     * <p>The default does nothing, so a store written before 0.2 works unchanged: its {@code runsStarted} then
     * leaves out the runs such a retry started, and its last error the retry's.
     *
     * @param name trigger name
     * @param runsStarted runs the retry started, 0 or more
     * @param error why the retry failed again, which becomes the trigger's last error; empty keeps the last
     *     error as it was
     * @since 0.2
     */
    default void recordRunsStarted(String name, int runsStarted, Optional<String> error) {
    }

    /**
     * Appends to a trigger's history, with the next sequence number of that trigger.
     *
     * @param name trigger name
     * @param type entry type, such as {@code trigger.fired} (see {@link TriggerEvent})
     * @param at when it happened
     * @param data JSON details
     * @return the entry as stored, with its sequence number
     */
    TriggerEvent appendTriggerEvent(String name, String type, Instant at, String data);

    /**
     * The newest entries of a trigger's history, newest first.
     *
     * @param name trigger name
     * @param limit the most entries returned
     * @return up to {@code limit} entries; empty for a trigger with no history or no trigger
     */
    List<TriggerEvent> triggerHistory(String name, int limit);

    /**
     * A page of a trigger's history, newest first: the entries of the given types below a sequence number. A store
     * answers it from an index on (trigger, sequence number) walked down from {@code before}, as the one
     * {@link #triggerHistory(String, int)} reads; the default filters that read whole (a history is kept short by
     * {@link #trimTriggerHistory}).
     *
     * @param name trigger name
     * @param types the entry types listed; empty for every type
     * @param before the entries listed have a lower sequence number; empty for the newest
     * @param limit the most entries returned, at least 1
     * @return up to {@code limit} entries; empty for a trigger with no such entries or no trigger
     * @since 0.2
     */
    default List<TriggerEvent> triggerHistory(String name, Set<String> types, OptionalLong before, int limit) {
        return TriggerHistoryPages.page(triggerHistory(name, Integer.MAX_VALUE), types, before, limit);
    }

    /**
     * Keeps the newest {@code keep} entries of every trigger's history and removes the older ones.
     * Entries appended later go on with the next sequence number; numbers are never reused.
     *
     * @param keep entries kept per trigger, at least 1
     * @return entries removed
     */
    int trimTriggerHistory(int keep);

    /**
     * Claims one tick of a schedule trigger.
     *
     * @param trigger trigger name
     * @param scheduledAt the tick's scheduled time (not the time of the call)
     * @return {@code true} for exactly one caller per (trigger, scheduled time), across instances
     */
    boolean claimTick(String trigger, Instant scheduledAt);

    /**
     * Claims one tick of a schedule trigger as {@link #claimTick} does, waiting a bounded time at most
     * for another caller that holds the tick's claim in a transaction that has not ended: an instance
     * that stopped in the middle of its claim must not hold up the ticks of every other one.
     *
     * <p>The default claims with {@link #claimTick}, which never answers {@link TickClaim#IN_DOUBT}; a
     * store on which a claim can wait for another transaction's lock (a database) should bound that
     * wait and answer {@code IN_DOUBT} when it runs out.
     *
     * @param trigger trigger name
     * @param scheduledAt the tick's scheduled time (not the time of the call)
     * @return {@link TickClaim#CLAIMED} for exactly one caller per (trigger, scheduled time), across
     *     instances; {@link TickClaim#TAKEN} if another caller claimed it; {@link TickClaim#IN_DOUBT} if
     *     the wait for another caller's unfinished claim ran out (this caller may ask again later)
     * @since 0.2
     */
    default TickClaim tryClaimTick(String trigger, Instant scheduledAt) {
        return claimTick(trigger, scheduledAt) ? TickClaim.CLAIMED : TickClaim.TAKEN;
    }

    /**
     * Forgets the claims of ticks scheduled before {@code before}, which no instance fires any more;
     * a claim of such a tick afterwards would succeed again.
     *
     * @param before claims of ticks scheduled before this time are removed
     * @return claims removed
     */
    int purgeTickClaims(Instant before);

    /**
     * Records a signed webhook request as received, unless it was received before and is still
     * valid: the same request sent again (a captured one replayed) is then known on every instance
     * sharing the store, and after a restart. A receipt whose {@link WebhookReceipt#validUntil()} is
     * before {@code now} counts as none and is replaced; the store may drop such receipts at any time.
     * Of concurrent calls for one trigger and request, across instances, exactly one records it.
     *
     * @param receipt the request, with the idempotency key it came with and until when it is valid
     * @param now the current time
     * @return empty if this call recorded the request; else the receipt recorded before, with the key
     *     that request came with
     * @since 0.2
     */
    Optional<WebhookReceipt> recordWebhookRequest(WebhookReceipt receipt, Instant now);

    /**
     * Forgets a received webhook request whose flows were not started, so that the sender's retry of
     * it is taken (see {@link #recordWebhookRequest}).
     *
     * @param trigger the trigger's name as stored
     * @param request the request's identity, as recorded
     * @return {@code true} if the store held the request
     * @since 0.2
     */
    boolean forgetWebhookRequest(String trigger, String request);

    /**
     * Claims the idempotency key of an emit or a publish ({@link io.nvent.EventOptions}) before the engine
     * delivers it, unless the key is claimed and the claim has not expired: the same request sent again is then
     * known on every instance sharing the store, and after a restart. A claim whose {@link RequestKey#expiresAt()}
     * is at or before {@code now} counts as none and is replaced; the store may drop such claims at any time. Of
     * concurrent calls for one key (its scope, target and key digest), across instances, exactly one claims it.
     *
     * <p>The default, for a store written before nvent 0.2, cannot: it throws an
     * {@link io.nvent.UnsupportedByAdapterException} ({@value #REQUEST_KEYS_UNSUPPORTED}) that names the store, and
     * an emit or publish with a key fails with it, delivering nothing.
     *
     * @param claim the key, the request's digest and until when the claim holds; no response yet
     * @param now the current time
     * @return empty if this call claimed the key; else the claim made before, with its request's digest and the
     *     response stored for it, if any
     * @throws io.nvent.UnsupportedByAdapterException if the store cannot keep keys of requests (the default)
     * @since 0.2
     */
    default Optional<RequestKey> claimRequestKey(RequestKey claim, Instant now) {
        throw new io.nvent.UnsupportedByAdapterException(REQUEST_KEYS_UNSUPPORTED + " scheduling store "
                + getClass().getName() + " cannot keep idempotency keys of emits and publishes: it implements"
                + " SchedulingStore as it was before nvent 0.2; send the event without EventOptions.idempotencyKey"
                + " (no Idempotency-Key header), or use a store of nvent 0.2 (the memory or the JPA store)",
                new UnsupportedOperationException("claimRequestKey"));
    }

    /**
     * The message id the refusal of {@link #claimRequestKey}'s default begins with.
     *
     * @since 0.2
     */
    String REQUEST_KEYS_UNSUPPORTED = "NVENT-0280";

    /**
     * Stores what a request whose key this caller claimed ({@link #claimRequestKey}) answered, for its repeats.
     *
     * <p>The default, for a store that cannot claim keys: nothing to store.
     *
     * @param answered the claim as made, with its {@link RequestKey#response()}
     * @return {@code true} if the store held the claim (same key and request digest) and stored the answer
     * @since 0.2
     */
    default boolean answerRequestKey(RequestKey answered) {
        return false;
    }

    /**
     * Forgets the claim of a key whose request was not delivered (its delivery failed), so that its retry
     * delivers. A claim of the key by another request (another digest) is left alone.
     *
     * <p>The default, for a store that cannot claim keys: nothing to forget.
     *
     * @param claim the claim as made
     * @return {@code true} if the store held the claim and forgot it
     * @since 0.2
     */
    default boolean forgetRequestKey(RequestKey claim) {
        return false;
    }

    /**
     * Drops the claims of keys that expired at or before {@code now}; the maintenance sweep calls it. The default,
     * for a store that keeps no claims: none.
     *
     * @param now the current time
     * @return claims dropped
     * @since 0.2
     */
    default int purgeRequestKeys(Instant now) {
        return 0;
    }

    /**
     * Takes or renews the lease of a step for an owner.
     *
     * @param runId the run
     * @param step the step
     * @param owner the instance that executes the step
     * @param until new end of the lease
     * @param now the current time, to decide whether another owner's lease has expired: a lease that
     *     ends at or before it is taken over. The engine also passes the end it read of a lease it
     *     takes over before that end (one of an earlier start of its instance id that no longer renews
     *     it): the lease is then taken only if it still ends there, not if its owner renewed it since
     * @return {@code true} if the owner now holds the lease (new, renewed, or taken over after it
     *     expired); {@code false} if another owner holds an unexpired lease
     */
    boolean acquireLease(String runId, String step, String owner, Instant until, Instant now);

    /**
     * Takes or renews a lease as {@link #acquireLease(String, String, String, Instant, Instant)} does,
     * and records when it was taken ({@link StepLease#renewedAt()}), which {@link #leasesOfRun},
     * {@link #expiredLeases} and {@link #leasesOfOwners} then return with it. The engine judges by that
     * time and the lease's end how long a lease of an earlier start of its instance id has gone
     * unrenewed, whatever lease duration that start had.
     *
     * <p>The lease may name the attempt and the execution it is taken for ({@link StepLease#attempt()},
     * {@link StepLease#execution()}, since 0.2): a store keeps both with the lease and compares them in the writes it
     * makes only while the lease is held ({@link StepLease#admits}), so that an operator's retry of a step, whose
     * attempts count from 1 again, and a timed-out attempt 1 still running on the same owner are told apart. A
     * store that keeps progress ({@link #recordProgress}) keeps that attempt with the lease, and forgets the progress kept
     * when it takes the lease for another attempt, even from the same owner while it holds it (a retry on the
     * instance where its timed-out attempt still runs).
     *
     * <p>The default takes the lease without the time (the lease then has none, and the engine judges
     * it by its own lease duration, as before 0.2); a store that can keep it should.
     *
     * @param lease the run, step, owner, end and, if given, when it is taken
     * @param now the current time, or the end read of a lease to take over, as for
     *     {@link #acquireLease(String, String, String, Instant, Instant)}
     * @return {@code true} if the owner now holds the lease; {@code false} if another owner holds an
     *     unexpired lease
     * @since 0.2
     */
    default boolean acquireLease(StepLease lease, Instant now) {
        return acquireLease(lease.runId(), lease.step(), lease.owner(), lease.expiresAt(), now);
    }

    /**
     * Extends every lease of an owner; the owner calls it periodically while its steps run.
     *
     * @param owner the instance whose leases to extend
     * @param until new end of those leases
     */
    void renewLeases(String owner, Instant until);

    /**
     * Extends every lease of an owner as {@link #renewLeases(String, Instant)} does, and records when
     * ({@link StepLease#renewedAt()}). {@link #renewLeases(String, Instant)} itself leaves the renewed
     * leases without a renewal time: one kept from before would no longer go with their end.
     *
     * <p>The default renews without the time; a store that can keep it should.
     *
     * @param owner the instance whose leases to extend
     * @param until new end of those leases
     * @param renewedAt when they are renewed, the current time
     * @since 0.2
     */
    default void renewLeases(String owner, Instant until, Instant renewedAt) {
        renewLeases(owner, until);
    }

    /**
     * Keeps the progress a step's attempt reported ({@link io.nvent.StepContext#reportProgress}) with its
     * lease, replacing the one kept before, and renews that lease to {@code lease.expiresAt()} (with
     * {@code lease.renewedAt()}, as {@link #renewLeases(String, Instant, Instant)} would): only while
     * {@code lease.owner()} holds the step's lease for {@code lease.attempt()} ({@link StepLease#isHeldFor}: the
     * lease was taken for that attempt, since 0.2) and it has not run out at {@code now}. A lease that
     * ran out is neither renewed nor given the progress: another owner may take it over. Nor is one its owner
     * took for another attempt: a write of a timed-out attempt, checked before its timeout and made after its
     * retry took the step's lease on the same instance, must not show in the retry. The progress goes
     * with the lease: a store forgets it when the lease is given up ({@link #releaseLease},
     * {@link #finishStep}) or taken ({@link #acquireLease}, {@link #startStep}) by another owner, for another
     * attempt, or after it ran out; not when its owner takes it again for the same attempt while it holds it (a
     * second delivery of the step's job on the instance running the attempt, which the engine then does not
     * run): that keeps the running attempt's. A start that changes nothing ({@link #startStep}) leaves the lease
     * as it was, its attempt and progress too.
     *
     * <p>The engine calls it at most once a second per running step. The default keeps nothing and
     * returns {@code false}: the step's progress then shows nowhere. A store of 0.2 that kept progress before
     * leases named their attempt keeps it unfenced until it compares the attempts.
     *
     * @param lease the step's lease as its owner renews it: run, step, owner, the attempt that reported, new end
     *     and the time now
     * @param progress the latest progress reported
     * @param now the current time
     * @return {@code true} if it was kept; {@code false} if the owner holds no unexpired lease of the step for
     *     the attempt, or the store keeps no progress
     * @since 0.2
     */
    default boolean recordProgress(StepLease lease, io.nvent.StepProgress progress, Instant now) {
        return false;
    }

    /**
     * The progress kept with the leases of a run's steps ({@link #recordProgress}), those that ran out
     * included, by step name.
     *
     * @param runId the run
     * @return the progress of its steps that reported some; empty if none did, and by default
     * @since 0.2
     */
    default java.util.Map<String, io.nvent.StepProgress> progressOfRun(String runId) {
        return java.util.Map.of();
    }

    /**
     * Keeps the time of a heartbeat of a step's attempt ({@link io.nvent.StepContext#heartbeat()}) with its lease,
     * replacing the one kept before, and renews that lease as {@link #recordProgress} does, under the same
     * conditions: only while {@code lease.owner()} holds the step's lease for {@code lease.attempt()} and it has not
     * run out when the heartbeat is written, at {@code lease.renewedAt()} (the current time; {@code now} if later or
     * not given): a beat written after the lease ran out, however early it was sent, keeps nothing and does not bring
     * the lease back. The progress kept with the lease is left as it is; the heartbeat goes with the lease, as the
     * progress does. So that other instances see that a step is alive, for {@code waits}.
     *
     * <p>The engine calls it at most once a second per running step (once per a quarter of the step's heartbeat
     * timeout when that is longer), only for a step that calls {@code heartbeat()}, and only on a store that
     * {@link #keepsHeartbeats() keeps heartbeats}. The default keeps nothing and returns {@code false}: a step's
     * heartbeats then show on the instance that runs it only.
     *
     * @param lease the step's lease as its owner renews it: run, step, owner, the attempt, new end and the time now
     * @param now the heartbeat's time, when the step sent it: up to the write interval before the write
     * @return {@code true} if it was kept; {@code false} if the owner holds no unexpired lease of the step for the
     *     attempt, or the store keeps no heartbeats
     * @since 0.2
     */
    default boolean recordHeartbeat(StepLease lease, Instant now) {
        return false;
    }

    /**
     * The last heartbeats kept with the leases of a run's steps ({@link #recordHeartbeat}), those that ran out
     * included, by step name.
     *
     * @param runId the run
     * @return the time of the last heartbeat of its steps that stored one; empty if none did, and by default
     * @since 0.2
     */
    default java.util.Map<String, Instant> heartbeatsOfRun(String runId) {
        return java.util.Map.of();
    }

    /**
     * Whether the store keeps heartbeats ({@link #recordHeartbeat}, {@link #heartbeatsOfRun}). The default, for a
     * store that implements neither (as one written for nvent 0.1): {@code false}, and the engine then makes no
     * {@code recordHeartbeat} call at all (none per heartbeat interval of a beating step) and does not read
     * {@code heartbeatsOfRun} for {@code waits}: a step's heartbeats show on the instance that runs it only.
     *
     * @return {@code true} for a store that keeps them (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsHeartbeats() {
        return false;
    }

    /**
     * Gives a lease up. Nothing happens if the owner does not hold it.
     *
     * @param runId the run
     * @param step the step
     * @param owner the instance that held the lease
     */
    void releaseLease(String runId, String step, String owner);

    /**
     * Gives a lease up only while {@code lease.owner()} holds it for {@code lease.attempt()}
     * ({@link StepLease#admits}): decided where the lease is deleted, so that another attempt of the step that
     * took it on the same owner (the retry of a timed-out attempt, on the instance where that attempt still runs)
     * keeps it, however close the two come. A lease naming no attempt is given up as
     * {@link #releaseLease(String, String, String)} does. The engine gives an attempt's lease up so when the
     * attempt ends without finishing its step (a failure, a timeout, a cancel) and when it retries a release that
     * failed.
     *
     * <p>The default reads {@link #leasesOfRun} and then calls {@link #releaseLease(String, String, String)},
     * which does not notice the lease taken for another attempt between the two; a store that keeps the attempt
     * with its leases should decide in the delete, as the built-in stores do.
     *
     * @param lease the lease to give up: run, step, owner and, if given, the attempt it was taken for
     * @return {@code true} if the lease was given up; {@code false} if the owner did not hold it for that attempt
     * @since 0.2
     */
    default boolean releaseLease(StepLease lease) {
        Objects.requireNonNull(lease, "lease");
        if (leasesOfRun(lease.runId()).stream().noneMatch(held -> held.step().equals(lease.step())
                && held.admits(lease))) {
            return false;
        }
        releaseLease(lease.runId(), lease.step(), lease.owner());
        return true;
    }

    /**
     * Starts a step: takes its lease and, only if that succeeded, changes its run. A store that
     * keeps runs and leases in one database does both in one transaction (one commit on the hot
     * path of every step); this default does them one after the other and gives the lease back
     * if the run was not changed.
     *
     * <p>The lease decides first: while another owner holds an unexpired lease of the step, the run
     * is left as it is, whatever the mutation would have made of it (even a change the run refuses).
     * A start that changes nothing takes no lease, but leaves the owner a lease it held before: the
     * engine declines a second job of a step it executes already, which must keep its lease, and the attempt and
     * execution it names. A lease the owner held for another attempt or execution is taken for the start's once the
     * run is changed, where the store keeps attempts with its leases; should that second take fail, the step started
     * all the same, and its lease names the earlier attempt and execution.
     *
     * @param runs the store of the run
     * @param lease the lease to take (run, step, owner, expiry and, since 0.2, when it is taken and for which
     *     attempt, which the store keeps as {@link #acquireLease(StepLease, Instant)} does)
     * @param now the current time, to decide whether another owner's lease has expired
     * @param mutation the run change; may be called several times
     * @return the stored change; empty if another owner holds an unexpired lease of the step or the
     *     mutation declined to change anything — in both cases the call took no lease: the owner holds
     *     the step's lease afterwards only if it held it before
     * @throws io.nvent.RunNotFoundException if the run does not exist
     * @throws io.nvent.IllegalRunTransitionException if the change is one {@link io.nvent.RunStatus}
     *     does not allow; the run is left as it was and the call took no lease, as for a declined one
     */
    default Optional<StoredChange> startStep(FlowStore runs, StepLease lease, Instant now, RunMutation mutation) {
        Optional<StepLease> heldBefore = leasesOfRun(lease.runId()).stream().filter(held -> held.step().equals(
                lease.step()) && held.owner().equals(lease.owner()) && held.expiresAt().isAfter(now)).findFirst();
        // A lease the owner holds is taken first for the attempt and execution it was held for: a start that then
        // changes nothing (a second delivery beside the execution running here) leaves it its lease and progress.
        StepLease first = heldBefore.map(held -> new StepLease(lease.runId(), lease.step(), lease.owner(),
                lease.expiresAt(), lease.renewedAt(), held.attempt(), held.execution())).orElse(lease);
        if (!acquireLease(first, now)) {
            return Optional.empty();
        }
        Optional<StoredChange> change = Optional.empty();
        try {
            change = runs.updateRun(lease.runId(), mutation);
            if (change.isPresent() && !first.equals(lease) && first.attempt().isPresent()) {
                // For the start's attempt: its own progress from now on. Only where the store keeps attempts (not
                // one of 0.1, whose leases name none); the step started all the same if this take fails.
                try {
                    acquireLease(lease, now);
                } catch (RuntimeException notTaken) {
                    System.getLogger(SchedulingStore.class.getName()).log(System.Logger.Level.DEBUG, "run {0}: the"
                            + " lease of step {1}, started, was not taken for attempt {2}: {3}", lease.runId(),
                            lease.step(), lease.attempt(), notTaken.toString());
                }
            }
            return change;
        } finally {
            if (change.isEmpty() && heldBefore.isEmpty()) {
                releaseLease(lease);
            }
        }
    }

    /**
     * Finishes a step: changes its run and gives the step's lease up, in one transaction where the
     * store can (see {@link #startStep}). The lease is given up also when the mutation declines or
     * the change fails; a lease of the step that another owner took over meanwhile is left to it,
     * as {@link #releaseLease} does. A store that tells in the same transaction, at no cost beyond
     * the write, that {@code lease.owner()} no longer holds the step's lease (its delete of the lease
     * finds none) should refuse the finish as {@link #finishStepHolding} does, leaving the run as it
     * was; the default cannot tell without a read, and does not (since 0.2). Such a store should also
     * delete only a lease not taken for another attempt than {@code lease.attempt()}
     * ({@link StepLease#admits}), and refuse the finish if that finds none: a timed-out attempt's late result
     * then does not land as the result of its retry on the same owner.
     *
     * <p>A store that keeps progress ({@link #recordProgress}) forgets the step's with its lease; the default
     * gives the lease up after the run's change, so that {@link #progressOfRun} still returns the finished step's
     * progress for a moment. The engine shows none of it: it shows the progress of a step only where the run, read
     * between two reads of the progress that return the same report, shows the step running (since 0.2).
     *
     * @param runs the store of the run
     * @param lease the lease to give up
     * @param mutation the run change; may be called several times
     * @return the stored change; empty if the mutation declined to change anything
     * @throws io.nvent.StaleExecutionException if the store found that {@code lease.owner()} no longer
     *     holds the step's lease (see above): the run is left as it was (since 0.2)
     * @throws io.nvent.RunNotFoundException if the run does not exist
     * @throws io.nvent.IllegalRunTransitionException if the change is one {@link io.nvent.RunStatus}
     *     does not allow; the run is left as it was
     */
    default Optional<StoredChange> finishStep(FlowStore runs, StepLease lease, RunMutation mutation) {
        try {
            return runs.updateRun(lease.runId(), mutation);
        } finally {
            releaseLease(lease.runId(), lease.step(), lease.owner());
        }
    }

    /**
     * Finishes a step as {@link #finishStep} does, but only while {@code lease.owner()} still holds the
     * step's lease, checked in the transaction that changes the run where the store can: a lease taken
     * over while the change is under way either waits for it or makes it refused, so that an execution
     * whose lease ran out and was taken over cannot overwrite the outcome of the execution that holds
     * the step now. The engine finishes a step so once the lease it took or last renewed may have run
     * out. A lease counts as held while {@code lease.owner()} is its owner, also after its end: until
     * another owner takes it over, nobody else executes the step. Since 0.2 it counts as held only while it
     * was not taken for another attempt than {@code lease.attempt()} either ({@link StepLease#admits}): an
     * owner takes a step's lease again for the retry of a timed-out attempt that still runs there, and the
     * timed-out attempt's late result must not complete the step its retry runs.
     *
     * <p>The default reads {@link #leasesOfRun} and then calls {@link #finishStep}, which does not notice
     * a lease taken over between the two; a store that keeps runs and leases in one database should
     * check and change in one transaction (see {@link #startStep}). The same holds for
     * {@link #appendEventsHolding}, {@link #putStateHolding} and {@link #deleteStateHolding}: the engine
     * warns at start, naming the store's class and these methods, when a store leaves any of them to
     * its default.
     *
     * @param runs the store of the run
     * @param lease the lease the step's execution holds (its run, step and owner count, and since 0.2 the
     *     attempt it names: a lease taken for another attempt is not held, see {@link StepLease#admits})
     * @param mutation the run change; may be called several times
     * @return the stored change; empty if the mutation declined to change anything
     * @throws io.nvent.StaleExecutionException if {@code lease.owner()} no longer holds the step's lease:
     *     the run is left as it was, and the lease to whoever holds it
     * @throws io.nvent.RunNotFoundException if the run does not exist
     * @throws io.nvent.IllegalRunTransitionException if the change is one {@link io.nvent.RunStatus}
     *     does not allow; the run is left as it was
     * @since 0.2
     */
    default Optional<StoredChange> finishStepHolding(FlowStore runs, StepLease lease, RunMutation mutation) {
        requireHolding(lease);
        return finishStep(runs, lease, mutation);
    }

    /**
     * Appends entries to a run's history as {@link FlowStore#appendEvents} does, but only while
     * {@code lease.owner()} still holds the step's lease, checked in the same transaction where the
     * store can (see {@link #finishStepHolding}): the log lines of a step's execution that may have
     * outlived its lease. The default checks first and appends after, not noticing a lease taken over
     * in between.
     *
     * @param runs the store of the run
     * @param lease the lease the step's execution holds (its run, step and owner count, and since 0.2 the
     *     attempt it names: a lease taken for another attempt is not held, see {@link StepLease#admits})
     * @param events the entries, in order
     * @return the stored entries, as {@link FlowStore#appendEvents} returns them
     * @throws io.nvent.StaleExecutionException if {@code lease.owner()} no longer holds the step's lease:
     *     nothing is appended
     * @throws io.nvent.RunNotFoundException if the run does not exist
     * @since 0.2
     */
    default List<HistoryEvent> appendEventsHolding(FlowStore runs, StepLease lease, List<EventDraft> events) {
        requireHolding(lease);
        return runs.appendEvents(lease.runId(), events);
    }

    /**
     * Sets a value of a run's state as {@link FlowStore#putState} does, but only while
     * {@code lease.owner()} still holds the step's lease, checked in the same transaction where the
     * store can (see {@link #finishStepHolding}). The default checks first and writes after, not
     * noticing a lease taken over in between.
     *
     * @param runs the store of the run
     * @param lease the lease the step's execution holds (its run, step and owner count, and since 0.2 the
     *     attempt it names: a lease taken for another attempt is not held, see {@link StepLease#admits})
     * @param key the state key
     * @param json the value as JSON
     * @param expiresAt when the value expires; empty for never
     * @throws io.nvent.StaleExecutionException if {@code lease.owner()} no longer holds the step's lease:
     *     the state is left as it was
     * @throws io.nvent.RunNotFoundException if the run does not exist
     * @since 0.2
     */
    default void putStateHolding(FlowStore runs, StepLease lease, String key, String json,
                                 Optional<Instant> expiresAt) {
        requireHolding(lease);
        runs.putState(lease.runId(), key, json, expiresAt);
    }

    /**
     * Deletes a value of a run's state as {@link FlowStore#deleteState} does, but only while
     * {@code lease.owner()} still holds the step's lease, checked in the same transaction where the
     * store can (see {@link #finishStepHolding}). The default checks first and deletes after, not
     * noticing a lease taken over in between.
     *
     * @param runs the store of the run
     * @param lease the lease the step's execution holds (its run, step and owner count, and since 0.2 the
     *     attempt it names: a lease taken for another attempt is not held, see {@link StepLease#admits})
     * @param key the state key
     * @throws io.nvent.StaleExecutionException if {@code lease.owner()} no longer holds the step's lease:
     *     the state is left as it was
     * @since 0.2
     */
    default void deleteStateHolding(FlowStore runs, StepLease lease, String key) {
        requireHolding(lease);
        runs.deleteState(lease.runId(), key);
    }

    /**
     * Throws {@link StepLease#notHeld()} unless the lease's owner holds the step's lease (whatever its end), and not
     * for another attempt ({@link StepLease#admits}).
     */
    private void requireHolding(StepLease lease) {
        if (leasesOfRun(lease.runId()).stream().noneMatch(held -> held.step().equals(lease.step())
                && held.admits(lease))) {
            throw lease.notHeld();
        }
    }

    /**
     * Leases that ran out, oldest first: steps whose instance stopped renewing them, which the engine
     * hands to another instance.
     *
     * @param now the current time
     * @param limit the most leases returned
     * @return leases that expired at or before {@code now}, at most {@code limit}
     */
    List<StepLease> expiredLeases(Instant now, int limit);

    /**
     * The leases of a run's steps, those that ran out included: who executes which step, and until
     * when it has renewed its claim. Read when an operator asks what a run waits for.
     *
     * @param runId the run
     * @return its steps' leases; empty if no step of it holds one
     */
    List<StepLease> leasesOfRun(String runId);

    /**
     * The leases of every owner whose id starts with {@code ownerPrefix}, those that ran out included,
     * least recently taken or renewed first: those without a renewal time first, then by
     * {@link StepLease#renewedAt()}, each group by end. The engine reads those of the earlier starts of
     * its own instance id (owners {@code <instance id>@<start token>}) when it starts, to take over the
     * ones that start no longer renews; its own, renewed since, come last.
     *
     * <p>The default reads every lease (through {@link #expiredLeases} with a time after every end) and
     * picks them out; a store that holds many leases should answer with a query on the owner.
     *
     * @param ownerPrefix the start of the owners' ids, taken literally (no wildcards)
     * @param limit the most leases returned
     * @return those leases, at most {@code limit}
     * @since 0.2
     */
    default List<StepLease> leasesOfOwners(String ownerPrefix, int limit) {
        Objects.requireNonNull(ownerPrefix, "ownerPrefix");
        // The last day SQL timestamps hold: after the end of every lease.
        return expiredLeases(Instant.parse("9999-12-31T00:00:00Z"), Integer.MAX_VALUE).stream()
                .filter(lease -> lease.owner().startsWith(ownerPrefix))
                .sorted(Comparator.comparing((StepLease lease) -> lease.renewedAt().orElse(Instant.MIN))
                        .thenComparing(StepLease::expiresAt).thenComparing(StepLease::runId)
                        .thenComparing(StepLease::step))
                .limit(limit).toList();
    }

    /**
     * Records that a queue is paused, or no longer is, for every instance and across restarts: the
     * engine applies the record to its queue adapter when it starts and about a second after a
     * change. Repeating a call changes nothing. The default keeps nothing, for a store that cannot:
     * a pause then holds on the instance that was asked only, until it restarts.
     *
     * @param queue queue name
     * @param paused whether the queue is paused from now on
     * @since 0.1
     */
    default void setQueuePaused(String queue, boolean paused) {
    }

    /**
     * The queues recorded paused ({@link #setQueuePaused}); the default: none.
     *
     * @return names of the paused queues; empty if none is paused
     */
    default Set<String> pausedQueues() {
        return Set.of();
    }

    /**
     * Records a queue's pause as {@link #setQueuePaused(String, boolean)} does, keeping who paused it, when and why
     * ({@link #queuePauseChanges}) until it is resumed. Pausing a queue recorded paused already keeps the first
     * pause's change: the second changed nothing. The default records the pause alone, for a store written before
     * it: who paused a queue is then unknown.
     *
     * @param queue queue name
     * @param paused whether the queue is paused from now on
     * @param change who asked, when and why
     * @since 0.2
     */
    default void setQueuePaused(String queue, boolean paused, QueueChange change) {
        Objects.requireNonNull(change, "change");
        setQueuePaused(queue, paused);
    }

    /**
     * Who paused each queue recorded paused, when and why ({@link #setQueuePaused(String, boolean, QueueChange)}).
     * A paused queue missing here was paused without a change kept (by a store written before it, or through
     * {@link #setQueuePaused(String, boolean)}): who paused it is unknown. The default: none known.
     *
     * @return the changes by queue name
     * @since 0.2
     */
    default Map<String, QueueChange> queuePauseChanges() {
        return Map.of();
    }

    /**
     * Whether the store keeps who paused a queue or set its workers, when and why
     * ({@link #queuePauseChanges}, {@link #queueWorkersChanges}). The default, for a store written before it:
     * {@code false}, and the console, the REST API and the health report say who did it is unknown.
     *
     * @return {@code true} for a store that keeps them (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsQueueChanges() {
        return false;
    }

    /**
     * Records the workers each instance runs for a queue, replacing their configured concurrency
     * ({@code nvent.queue.<name>.concurrency}), or removes the record (empty) so that each goes back
     * to its own: for every instance and across restarts, as {@link #setQueuePaused} does a pause.
     * The engine applies it to its queue adapter when it starts and within a few seconds of a change.
     * Repeating a call changes nothing.
     *
     * <p>The default keeps nothing: it throws for a record and accepts a removal.
     *
     * @param queue queue name
     * @param workers workers per instance from now on (&ge; 0), or empty to remove the record
     * @throws UnsupportedOperationException if the store cannot keep it
     * @since 0.2
     */
    default void setQueueWorkers(String queue, OptionalInt workers) {
        if (workers.isPresent()) {
            throw new UnsupportedOperationException("NVENT-1104 scheduling store " + getClass().getName()
                    + " keeps no workers of a queue set at run time; change nvent.queue." + queue
                    + ".concurrency and restart instead");
        }
    }

    /**
     * The workers per instance recorded for queues ({@link #setQueueWorkers}); the default: none.
     *
     * @return workers by queue name; empty if none is recorded
     * @since 0.2
     */
    default Map<String, Integer> queueWorkers() {
        return Map.of();
    }

    /**
     * Records a queue's workers as {@link #setQueueWorkers(String, OptionalInt)} does, keeping who set them, when
     * and why ({@link #queueWorkersChanges}); a later record replaces it, a removal removes it. The default records
     * the workers alone, for a store written before it: who set them is then unknown.
     *
     * @param queue queue name
     * @param workers workers per instance from now on (&ge; 0), or empty to remove the record
     * @param change who asked, when and why
     * @throws UnsupportedOperationException if the store cannot keep it
     * @since 0.2
     */
    default void setQueueWorkers(String queue, OptionalInt workers, QueueChange change) {
        Objects.requireNonNull(change, "change");
        setQueueWorkers(queue, workers);
    }

    /**
     * Who set the workers recorded for each queue, when and why
     * ({@link #setQueueWorkers(String, OptionalInt, QueueChange)}); a queue with workers recorded but missing here:
     * unknown. The default: none known.
     *
     * @return the changes by queue name
     * @since 0.2
     */
    default Map<String, QueueChange> queueWorkersChanges() {
        return Map.of();
    }

    /**
     * Whether this store keeps the starts of rate-limited queues for every instance sharing it
     * ({@link #takeRateLimitedStart}), so that a queue's {@link RateLimit} holds across the cluster.
     * The default: no; each instance then keeps its queues' limits on its own.
     *
     * @return {@code true} if {@link #takeRateLimitedStart} and its siblings are implemented
     * @since 0.1
     */
    default boolean sharesRateLimits() {
        return false;
    }

    /**
     * Records the start of an attempt of a queue (or of one group of its steps) if the rate limit
     * allows one now, counting the starts every instance recorded for the same {@link RateLimitGroup}:
     * no more than {@code limit.max()} are ever recorded within any span of {@code limit.per()}.
     * Atomic across instances; the caller starts the attempt only when a start was recorded, and
     * otherwise asks again after the duration returned.
     *
     * <p>The store reads the time from {@code clock} once it holds whatever makes the decision
     * atomic (a lock, a monitor): read before, a wait for the lock would record the start earlier
     * than it happens, and a later start would be allowed too early. Times are the callers' clocks,
     * as for leases: instances must agree on the time to within a small part of the span.
     *
     * @param starts whose starts count together: a queue's, or one group's of it
     * @param limit the limit; starts older than its span no longer count
     * @param clock the caller's clock, read for the time of the start
     * @return zero if the start was recorded; otherwise how long until a start may be recorded (more
     *     than zero), and nothing was recorded
     * @throws UnsupportedOperationException if the store does not {@linkplain #sharesRateLimits share rate limits}
     * @since 0.1
     */
    default Duration takeRateLimitedStart(RateLimitGroup starts, RateLimit limit, Clock clock) {
        throw new UnsupportedOperationException("NVENT-0244 scheduling store " + getClass().getName()
                + " keeps no rate limits for the cluster (queue " + starts + ")");
    }

    /**
     * How long from {@code now} until {@link #takeRateLimitedStart} would record a start of the same
     * group: zero if it would now. Records nothing; read when an operator asks what a step waits for.
     *
     * @param starts whose starts count together
     * @param limit the limit
     * @param now the current time
     * @return zero if a start would be recorded now; otherwise how long until one would
     * @throws UnsupportedOperationException if the store does not {@linkplain #sharesRateLimits share rate limits}
     * @since 0.1
     */
    default Duration untilRateLimitAllows(RateLimitGroup starts, RateLimit limit, Instant now) {
        throw new UnsupportedOperationException("NVENT-0244 scheduling store " + getClass().getName()
                + " keeps no rate limits for the cluster (queue " + starts + ")");
    }

    /**
     * Books when a step that the limit refused should come back: at {@code allowedAt}, or one
     * start's share of the span ({@code per / max}) after the latest time booked for the same group
     * if that is later. Steps refused on every instance thus come back spread at the limit's rate
     * instead of all at once, each to be refused again but one. A booking records no start: the step
     * takes its start when it comes back. Atomic across instances, like {@link #takeRateLimitedStart}.
     *
     * @param allowedAt when the limit expects to allow the group's next start
     * @param starts whose starts count together
     * @param limit the limit
     * @return the time booked, not before {@code allowedAt}
     * @throws UnsupportedOperationException if the store does not {@linkplain #sharesRateLimits share rate limits}
     * @since 0.1
     */
    default Instant bookRateLimitedReturn(RateLimitGroup starts, RateLimit limit, Instant allowedAt) {
        throw new UnsupportedOperationException("NVENT-0244 scheduling store " + getClass().getName()
                + " keeps no rate limits for the cluster (queue " + starts + ")");
    }

    /**
     * The groups of a queue with the most starts recorded after {@code since}, most first (ties by
     * group), at most {@code most} of them; the whole queue's starts count as the group {@code ""}.
     * Read when an operator asks which groups the limit holds back.
     *
     * @param queue queue name
     * @param since starts recorded at or before this time do not count
     * @param most the most groups returned
     * @return the busiest groups with their starts; empty if none started since then
     * @throws UnsupportedOperationException if the store does not {@linkplain #sharesRateLimits share rate limits}
     * @since 0.1
     */
    default List<RateLimitGroupStarts> busiestRateLimitGroups(String queue, Instant since, int most) {
        throw new UnsupportedOperationException("NVENT-0244 scheduling store " + getClass().getName()
                + " keeps no rate limits for the cluster (queue " + queue + ")");
    }

    /**
     * Forgets the starts of every {@link RateLimitGroup} none of whose starts (nor bookings, see
     * {@link #bookRateLimitedReturn}) is later than {@code before}, and the group with them: a limit per group (one per customer, say) would
     * otherwise keep every group that ever started a step. The engine passes a time older than any
     * limit's span, so that what it forgets no longer counts. The default: nothing to forget.
     *
     * @param before groups with no start or booking later than this are forgotten
     * @return the groups forgotten
     * @since 0.1
     */
    default int forgetIdleRateLimitGroups(Instant before) {
        return 0;
    }

    /**
     * Settles who holds a concurrency key ({@link io.nvent.StartOptions#concurrencyKey()}), atomically
     * across instances: the run holding the key keeps it while it is under way (running, awaiting or
     * stalled), and while a step of it holds a lease ({@link #leasesOfRun}) that runs out after {@code now}:
     * a holder canceled while a step runs keeps the key until that step has ended. Once it has ended (completed, failed, canceled) or is gone (deleted), or when no run
     * holds the key, the run that has waited longest for it gets it: the oldest
     * {@linkplain io.nvent.AwaitStatus#WAITING waiting} await of type
     * {@link io.nvent.AwaitType#CONCURRENCY_KEY} whose {@link AwaitRecord#event()} is the key and
     * whose run is under way (by {@link AwaitRecord#registeredAt()}, and of awaits registered at one instant, the
     * one whose {@link AwaitRecord#awaitId()} sorts first, as {@link String#compareTo} and a database's
     * {@code order by} on the id's column do for ids of one length and alphabet: the engine makes these ids sort
     * in the order they were made, since 0.2). If none
     * waits, the key is free. Concurrent calls for one key, on any instance, are serialised: of two
     * racing settles one decides, and the other sees its decision. Repeating a call changes nothing.
     *
     * <p>The store only decides who holds the key; the engine then lets the holder go on, closing its
     * await ({@link #closeAwait}, which only one caller wins). A store keeps a row (entry) for a key only while a
     * run holds it: a settle that frees the key removes it, so that keys used once (one per order, say) do not pile
     * up, and must then not lose a run that settles the key at the same moment.
     *
     * <p>The default, for a store written for nvent 0.1, cannot: it throws an
     * {@link io.nvent.UnsupportedByAdapterException} ({@value #CONCURRENCY_KEYS_UNSUPPORTED}) that names the store,
     * and a start with a concurrency key fails with it.
     *
     * @param runs the store of the runs, to tell whether a holder or a waiter is under way
     * @param key the concurrency key, as its starter gave it
     * @param now the current time, kept as when the holder got the key
     * @return the run holding the key after the call; empty if the key is free
     * @throws io.nvent.UnsupportedByAdapterException if the store cannot hold concurrency keys (the default)
     * @since 0.2
     */
    default Optional<String> settleConcurrencyKey(FlowStore runs, String key, Instant now) {
        throw new io.nvent.UnsupportedByAdapterException(CONCURRENCY_KEYS_UNSUPPORTED + " scheduling store "
                + getClass().getName() + " cannot hold concurrency keys: it implements SchedulingStore as it was"
                + " before nvent 0.2; start the run without StartOptions.concurrencyKey, or use a store of nvent 0.2"
                + " (the memory or the JPA store)", new UnsupportedOperationException("settleConcurrencyKey"));
    }

    /**
     * The message id the refusal of {@link #settleConcurrencyKey}'s default begins with.
     *
     * @since 0.2
     */
    String CONCURRENCY_KEYS_UNSUPPORTED = "NVENT-0265";

    /**
     * The run holding a concurrency key as the store last settled it ({@link #settleConcurrencyKey}), without
     * changing anything: the run may have ended since. The default, for a store that holds no keys: none.
     *
     * @param key the concurrency key
     * @return the run holding it; empty if the key is free or unknown
     * @since 0.2
     */
    default Optional<String> concurrencyKeyHolder(String key) {
        return Optional.empty();
    }

    /**
     * The runs holding concurrency keys, as {@link #concurrencyKeyHolder} answers for each, in one read where the
     * store can (an operator's list of awaits names the holder of each key waited for). The default asks
     * {@link #concurrencyKeyHolder} for each key.
     *
     * @param keys the concurrency keys
     * @return the holder of each key held; a free or unknown key is not in it
     * @since 0.2
     */
    default Map<String, String> concurrencyKeyHolders(Collection<String> keys) {
        Map<String, String> holders = new HashMap<>();
        for (String key : keys) {
            concurrencyKeyHolder(key).ifPresent(holder -> holders.put(key, holder));
        }
        return holders;
    }

    /**
     * Settles who holds a concurrency key that more than one run may hold at a time
     * ({@link io.nvent.StartOptions#concurrencyLimit()}), as {@link #settleConcurrencyKey} does for one: a holder keeps
     * its place while it is under way or a step of it holds a lease that runs out after {@code now}; the places of
     * the others are free. Then, while the line has a run waiting (its oldest waiting await of type
     * {@link io.nvent.AwaitType#CONCURRENCY_KEY} for the key whose run is under way, in the order
     * {@link #settleConcurrencyKey} names) and fewer runs hold the key than the smallest
     * {@link AwaitRecord#concurrencyLimit()} among the run at the head of the line and the holders (each holder's as
     * its await for the key carried it when it got the key), that run gets the key: each run's limit is respected
     * both ways. The head of the line blocks the runs behind it: a run of limit 1 waits until no run holds the key,
     * and a run of a higher limit behind it waits with it, then until the run of limit 1 ended; a run of limit 2
     * waits while a run of limit 1 holds the key. Concurrent calls for one key, on any instance, are serialised, so
     * that the key never has more holders than their limits let in; repeating a call changes nothing. The store keeps an entry for a key only while a run holds it,
     * as {@link #settleConcurrencyKey} does.
     *
     * <p>{@link #settleConcurrencyKey} of a store that overrides this returns the first of these holders (the one that
     * got the key first). The default, for a store that lets one run at a time hold a key (one written before this
     * method), returns what {@link #settleConcurrencyKey} returns, as a list: such a store never gets a run of a
     * higher limit ({@link #requireConcurrencyLimit}).
     *
     * @param runs the store of the runs, to tell whether a holder or a waiter is under way
     * @param key the concurrency key, as its starter gave it
     * @param now the current time, kept as when a holder got the key
     * @return the runs holding the key after the call, the one that got it first first; empty if the key is free
     * @throws io.nvent.UnsupportedByAdapterException if the store cannot hold concurrency keys at all
     * @since 0.2
     */
    default List<String> settleConcurrencyKeyHolders(FlowStore runs, String key, Instant now) {
        return settleConcurrencyKey(runs, key, now).stream().toList();
    }

    /**
     * The runs holding a concurrency key as the store last settled it ({@link #settleConcurrencyKeyHolders}), without
     * changing anything: they may have ended since. The default asks {@link #concurrencyKeyHolder}.
     *
     * @param key the concurrency key
     * @return the runs holding it, the one that got it first first; empty if the key is free or unknown
     * @since 0.2
     */
    default List<String> concurrencyKeyHolderList(String key) {
        return concurrencyKeyHolder(key).stream().toList();
    }

    /**
     * The runs holding concurrency keys, as {@link #concurrencyKeyHolderList} answers for each, in one read where the
     * store can (an operator's list of awaits names the holders of each key waited for). The default asks
     * {@link #concurrencyKeyHolders}, which names one holder per key.
     *
     * @param keys the concurrency keys
     * @return the holders of each key held, the one that got it first first; a free or unknown key is not in it
     * @since 0.2
     */
    default Map<String, List<String>> concurrencyKeyHolderLists(Collection<String> keys) {
        Map<String, List<String>> holders = new HashMap<>();
        concurrencyKeyHolders(keys).forEach((key, holder) -> holders.put(key, List.of(holder)));
        return holders;
    }

    /**
     * Settles a concurrency key as {@link #settleConcurrencyKeyHolders} does and, in the same serialised turn, admits a
     * run's claim to the key's line: the run's awaits of type {@link io.nvent.AwaitType#CONCURRENCY_KEY} for the key
     * (waiting or not) are marked admitted, after every claim of the key the store admitted before, once (a second
     * claim of the run keeps its first place). Concurrent claims and settles of one key, on any instance, are
     * serialised, so that of two racing claims the second sees the first and the first never sees the second: the
     * order of the claims is the store's, not the instances' clocks' ({@link AwaitRecord#registeredAt()} is each
     * instance's), which is what lets a trigger's overlap policy keep one fire's run waiting
     * ({@link io.nvent.Overlap#BUFFER_ONE}), or let the later of racing fires cancel the earlier's run
     * ({@link io.nvent.Overlap#CANCEL_OTHER}), whatever the instances' clocks say.
     *
     * <p>Only a store whose {@link #keepsConcurrencyKeyClaims()} is {@code true} is asked. The default, for a store
     * written before this method, throws an {@link io.nvent.UnsupportedByAdapterException}: the engine then decides as
     * before, by the awaits' {@link AwaitRecord#registeredAt()}.
     *
     * @param runs the store of the runs, to tell whether a holder or a waiter is under way
     * @param key the concurrency key
     * @param runId the run whose claim is admitted; its await for the key is stored already
     * @param now the current time, kept as when a holder got the key
     * @return the key's holders after the settle, and the runs admitted before the run that still wait for the key
     *     (their await for it waiting) or hold it
     * @throws io.nvent.UnsupportedByAdapterException if the store keeps no order of claims (the default)
     * @since 0.2
     */
    default ConcurrencyKeyClaim claimConcurrencyKeyLine(FlowStore runs, String key, String runId, Instant now) {
        throw new io.nvent.UnsupportedByAdapterException("scheduling store " + getClass().getName() + " keeps no"
                + " order of the claims to a concurrency key's line (SchedulingStore.keepsConcurrencyKeyClaims() is"
                + " false)", new UnsupportedOperationException("claimConcurrencyKeyLine"));
    }

    /**
     * Whether the store admits claims to a concurrency key's line one after the other
     * ({@link #claimConcurrencyKeyLine}). The default, for a store written before that method: {@code false}, and the
     * engine tells which of the racing fires of a trigger with overlap {@link io.nvent.Overlap#BUFFER_ONE} (or of
     * {@link io.nvent.Overlap#SKIP} beside a canceled run whose step still runs) began waiting first by their awaits'
     * {@link AwaitRecord#registeredAt()}, each from its own instance's clock, and does not let the later of racing
     * {@link io.nvent.Overlap#CANCEL_OTHER} fires cancel the earlier's run.
     *
     * @return {@code true} for a store that implements {@link #claimConcurrencyKeyLine} (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsConcurrencyKeyClaims() {
        return false;
    }

    /**
     * Whether the store lets more than one run hold a concurrency key ({@link #settleConcurrencyKeyHolders} and the
     * {@link AwaitRecord#concurrencyLimit()} of the awaits it keeps). The default, for a store written before
     * concurrency limits: {@code false}.
     *
     * @return whether runs of a {@link io.nvent.StartOptions#concurrencyLimit()} above 1 may start with this store
     * @since 0.2
     */
    default boolean holdsConcurrencyLimits() {
        return false;
    }

    /**
     * Refuses a concurrency limit the store cannot keep, before a run with it is created: one above 1 where
     * {@link #holdsConcurrencyLimits()} is {@code false}, which would let one run at a time hold the key.
     *
     * @param limit the run's {@link io.nvent.StartOptions#concurrencyLimit()}
     * @throws io.nvent.UnsupportedByAdapterException ({@value #CONCURRENCY_LIMITS_UNSUPPORTED}) naming the store, if it
     *     cannot keep the limit
     * @since 0.2
     */
    default void requireConcurrencyLimit(int limit) {
        if (limit > 1 && !holdsConcurrencyLimits()) {
            throw new io.nvent.UnsupportedByAdapterException(CONCURRENCY_LIMITS_UNSUPPORTED + " scheduling store "
                    + getClass().getName() + " lets one run at a time hold a concurrency key: it cannot keep the"
                    + " concurrency limit " + limit + "; start the run with limit 1, or use a store that overrides"
                    + " SchedulingStore.holdsConcurrencyLimits (the memory or the JPA store)",
                    new UnsupportedOperationException("settleConcurrencyKeyHolders"));
        }
    }

    /**
     * Whether the store keeps a trigger's {@link io.nvent.TriggerSpec#labels()} with the rest of its
     * {@link TriggerRecord#spec()}. The default, for a store written for nvent 0.1, which stores the components it
     * knows and would hand the trigger back without its labels: {@code false}, and the engine refuses a trigger with
     * labels created or changed at run time rather than let its runs go unlabelled (it warns of a declared one).
     *
     * @return {@code true} for a store that keeps them (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsTriggerLabels() {
        return false;
    }

    /**
     * Whether the store keeps a trigger's {@link io.nvent.TriggerSpec#runTimeout()} with the rest of its
     * {@link TriggerRecord#spec()}. The default, for a store written for nvent 0.1, which would hand the trigger back
     * without it: {@code false}, and the engine refuses a trigger with a run timeout created or changed at run time
     * rather than let its runs go without their deadline (it warns of a declared one).
     *
     * @return {@code true} for a store that keeps it (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsTriggerRunTimeouts() {
        return false;
    }

    /**
     * Whether the store keeps a trigger's {@link io.nvent.TriggerSpec#overlap()} with the rest of its
     * {@link TriggerRecord#spec()}. The default, for a store written for nvent 0.1, which would hand the trigger back
     * without it (as {@link io.nvent.Overlap#ALLOW_ALL}): {@code false}, and the engine refuses a trigger with another
     * policy created or changed at run time rather than let its runs overlap (it warns of a declared one).
     *
     * @return {@code true} for a store that keeps it (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsTriggerOverlap() {
        return false;
    }

    /**
     * Whether the store keeps a trigger's {@link io.nvent.TriggerSpec#exclude()} rules with the rest of its
     * {@link TriggerRecord#spec()}. The default, for a store written for nvent 0.1, which would hand the trigger back
     * without them (firing at every tick): {@code false}, and the engine refuses a trigger with exclusions created or
     * changed at run time rather than let it fire on a holiday (it warns of a declared one).
     *
     * @return {@code true} for a store that keeps them (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsTriggerExclusions() {
        return false;
    }

    /**
     * Whether the store keeps the pending runs of debounced triggers ({@link io.nvent.TriggerSpec#debounce()}): a slot
     * per trigger, flow and key naming the one run that waits for the key's burst to end, and its latest payload. The
     * default, for a store written before 0.2: {@code false}, and the engine refuses a debounced trigger created or
     * changed at run time and warns of a declared one, whose fires then start a run each.
     *
     * @return {@code true} for a store that keeps them (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsTriggerDebounce() {
        return false;
    }

    /**
     * Opens the slot of a debounced trigger's key for its pending run, unless the slot is open: the store's key of
     * the slot decides between instances opening it at once, as the key of an idempotent start does.
     *
     * @param slot the trigger, flow and key, as the engine writes them
     * @param runId the pending run the slot names
     * @param payloadJson the fire's payload, the run's input once it starts
     * @param at when the key's first fire came
     * @param dueAt when the run starts
     * @return {@code true} if this call opened it; {@code false} if it was open (another fire's), changing nothing
     * @throws UnsupportedOperationException by default ({@link #keepsTriggerDebounce()} is {@code false})
     * @since 0.2
     */
    default boolean openDebounce(String slot, String runId, String payloadJson, Instant at, Instant dueAt) {
        throw new UnsupportedOperationException("this store keeps no debounced triggers (keepsTriggerDebounce)");
    }

    /**
     * Folds a fire into the open slot, in one atomic step: the slot keeps the fire's payload, counts it, and is due
     * at {@code now + window}, but not later than its first fire plus {@code max}.
     *
     * @param slot the trigger, flow and key, as the engine writes them
     * @param payloadJson the fire's payload
     * @param now when the fire came
     * @param window the trigger's debounce
     * @param max the trigger's bound; empty for none
     * @return the pending run as it is now; empty if the slot is not open (its run started, or none was opened)
     * @throws UnsupportedOperationException by default ({@link #keepsTriggerDebounce()} is {@code false})
     * @since 0.2
     */
    default Optional<DebouncedFire> foldDebounce(String slot, String payloadJson, Instant now, Duration window,
                                                 Optional<Duration> max) {
        throw new UnsupportedOperationException("this store keeps no debounced triggers (keepsTriggerDebounce)");
    }

    /**
     * Closes the slot naming the run, as the run starts, in one atomic step with the folds: a fold before it is in the
     * payload returned, a fold after it finds no slot (and opens a new pending run).
     *
     * @param runId the run starting
     * @return the latest payload folded into its slot; empty if no slot names it (the default: a store that keeps none)
     * @since 0.2
     */
    default Optional<String> takeDebounced(String runId) {
        return Optional.empty();
    }

    /**
     * Whether the store keeps the batches of batching triggers ({@link io.nvent.TriggerSpec#batch()}): the debounce's
     * slot per trigger, flow and key ({@link #openDebounce}, {@link #takeDebounced}), whose payload is a JSON array the
     * fires append to ({@link #appendBatch}). The default, for a store written before it: {@code false}, and the engine
     * refuses a batching trigger created or changed at run time and warns of a declared one, whose fires then start a
     * run each.
     *
     * @return {@code true} for a store that keeps them (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsTriggerBatches() {
        return false;
    }

    /**
     * Appends a fire's payload to the JSON array of the open slot ({@link #openDebounce}, opened with a one-payload
     * array), in one atomic step with the other appends and the run's {@link #takeDebounced}: the array gets
     * {@code ,payloadJson} before its closing bracket and the slot counts it. A fire whose key ({@code fireKey}, a
     * sender's retry) was appended to the batch before is not appended again ({@code appended} and {@code closed} both
     * {@code false}). If the array would grow past {@code maxBytes} bytes of UTF-8, the payload is not appended. A batch
     * that reached {@code max} payloads, or refused one as too large, is closed: the slot's key is free for the next
     * fire's {@link #openDebounce}, while {@link #takeDebounced} of its run still gives its array.
     *
     * @param slot the trigger, flow and key, as the engine writes them
     * @param payloadJson the fire's payload
     * @param fireKey the fire's idempotency key, kept with the batch; empty for none
     * @param max the trigger's batch size
     * @param maxBytes the longest the slot's array may grow, in bytes of UTF-8
     * @return the batch as it is now; empty if the slot is not open (its run started or its batch closed, or none was
     *     opened)
     * @throws UnsupportedOperationException by default ({@link #keepsTriggerBatches()} is {@code false})
     * @since 0.2
     */
    default Optional<BatchedFire> appendBatch(String slot, String payloadJson, Optional<String> fireKey, int max,
                                              long maxBytes) {
        throw new UnsupportedOperationException("this store keeps no batching triggers (keepsTriggerBatches)");
    }

    /**
     * The slot naming the run, open or closed ({@link #openDebounce}, {@link #appendBatch}), as it is now: read by the
     * instance that opened it once the run is stored, so that the fires folded into or appended to it meanwhile (their
     * instance found no run to update) still move its start or fill its batch.
     *
     * @param runId the pending run
     * @return its slot; empty if none names it (taken as the run started), or by default (a store that keeps none)
     * @since 0.2
     */
    default Optional<PendingSlot> debounceSlotOf(String runId) {
        return Optional.empty();
    }

    /**
     * Slots, open or closed, due before {@code dueBefore}, the earliest first: a slot whose run should have started by
     * then and still holds it names a run that was never stored (the instance that opened the slot stopped before it
     * stored the run), that has ended without taking it (an operator canceled it), or whose start failed to take it.
     * The maintenance sweep stores the first kind's run and deletes the second kind's slot. A store may leave out slots
     * it cannot give whole (written by an earlier version that kept no {@link PendingSlot#slot()}).
     *
     * @param dueBefore the time before which the slots were due
     * @param limit the most slots to return, at least 1
     * @return such slots, at most {@code limit}; by default (a store that keeps none) none
     * @since 0.2
     */
    default List<PendingSlot> overdueDebounceSlots(Instant dueBefore, int limit) {
        return List.of();
    }

    /**
     * The overdue slots of {@link #overdueDebounceSlots(Instant, int)} that come after {@code after}, in the order of
     * their due time, then their run id: the maintenance sweep looks at the next ones each time, so that slots it leaves
     * (their run is stored and waits) cannot hide the ones behind them, and starts over once a look comes back short.
     * By default it reads every overdue slot with {@link #overdueDebounceSlots(Instant, int)} (a limit of
     * {@link Integer#MAX_VALUE}), sorts them in memory and keeps those after {@code after}: correct, but each
     * maintenance sweep (every 30 s, on each instance) then reads, holds and sorts all the overdue slots to return
     * {@code limit} of them, a cost that grows with their number. A store that may hold many overdue slots should
     * answer it from an index on due time and run id instead.
     *
     * @param dueBefore the time before which the slots were due
     * @param after the slot looked at last; empty to start from the earliest
     * @param limit the most slots to return, at least 1
     * @return such slots, at most {@code limit}, by due time then run id
     * @since 0.2
     */
    default List<PendingSlot> overdueDebounceSlots(Instant dueBefore, Optional<PendingSlot> after, int limit) {
        return overdueDebounceSlots(dueBefore, Integer.MAX_VALUE).stream().sorted(PendingSlot.SWEEP_ORDER)
                .filter(slot -> after.isEmpty() || PendingSlot.SWEEP_ORDER.compare(slot, after.get()) > 0)
                .limit(limit).toList();
    }

    /**
     * Moves the time a waiting time await resolves at (a debounced run's start, put off by a fold).
     *
     * @param awaitId the await
     * @param resolveAt its new time
     * @return {@code true} if it moved; {@code false} if it is not waiting (or, by default, not kept by this store)
     * @since 0.2
     */
    default boolean moveAwait(String awaitId, Instant resolveAt) {
        return false;
    }

    /**
     * Moves the time a waiting time await resolves at, only later: to {@code resolveAt} if that is after the time it
     * holds, in one step (a compare-and-set), so that of two moves made at once (two instances folding fires into one
     * debounced run) the later time stays, whichever is written last. A debounced run's start is put off this way.
     * <p>
     * By default it reads the await ({@link #findAwait}) and, if it waits for an earlier time, moves it with
     * {@link #moveAwait}: a check then a write, not atomic, so two moves made at the same moment may leave the earlier
     * time (the run then starts up to the difference early). A store that keeps debounced triggers should override it
     * with one conditional write (SQL: {@code update … set resolve_at = ? where await_id = ? and status = 'WAITING'
     * and resolve_at < ?}).
     *
     * @param awaitId the await
     * @param resolveAt its new time
     * @return {@code true} if it moved; {@code false} if it is not waiting, already resolves at {@code resolveAt} or
     *     later, or (by default) is not kept by this store
     * @since 0.2
     */
    default boolean moveAwaitLater(String awaitId, Instant resolveAt) {
        return findAwait(awaitId).filter(await -> await.status() == AwaitStatus.WAITING)
                .filter(await -> await.resolveAt().filter(resolveAt::isAfter).isPresent())
                .map(await -> moveAwait(awaitId, resolveAt)).orElse(false);
    }

    /**
     * Whether the store moves the timeout of a waiting await ({@link #moveAwaitTimeout}): what an operator's
     * {@link io.nvent.FlowService#moveAwaitTimeout} needs. The default, for a store written before it: no, and the
     * engine refuses the move (REST {@code 501}).
     *
     * @return {@code true} for a store that moves them (the memory and the JPA store)
     * @since 0.2
     */
    default boolean movesAwaitTimeouts() {
        return false;
    }

    /**
     * Moves the timeout of a waiting await from {@code from} to {@code to}, in one step (a compare-and-set): only if it
     * still waits and still times out at {@code from} (SQL: {@code update … set timeout_at = ? where await_id = ? and
     * status = 'WAITING' and timeout_at = ?}). Of two moves made at once from the same time one wins; the other,
     * {@code false}, reads the await again. The maintenance sweep reads the timeout from the store
     * ({@link #dueAwaits}), so the await times out at {@code to} on whichever instance finds it due.
     *
     * @param awaitId the await
     * @param from the timeout it holds, as read
     * @param to its new timeout
     * @return {@code true} if it moved; {@code false} if it is gone, no longer waits, or no longer times out at
     *     {@code from}
     * @throws UnsupportedOperationException by default ({@link #movesAwaitTimeouts()} is {@code false})
     * @since 0.2
     */
    default boolean moveAwaitTimeout(String awaitId, Instant from, Instant to) {
        throw new UnsupportedOperationException("this store moves no await timeouts (movesAwaitTimeouts)");
    }

    /**
     * Closes a waiting await as {@link AwaitStatus#TIMED_OUT}, atomically, only if it still times out at
     * {@code timeoutAt} (SQL: {@code … where await_id = ? and status = 'WAITING' and timeout_at = ?}): the maintenance
     * sweep's close, so that a timeout an operator moved ({@link #moveAwaitTimeout}) after the sweep read the await
     * does not fire at the time it read. A store that moves timeouts ({@link #movesAwaitTimeouts()}) overrides it; the
     * default, for one that does not (so no timeout moves under it), is {@link #closeAwait}.
     *
     * @param awaitId the await to close
     * @param timeoutAt the timeout it held as read
     * @param at when it closed
     * @return the closed await, or empty if it was not waiting any more or its timeout moved
     * @since 0.2
     */
    default Optional<AwaitRecord> timeOutAwait(String awaitId, Instant timeoutAt, Instant at) {
        return closeAwait(awaitId, AwaitStatus.TIMED_OUT, Optional.empty(), at);
    }

    /**
     * The message id the refusal of {@link #requireConcurrencyLimit} begins with.
     *
     * @since 0.2
     */
    String CONCURRENCY_LIMITS_UNSUPPORTED = "NVENT-0272";

    /**
     * Keys the maintenance sweep should settle ({@link #settleConcurrencyKey}): those held by a run that has
     * ended or is gone and of which no step holds a lease, those the store keeps a row of that no run holds (left by
     * an earlier build that kept free keys; a store may instead delete such rows itself, many in one go, rather than
     * list them to be settled one by one: they must not take the places of the others), those no run holds while a run under way waits for them, and those whose holder still waits
     * for them (its await not yet closed). They are left so when an instance stops between a holder's
     * end and handing on its key, or between settling a key and letting its new holder go on. The sweep calls this every
     * 5 s on every instance: a store with many keys may look only at keys it marked, in the transaction of each write
     * after which a key may need settling, as needing a look, provided that it looks at every key now and then, for keys
     * that no mark names (written by a build that marks none). The default, for a store that holds no keys: none.
     *
     * @param runs the store of the runs
     * @param limit the most keys to return, at least 1
     * @return such keys, at most {@code limit}
     * @since 0.2
     */
    default List<String> unsettledConcurrencyKeys(FlowStore runs, int limit) {
        return List.of();
    }

    /**
     * Stores or replaces the record one start of an instance keeps of itself ({@link InstanceRecord}), by its
     * instance id and start token: the engine saves it at start, every few seconds from its maintenance sweep, and
     * once more, stopped, when it stops cleanly. Other starts' records are left as they are.
     *
     * <p>A store should keep the record whole, with the build it tells of ({@link InstanceRecord#storeSchema()},
     * {@link InstanceRecord#commit()}), which the instances view shows so that a rolling upgrade's old and new builds
     * show apart. One that does not (written before they were added) reads its records without them: the view then
     * says that they are not known.
     *
     * <p>The default keeps nothing ({@link #keepsInstances()} is {@code false}): an adapter written before 0.2
     * works unchanged, and the instances view says that its store keeps no instances.
     *
     * @param instance the record of this start, as of now
     * @since 0.2
     */
    default void saveInstance(InstanceRecord instance) {
    }

    /**
     * The instance records kept, the latest seen first (ties by instance id, then start token).
     *
     * <p>The default, for a store that keeps none: none.
     *
     * @param limit the most records to return, at least 1
     * @return up to {@code limit} records
     * @since 0.2
     */
    default List<InstanceRecord> instances(int limit) {
        return List.of();
    }

    /**
     * Deletes the instance records last seen before {@code seenBefore}, at most {@code limit} of them, the oldest first;
     * the maintenance sweep calls it for records of starts gone (or stopped) for a day.
     *
     * <p>The default, for a store that keeps none: deletes nothing.
     *
     * @param seenBefore records last seen before it are deleted
     * @param limit the most records to delete, at least 1
     * @return how many were deleted
     * @since 0.2
     */
    default int deleteInstancesSeenBefore(java.time.Instant seenBefore, int limit) {
        return 0;
    }

    /**
     * Whether the store keeps instance records ({@link #saveInstance}, {@link #instances}). The default, for a store
     * written before 0.2: {@code false}, and the instances view ({@code GET /api/nvent/instances}) says so instead of
     * listing none, and nothing warns of a queue no instance takes.
     *
     * @return {@code true} for a store that keeps them (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsInstances() {
        return false;
    }

    /**
     * The version of the store schema this store's build brings: the highest schema migration it ships (the JPA
     * store's {@code 43} for its V43). The engine names it in its start's log line and in this instance's
     * entry of {@code GET /api/nvent/instances}, so that an operator tells apart two builds that carry one artifact
     * version (snapshots): the version in the schema's history is that of the latest build that migrated it, the same
     * for every instance on it, an older build's too.
     *
     * @return the version; empty for a store without a versioned schema (the memory store), and by default
     * @since 0.2
     */
    default Optional<String> schemaVersion() {
        return Optional.empty();
    }

    /**
     * Whether the store keeps the {@code fire-all} catch-ups of missed ticks not done yet ({@link OwedCatchUp}). The
     * default, for a store written before it: {@code false}, and the engine keeps them in the memory of the instance
     * that began them, as before: one stopped before the store answers again forgets them, and its next start fires
     * them only if no instance fired the trigger on time meanwhile.
     *
     * @return {@code true} for a store that keeps them (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsOwedCatchUps() {
        return false;
    }

    /**
     * The catch-ups kept ({@link #replaceOwedCatchUp}), by trigger name.
     *
     * <p>The default, for a store that keeps none: none.
     *
     * @return every catch-up kept, ordered by trigger name
     * @since 0.2
     */
    default List<OwedCatchUp> owedCatchUps() {
        return List.of();
    }

    /**
     * Replaces the catch-up kept for a trigger, in one atomic step, if it is {@code expected}: of instances changing it
     * at once (its owner going on with it, another taking it over), one does. Equal means every component equal.
     *
     * <p>The default, for a store that keeps none ({@link #keepsOwedCatchUps()} is {@code false}): changes nothing.
     *
     * @param trigger the schedule trigger
     * @param expected the catch-up as the caller read or wrote it; empty: none is kept (then this inserts one)
     * @param replacement what to keep instead; empty: none (then this removes it)
     * @return whether it changed: {@code false} if another caller changed it since (or stored one first), and by
     *     default
     * @throws IllegalArgumentException if {@code expected} or {@code replacement} is another trigger's
     * @since 0.2
     */
    default boolean replaceOwedCatchUp(String trigger, Optional<OwedCatchUp> expected,
                                       Optional<OwedCatchUp> replacement) {
        return false;
    }
}
