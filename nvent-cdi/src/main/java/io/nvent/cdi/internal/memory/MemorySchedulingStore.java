package io.nvent.cdi.internal.memory;

import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.HistoryEvent;
import io.nvent.NventException;
import io.nvent.RunPosition;
import io.nvent.RunStatus;
import io.nvent.StepProgress;
import io.nvent.TriggerEvent;
import io.nvent.TriggerSpec;
import io.nvent.spi.Adapter;
import io.nvent.spi.AwaitNotSavedException;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.ConcurrencyKeyClaim;
import io.nvent.spi.AwaitlessRuns;
import io.nvent.spi.BatchedFire;
import io.nvent.spi.DebouncedFire;
import io.nvent.spi.PendingSlot;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RateLimit;
import io.nvent.spi.RateLimitGroup;
import io.nvent.spi.RateLimitGroupStarts;
import io.nvent.spi.RequestKey;
import io.nvent.spi.RunMutation;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import io.nvent.spi.StoredChange;
import io.nvent.spi.TriggerRecord;
import io.nvent.spi.RunRecord;
import io.nvent.spi.WebhookReceipt;
import io.nvent.spi.internal.AwaitlessSteps;
import io.nvent.spi.internal.PageLimits;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The zero-setup scheduling store: awaits, triggers, tick claims and leases in memory. One lock
 * guards awaits, triggers and ticks, which are rare compared with step execution; step leases,
 * taken and given up by every step, live in a concurrent map of their own, changed atomically per
 * step.
 */
@ApplicationScoped
@Adapter("memory")
public class MemorySchedulingStore implements SchedulingStore {

    private final Map<String, AwaitRecord> awaits = new LinkedHashMap<>();
    private final Map<String, String> awaitIdByToken = new HashMap<>();
    private final Map<String, TriggerRecord> triggers = new LinkedHashMap<>();
    private final Map<String, List<TriggerEvent>> triggerHistory = new HashMap<>();
    private final Set<TickClaim> claimedTicks = new HashSet<>();
    private final ConcurrentMap<String, StepLease> leases = new ConcurrentHashMap<>();
    /** The progress kept with a lease, under the lease's key; changed only in the atomic update of that lease. */
    private final ConcurrentMap<String, StepProgress> progress = new ConcurrentHashMap<>();
    /** The last heartbeat kept with a lease, by run and step; forgotten with the lease, as its progress is. */
    private final ConcurrentMap<String, Instant> heartbeats = new ConcurrentHashMap<>();
    private final Set<String> pausedQueues = ConcurrentHashMap.newKeySet();
    /** The records of the starts of instances, by instance id and start token. */
    private final ConcurrentMap<String, io.nvent.spi.InstanceRecord> instances = new ConcurrentHashMap<>();
    private final Map<String, Integer> queueWorkers = new ConcurrentHashMap<>();
    /** Guards a queue's pause or workers together with who changed them (below). */
    private final Object queueChanges = new Object();
    /** Who paused the paused queues, when and why; guarded by {@link #queueChanges}. */
    private final Map<String, io.nvent.spi.QueueChange> pauseChanges = new HashMap<>();
    /** Who set the queues' workers, when and why; guarded by {@link #queueChanges}. */
    private final Map<String, io.nvent.spi.QueueChange> workersChanges = new HashMap<>();
    private final RateLimitLedger rateLimitedStarts = new RateLimitLedger();
    /** The runs holding each concurrency key held, the one that got it first first; a free key has no entry. */
    private final Map<String, List<String>> concurrencyKeyHolders = new HashMap<>();
    /** The concurrency limit of each run holding a key, as its await for the key carried it. */
    private final Map<String, Integer> limitsOfHolders = new HashMap<>();
    /** The pending runs of debounced triggers, by trigger, flow and key ({@link #openDebounce}). */
    private final Map<String, DebounceSlot> debounceSlots = new HashMap<>();
    /** The place of each await admitted to its concurrency key's line ({@link #claimConcurrencyKeyLine}), by await id. */
    private final Map<String, Long> admittedClaims = new HashMap<>();
    /** The place the next claim admitted gets: one counter for every key, as only the order within a key counts. */
    private long nextClaim;

    @Override
    public synchronized void saveAwait(AwaitRecord await) {
        // New awaits only, as a database's insert: of two instances saving one await, the second must not undo
        // what happened to it since the first saved it.
        if (awaits.containsKey(await.awaitId())) {
            throw new IllegalStateException("NVENT-0572 await '" + await.awaitId() + "' is stored already: an await is"
                    + " saved once, when it is new");
        }
        awaits.put(await.awaitId(), await);
        awaitIdByToken.put(await.token(), await.awaitId());
    }

    /**
     * With a {@link MemoryFlowStore}, whose changes of runs then save their awaits here under this store's lock and
     * their run's ({@link #saveAwaitsOfChange}): no reader sees the one without the other.
     */
    @Override
    public boolean savesAwaitsWithRunChanges(FlowStore runs) {
        return runs instanceof MemoryFlowStore memory && memory.saveAwaitsIn(this);
    }

    /**
     * Saves the awaits of a change of their run, all or none, each as {@link #saveAwait} does; the caller holds this
     * store's lock and then the run's. One refused for its own sake refuses the change ({@link AwaitNotSavedException});
     * a failure that may pass (a subclass's store away) is thrown as it is.
     */
    synchronized void saveAwaitsOfChange(List<AwaitRecord> changed) {
        List<AwaitRecord> saved = new ArrayList<>(changed.size());
        for (AwaitRecord await : changed) {
            try {
                saveAwait(await);
            } catch (RuntimeException refused) {
                saved.forEach(this::forget);
                if (refused instanceof NventException failure && failure.isRetryable()) {
                    throw failure;
                }
                throw new AwaitNotSavedException("NVENT-0490 the change of run '" + await.runId() + "' is not stored:"
                        + " the store refuses its " + await.type().name().toLowerCase() + " await '" + await.awaitId()
                        + "' of step '" + await.step() + "' (" + refused.getMessage() + ")", await, refused);
            }
            saved.add(await);
        }
    }

    /** Removes an await saved with a change that was then refused. */
    private void forget(AwaitRecord await) {
        awaits.remove(await.awaitId());
        awaitIdByToken.remove(await.token());
    }

    @Override
    public synchronized Optional<AwaitRecord> findAwait(String awaitId) {
        return Optional.ofNullable(awaits.get(awaitId));
    }

    @Override
    public synchronized Optional<AwaitRecord> findAwaitByToken(String token) {
        return Optional.ofNullable(awaitIdByToken.get(token)).map(awaits::get);
    }

    @Override
    public synchronized Optional<AwaitRecord> closeAwait(String awaitId, AwaitStatus status, Optional<String> data,
                                                         Instant at) {
        AwaitRecord current = awaits.get(awaitId);
        if (current == null || current.status() != AwaitStatus.WAITING) {
            return Optional.empty();
        }
        AwaitRecord closed = current.closed(status, data, at);
        awaits.put(awaitId, closed);
        return Optional.of(closed);
    }

    @Override
    public synchronized Optional<AwaitRecord> timeOutAwait(String awaitId, Instant timeoutAt, Instant at) {
        AwaitRecord current = awaits.get(awaitId);
        if (current == null || !current.timeoutAt().equals(Optional.of(timeoutAt))) {
            return Optional.empty();
        }
        return closeAwait(awaitId, AwaitStatus.TIMED_OUT, Optional.empty(), at);
    }

    @Override
    public synchronized List<AwaitRecord> dueAwaits(Instant now, int limit) {
        return awaits.values().stream()
                .filter(a -> a.status() == AwaitStatus.WAITING)
                .filter(a -> a.resolveAt().map(t -> !t.isAfter(now)).orElse(false)
                        || a.timeoutAt().map(t -> !t.isAfter(now)).orElse(false))
                .sorted(Comparator.comparing(AwaitRecord::registeredAt))
                .limit(limit)
                .toList();
    }

    @Override
    public synchronized List<AwaitRecord> waitingForEvent(String event) {
        return awaits.values().stream()
                .filter(a -> a.status() == AwaitStatus.WAITING && a.event().filter(event::equals).isPresent())
                .toList();
    }

    @Override
    public synchronized List<AwaitRecord> awaitsOfRun(String runId) {
        return awaits.values().stream().filter(a -> a.runId().equals(runId))
                .sorted(Comparator.comparing(AwaitRecord::registeredAt)).toList();
    }

    @Override
    public synchronized List<AwaitRecord> listAwaits(boolean waitingOnly, int limit) {
        return awaits.values().stream().filter(a -> !waitingOnly || a.status() == AwaitStatus.WAITING)
                .sorted(Comparator.comparing(AwaitRecord::registeredAt).reversed()).limit(limit).toList();
    }

    /**
     * Reads the runs outside this store's lock (a flow store's read may wait on its run's lock), then
     * deletes the awaits of the runs found gone, waiting or closed (a run is not stored again once
     * deleted: its id is not reused).
     */
    @Override
    public int deleteAwaitsOfDeletedRuns(FlowStore runs) {
        Objects.requireNonNull(runs, "runs");
        Set<String> ofAwaits;
        synchronized (this) {
            ofAwaits = awaits.values().stream().map(AwaitRecord::runId).collect(Collectors.toSet());
        }
        Set<String> gone = ofAwaits.stream().filter(runId -> runs.findRun(runId).isEmpty())
                .collect(Collectors.toSet());
        if (gone.isEmpty()) {
            return 0;
        }
        synchronized (this) {
            int before = awaits.size();
            awaits.values().removeIf(a -> gone.contains(a.runId()));
            awaitIdByToken.values().removeIf(awaitId -> !awaits.containsKey(awaitId));
            return before - awaits.size();
        }
    }

    /**
     * Keeps the holders under way (or holding a lease), then lets the line in while fewer hold the key than the
     * smallest limit among the head of the line and the holders ({@link #settleConcurrencyKeyHolders}, which goes
     * through this method).
     */
    @Override
    public synchronized Optional<String> settleConcurrencyKey(FlowStore runs, String key, Instant now) {
        List<String> before = concurrencyKeyHolders.getOrDefault(key, List.of());
        List<String> holders = new ArrayList<>(before);
        holders.removeIf(holder -> !isUnderWay(runs, holder) && !holdsLease(holder, Optional.of(now)));
        before.stream().filter(holder -> !holders.contains(holder)).forEach(limitsOfHolders::remove);
        int smallest = smallestLimitOf(holders);
        if (holders.size() < smallest) {
            for (AwaitRecord head : lineOf(runs, key, holders)) {
                smallest = Math.min(smallest, head.concurrencyLimit());
                if (holders.size() >= smallest) {
                    break;   // the head of the line blocks the runs behind it
                }
                holders.add(head.runId());
                limitsOfHolders.put(head.runId(), head.concurrencyLimit());
            }
        }
        if (holders.isEmpty()) {
            concurrencyKeyHolders.remove(key);   // a free key keeps no entry: one per customer would pile up
        } else {
            concurrencyKeyHolders.put(key, List.copyOf(holders));
        }
        return holders.stream().findFirst();
    }

    /** The smallest limit of the holders: a key held by none has no limit of its own. */
    private int smallestLimitOf(List<String> holders) {
        return holders.stream().mapToInt(holder -> limitsOfHolders.getOrDefault(holder, 1)).min()
                .orElse(Integer.MAX_VALUE);
    }

    /**
     * The waiting awaits for the key of runs under way that do not hold it, the head of the line first: those whose
     * claims were admitted ({@link #claimConcurrencyKeyLine}) in the order admitted, then the others by when they began
     * waiting.
     */
    private List<AwaitRecord> lineOf(FlowStore runs, String key, Collection<String> holders) {
        return awaits.values().stream()
                .filter(a -> a.type() == AwaitType.CONCURRENCY_KEY && a.status() == AwaitStatus.WAITING
                        && a.event().filter(key::equals).isPresent() && !holders.contains(a.runId()))
                .sorted(Comparator.comparing((AwaitRecord a) -> admittedClaims.getOrDefault(a.awaitId(), Long.MAX_VALUE))
                        .thenComparing(AwaitRecord::registeredAt).thenComparing(AwaitRecord::awaitId))
                .filter(a -> isUnderWay(runs, a.runId()))
                .toList();
    }

    /** Settles through {@link #settleConcurrencyKey}, under this store's monitor, and reads the holders it left. */
    @Override
    public synchronized List<String> settleConcurrencyKeyHolders(FlowStore runs, String key, Instant now) {
        settleConcurrencyKey(runs, key, now);
        return concurrencyKeyHolderList(key);
    }

    /**
     * Settles the key ({@link #settleConcurrencyKeyHolders}), then admits the run's awaits for it under this store's
     * monitor: claims take turns, and each gets a place after the ones before; the holders it answers are those at its
     * admission. Places of awaits no longer stored are forgotten here.
     */
    @Override
    public ConcurrencyKeyClaim claimConcurrencyKeyLine(FlowStore runs, String key, String runId, Instant now) {
        settleConcurrencyKeyHolders(runs, key, now);
        return admitClaim(key, runId);
    }

    private synchronized ConcurrencyKeyClaim admitClaim(String key, String runId) {
        List<String> holders = concurrencyKeyHolderList(key);
        admittedClaims.keySet().retainAll(awaits.keySet());
        List<AwaitRecord> ofKey = awaits.values().stream()
                .filter(a -> a.type() == AwaitType.CONCURRENCY_KEY && a.event().filter(key::equals).isPresent())
                .toList();
        ofKey.stream().filter(a -> a.runId().equals(runId))
                .forEach(a -> admittedClaims.computeIfAbsent(a.awaitId(), id -> nextClaim++));
        Optional<Long> admitted = ofKey.stream().filter(a -> a.runId().equals(runId))
                .map(a -> admittedClaims.get(a.awaitId())).min(Long::compare);
        if (admitted.isEmpty()) {
            return new ConcurrencyKeyClaim(holders, List.of());   // no await of the run for the key: no place in line
        }
        long place = admitted.get();
        List<String> before = ofKey.stream()
                .filter(a -> !a.runId().equals(runId) && admittedClaims.getOrDefault(a.awaitId(), place) < place)
                .filter(a -> a.status() == AwaitStatus.WAITING || holders.contains(a.runId()))
                .sorted(Comparator.comparing(a -> admittedClaims.get(a.awaitId())))
                .map(AwaitRecord::runId).distinct().toList();
        return new ConcurrencyKeyClaim(holders, before);
    }

    @Override
    public boolean keepsConcurrencyKeyClaims() {
        return true;
    }

    @Override
    public boolean holdsConcurrencyLimits() {
        return true;
    }

    @Override
    public boolean keepsTriggerLabels() {
        return true;
    }

    @Override
    public boolean keepsTriggerRunTimeouts() {
        return true;
    }

    @Override
    public boolean keepsTriggerOverlap() {
        return true;
    }

    /** The latest seen first, then by instance id and start token. */
    private static final Comparator<io.nvent.spi.InstanceRecord> LATEST_SEEN_FIRST = Comparator
            .comparing(io.nvent.spi.InstanceRecord::lastSeen).reversed()
            .thenComparing(io.nvent.spi.InstanceRecord::instanceId)
            .thenComparing(io.nvent.spi.InstanceRecord::startToken);

    @Override
    public void saveInstance(io.nvent.spi.InstanceRecord instance) {
        instances.put(instance.instanceId() + "@" + instance.startToken(), instance);
    }

    @Override
    public List<io.nvent.spi.InstanceRecord> instances(int limit) {
        return instances.values().stream().sorted(LATEST_SEEN_FIRST).limit(limit).toList();
    }

    @Override
    public int deleteInstancesSeenBefore(Instant seenBefore, int limit) {
        List<io.nvent.spi.InstanceRecord> old = instances.values().stream()
                .filter(instance -> instance.lastSeen().isBefore(seenBefore))
                .sorted(LATEST_SEEN_FIRST.reversed()).limit(limit).toList();
        int deleted = 0;
        for (io.nvent.spi.InstanceRecord instance : old) {
            deleted += instances.remove(instance.instanceId() + "@" + instance.startToken(), instance) ? 1 : 0;
        }
        return deleted;
    }

    @Override
    public boolean keepsQueueChanges() {
        return true;
    }

    @Override
    public boolean keepsInstances() {
        return true;
    }

    /** The fire-all catch-ups not done yet, by trigger (sorted, as {@link #owedCatchUps} lists them). */
    private final java.util.TreeMap<String, io.nvent.spi.OwedCatchUp> owedCatchUps = new java.util.TreeMap<>();

    @Override
    public boolean keepsOwedCatchUps() {
        return true;
    }

    @Override
    public synchronized List<io.nvent.spi.OwedCatchUp> owedCatchUps() {
        return List.copyOf(owedCatchUps.values());
    }

    @Override
    public synchronized boolean replaceOwedCatchUp(String trigger, Optional<io.nvent.spi.OwedCatchUp> expected,
                                                   Optional<io.nvent.spi.OwedCatchUp> replacement) {
        io.nvent.spi.OwedCatchUp.requireOf(trigger, expected, replacement);
        if (!Objects.equals(expected.orElse(null), owedCatchUps.get(trigger))) {
            return false;
        }
        replacement.ifPresentOrElse(kept -> owedCatchUps.put(trigger, kept), () -> owedCatchUps.remove(trigger));
        return true;
    }

    @Override
    public boolean keepsTriggerExclusions() {
        return true;
    }

    @Override
    public boolean keepsTriggerDebounce() {
        return true;
    }

    @Override
    public synchronized boolean openDebounce(String slot, String runId, String payloadJson, Instant at,
                                             Instant dueAt) {
        return debounceSlots.putIfAbsent(slot, new DebounceSlot(runId, payloadJson, at, dueAt, 0, Set.of())) == null;
    }

    @Override
    public synchronized Optional<DebouncedFire> foldDebounce(String slot, String payloadJson, Instant now,
                                                             Duration window, Optional<Duration> max) {
        DebounceSlot open = debounceSlots.get(slot);
        if (open == null) {
            return Optional.empty();
        }
        Instant due = now.plus(window);
        Optional<Instant> bound = max.map(open.firstAt()::plus);
        if (bound.filter(due::isAfter).isPresent()) {
            due = bound.get();
        }
        DebounceSlot folded = new DebounceSlot(open.runId(), payloadJson, open.firstAt(), due, open.folded() + 1,
                open.fireKeys());
        debounceSlots.put(slot, folded);
        return Optional.of(new DebouncedFire(folded.runId(), folded.firstAt(), folded.dueAt(), folded.folded()));
    }

    @Override
    public boolean keepsTriggerBatches() {
        return true;
    }

    @Override
    public synchronized Optional<BatchedFire> appendBatch(String slot, String payloadJson, Optional<String> fireKey,
                                                          int max, long maxBytes) {
        DebounceSlot open = debounceSlots.get(slot);
        if (open == null) {
            return Optional.empty();
        }
        if (fireKey.filter(open.fireKeys()::contains).isPresent()) {
            return Optional.of(new BatchedFire(open.runId(), open.firstAt(), open.dueAt(), open.folded() + 1, false,
                    false));
        }
        String array = open.payload();
        String appended = array.substring(0, array.length() - 1) + ',' + payloadJson + ']';
        boolean fits = appended.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= maxBytes;
        Set<String> keys = new HashSet<>(open.fireKeys());
        fireKey.ifPresent(keys::add);
        DebounceSlot now = fits ? new DebounceSlot(open.runId(), appended, open.firstAt(), open.dueAt(),
                open.folded() + 1, Set.copyOf(keys)) : open;
        boolean closed = !fits || now.folded() + 1 >= max;
        if (closed) {
            // Kept for its run's takeDebounced under a key no fire looks for: the next fire opens a new batch.
            debounceSlots.remove(slot);
            debounceSlots.put(slot + "\u0000closed\u0000" + open.runId(), now);
        } else {
            debounceSlots.put(slot, now);
        }
        return Optional.of(new BatchedFire(now.runId(), now.firstAt(), now.dueAt(), now.folded() + 1, fits, closed));
    }

    @Override
    public synchronized Optional<String> takeDebounced(String runId) {
        for (Iterator<DebounceSlot> slots = debounceSlots.values().iterator(); slots.hasNext(); ) {
            DebounceSlot slot = slots.next();
            if (slot.runId().equals(runId)) {
                slots.remove();
                return Optional.of(slot.payload());
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized Optional<PendingSlot> debounceSlotOf(String runId) {
        return debounceSlots.entrySet().stream().filter(e -> e.getValue().runId().equals(runId)).findFirst()
                .map(MemorySchedulingStore::pendingSlot);
    }

    @Override
    public synchronized List<PendingSlot> overdueDebounceSlots(Instant dueBefore, int limit) {
        return debounceSlots.entrySet().stream().filter(e -> e.getValue().dueAt().isBefore(dueBefore))
                .sorted(Map.Entry.comparingByValue(Comparator.comparing(DebounceSlot::dueAt))).limit(limit)
                .map(MemorySchedulingStore::pendingSlot).toList();
    }

    @Override
    public synchronized List<PendingSlot> overdueDebounceSlots(Instant dueBefore, Optional<PendingSlot> after,
                                                               int limit) {
        return debounceSlots.entrySet().stream().filter(e -> e.getValue().dueAt().isBefore(dueBefore))
                .map(MemorySchedulingStore::pendingSlot).sorted(PendingSlot.SWEEP_ORDER)
                .filter(slot -> after.isEmpty() || PendingSlot.SWEEP_ORDER.compare(slot, after.get()) > 0)
                .limit(limit).toList();
    }

    private static PendingSlot pendingSlot(Map.Entry<String, DebounceSlot> entry) {
        DebounceSlot slot = entry.getValue();
        String closedMark = "\u0000closed\u0000" + slot.runId();
        boolean closed = entry.getKey().endsWith(closedMark);
        String name = closed ? entry.getKey().substring(0, entry.getKey().length() - closedMark.length()) : entry.getKey();
        return new PendingSlot(name, slot.runId(), slot.payload(), slot.firstAt(), slot.dueAt(), slot.folded(), closed);
    }

    @Override
    public synchronized boolean moveAwaitLater(String awaitId, Instant resolveAt) {
        AwaitRecord a = awaits.get(awaitId);
        return a != null && a.resolveAt().filter(resolveAt::isAfter).isPresent() && moveAwait(awaitId, resolveAt);
    }

    @Override
    public boolean movesAwaitTimeouts() {
        return true;
    }

    @Override
    public synchronized boolean moveAwaitTimeout(String awaitId, Instant from, Instant to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        AwaitRecord a = awaits.get(awaitId);
        if (a == null || a.status() != AwaitStatus.WAITING || !a.timeoutAt().equals(Optional.of(from))) {
            return false;
        }
        awaits.put(awaitId, new AwaitRecord(a.awaitId(), a.token(), a.runId(), a.flow(), a.step(), a.position(),
                a.type(), a.status(), a.registeredAt(), a.resolveAt(), Optional.of(to), a.timeoutAction(),
                a.event(), a.filterValue(), a.held(), a.data(), a.closedAt(), a.concurrencyLimit()));
        return true;
    }

    @Override
    public synchronized boolean moveAwait(String awaitId, Instant resolveAt) {
        AwaitRecord a = awaits.get(awaitId);
        if (a == null || a.status() != AwaitStatus.WAITING) {
            return false;
        }
        awaits.put(awaitId, new AwaitRecord(a.awaitId(), a.token(), a.runId(), a.flow(), a.step(), a.position(),
                a.type(), a.status(), a.registeredAt(), Optional.of(resolveAt), a.timeoutAt(), a.timeoutAction(),
                a.event(), a.filterValue(), a.held(), a.data(), a.closedAt(), a.concurrencyLimit()));
        return true;
    }

    /**
     * A debounced trigger's pending run of a key, and the latest payload folded into it; or a batching trigger's, the
     * JSON array of its batch's payloads and the keys of the fires appended to it.
     */
    private record DebounceSlot(String runId, String payload, Instant firstAt, Instant dueAt, int folded,
                                Set<String> fireKeys) {
    }

    /**
     * Whether a step of the run still holds its lease (one that runs out after {@code now}; with none, any lease):
     * a holder canceled or failed while a step runs keeps its key until that step has ended.
     */
    private boolean holdsLease(String runId, Optional<Instant> now) {
        return leases.values().stream().anyMatch(l -> l.runId().equals(runId)
                && now.map(n -> l.expiresAt().isAfter(n)).orElse(true));
    }

    private static boolean isUnderWay(FlowStore runs, String runId) {
        return runs.findRun(runId).filter(run -> !run.status().isTerminal()).isPresent();
    }

    /** How many concurrency keys the store keeps an entry of (held keys only). */
    synchronized int concurrencyKeysKept() {
        return concurrencyKeyHolders.size();
    }

    @Override
    public synchronized Optional<String> concurrencyKeyHolder(String key) {
        return concurrencyKeyHolderList(key).stream().findFirst();
    }

    @Override
    public synchronized List<String> concurrencyKeyHolderList(String key) {
        return concurrencyKeyHolders.getOrDefault(key, List.of());
    }

    @Override
    public synchronized Map<String, List<String>> concurrencyKeyHolderLists(Collection<String> keys) {
        Map<String, List<String>> held = new HashMap<>();
        keys.forEach(key -> Optional.ofNullable(concurrencyKeyHolders.get(key)).ifPresent(h -> held.put(key, h)));
        return held;
    }

    /**
     * One pass over the awaiting runs of a {@link MemoryFlowStore} against a copy of the waiting awaits, taken first
     * under this store's lock; the runs are read outside it (a flow store's read may wait on its run's lock). Paired
     * with another flow store, the default's page of runs and their awaits.
     */
    @Override
    public AwaitlessRuns runsAwaitingWithoutAwait(FlowStore runs, Optional<RunPosition> after, int limit) {
        if (!(runs instanceof MemoryFlowStore memory)) {
            return SchedulingStore.super.runsAwaitingWithoutAwait(runs, after, limit);
        }
        Objects.requireNonNull(after, "after");
        PageLimits.requireAtLeastOne(limit);
        Map<String, List<AwaitRecord>> waiting;
        synchronized (this) {
            waiting = awaits.values().stream().filter(a -> a.status() == AwaitStatus.WAITING)
                    .collect(Collectors.groupingBy(AwaitRecord::runId));
        }
        List<RunRecord> found = new ArrayList<>();
        for (RunRecord run : memory.runsListedAfter(RunStatus.AWAITING, after)) {
            if (AwaitlessSteps.stepAwaitingNoAwait(run, waiting.getOrDefault(run.runId(), List.of())).isPresent()) {
                found.add(run);
                if (found.size() == limit) {
                    return new AwaitlessRuns(found, Optional.of(new RunPosition(run.startedAt(), run.runId())));
                }
            }
        }
        return new AwaitlessRuns(found, Optional.empty());
    }

    /**
     * Reads the runs outside this store's lock (a flow store's read may wait on its run's lock), as
     * {@link #deleteClosedAwaitsOfDeletedRuns} does: under it, only a copy of the holders and of the awaits for keys.
     */
    @Override
    public List<String> unsettledConcurrencyKeys(FlowStore runs, int limit) {
        Objects.requireNonNull(runs, "runs");
        Map<String, List<String>> holders;
        Map<String, Integer> smallestLimits = new HashMap<>();
        List<AwaitRecord> waiting;
        synchronized (this) {
            holders = new java.util.LinkedHashMap<>(concurrencyKeyHolders);
            holders.forEach((key, ofKey) -> smallestLimits.put(key, smallestLimitOf(ofKey)));
            waiting = awaits.values().stream()
                    .filter(a -> a.type() == AwaitType.CONCURRENCY_KEY && a.status() == AwaitStatus.WAITING)
                    .sorted(Comparator.comparing(AwaitRecord::registeredAt).thenComparing(AwaitRecord::awaitId))
                    .toList();
        }
        // Each run's waits for a key, looked up once per holder: a scan of the awaits per holder cost keys x awaits.
        Set<List<String>> runsWaitingForKeys = new HashSet<>();
        waiting.forEach(a -> runsWaitingForKeys.add(List.of(a.runId(), a.event().orElseThrow())));
        Set<String> unsettled = new java.util.LinkedHashSet<>();
        holders.forEach((key, ofKey) -> {
            for (String holder : ofKey) {
                boolean holderWaits = runsWaitingForKeys.contains(List.of(holder, key));
                if (holderWaits || (!holdsLease(holder, Optional.empty()) && !isUnderWay(runs, holder))) {
                    unsettled.add(key);
                }
            }
        });
        // Waited for while the head of its line could get a place: fewer hold the key than the smallest limit among
        // the head and the holders. A run behind a head that must wait changes nothing, whatever its limit.
        Set<String> headsSeen = new HashSet<>();
        waiting.stream()
                .filter(a -> isUnderWay(runs, a.runId()))
                .filter(a -> headsSeen.add(a.event().orElseThrow()))
                .filter(head -> {
                    String key = head.event().orElseThrow();
                    return holders.getOrDefault(key, List.of()).size()
                            < Math.min(head.concurrencyLimit(), smallestLimits.getOrDefault(key, Integer.MAX_VALUE));
                })
                .forEach(head -> unsettled.add(head.event().orElseThrow()));
        return unsettled.stream().limit(limit).toList();
    }

    @Override
    public synchronized void saveTrigger(TriggerRecord trigger) {
        triggers.put(trigger.spec().name(), trigger);
    }

    /** The default's look-up and save, atomic under this store's monitor. */
    @Override
    public synchronized boolean insertTrigger(TriggerRecord trigger) {
        return SchedulingStore.super.insertTrigger(trigger);
    }

    /** The default's read, comparison and save, atomic under this store's monitor. */
    @Override
    public synchronized boolean replaceTriggerSpec(TriggerSpec expected, TriggerSpec replacement) {
        return SchedulingStore.super.replaceTriggerSpec(expected, replacement);
    }

    /** The default's read, comparison and save, atomic under this store's monitor. */
    @Override
    public synchronized boolean replaceTrigger(TriggerRecord expected, TriggerSpec replacement, boolean declared) {
        return SchedulingStore.super.replaceTrigger(expected, replacement, declared);
    }

    @Override
    public synchronized Optional<TriggerRecord> findTrigger(String name) {
        return Optional.ofNullable(triggers.get(name));
    }

    @Override
    public synchronized List<TriggerRecord> listTriggers() {
        return List.copyOf(triggers.values());
    }

    @Override
    public synchronized boolean deleteTrigger(String name) {
        triggerHistory.remove(name);
        return triggers.remove(name) != null;
    }

    @Override
    public synchronized void recordFire(String name, Instant at, int runsStarted, Optional<String> error) {
        TriggerRecord t = triggers.get(name);
        if (t != null) {
            triggers.put(name, new TriggerRecord(t.spec(), t.declared(), t.createdAt(), t.fires() + 1,
                    t.runsStarted() + runsStarted, Optional.of(at), error.isPresent() ? error : t.lastError()));
        }
    }

    @Override
    public synchronized void recordRunsStarted(String name, int runsStarted, Optional<String> error) {
        TriggerRecord t = triggers.get(name);
        if (t != null) {
            triggers.put(name, new TriggerRecord(t.spec(), t.declared(), t.createdAt(), t.fires(),
                    t.runsStarted() + runsStarted, t.lastFiredAt(), error.isPresent() ? error : t.lastError()));
        }
    }

    @Override
    public synchronized TriggerEvent appendTriggerEvent(String name, String type, Instant at, String data) {
        List<TriggerEvent> history = triggerHistory.computeIfAbsent(name, n -> new ArrayList<>());
        long seq = history.isEmpty() ? 1 : history.get(history.size() - 1).seq() + 1;
        TriggerEvent event = new TriggerEvent(name, seq, type, at, data);
        history.add(event);
        return event;
    }

    @Override
    public synchronized int trimTriggerHistory(int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("entries to keep per trigger must be at least 1, was " + keep);
        }
        int removed = 0;
        for (List<TriggerEvent> history : triggerHistory.values()) {
            int excess = Math.max(0, history.size() - keep);
            history.subList(0, excess).clear();
            removed += excess;
        }
        return removed;
    }

    @Override
    public synchronized List<TriggerEvent> triggerHistory(String name, int limit) {
        List<TriggerEvent> history = new ArrayList<>(triggerHistory.getOrDefault(name, List.of()));
        java.util.Collections.reverse(history);
        return history.stream().limit(limit).toList();
    }

    @Override
    public synchronized List<TriggerEvent> triggerHistory(String name, Set<String> types, OptionalLong before,
                                                          int limit) {
        List<TriggerEvent> history = triggerHistory.getOrDefault(name, List.of());
        List<TriggerEvent> page = new ArrayList<>();
        for (int i = history.size() - 1; i >= 0 && page.size() < limit; i--) {
            TriggerEvent entry = history.get(i);
            if ((before.isEmpty() || entry.seq() < before.getAsLong()) && (types.isEmpty() || types.contains(entry.type()))) {
                page.add(entry);
            }
        }
        return page;
    }

    @Override
    public synchronized boolean claimTick(String trigger, Instant scheduledAt) {
        return claimedTicks.add(new TickClaim(trigger, scheduledAt));
    }

    @Override
    public synchronized int purgeTickClaims(Instant before) {
        int claims = claimedTicks.size();
        claimedTicks.removeIf(claim -> claim.scheduledAt().isBefore(before));
        return claims - claimedTicks.size();
    }

    private record TickClaim(String trigger, Instant scheduledAt) {
    }

    /** Received signed webhook requests by trigger and request; expired ones are dropped as others come. */
    private final Map<WebhookRequest, WebhookReceipt> webhookRequests = new HashMap<>();

    private record WebhookRequest(String trigger, String request) {
        WebhookRequest {
            Objects.requireNonNull(trigger, "trigger");
            Objects.requireNonNull(request, "request");
        }
    }

    @Override
    public synchronized Optional<WebhookReceipt> recordWebhookRequest(WebhookReceipt receipt, Instant now) {
        Objects.requireNonNull(receipt, "receipt");
        Objects.requireNonNull(now, "now");
        webhookRequests.values().removeIf(earlier -> earlier.validUntil().isBefore(now));
        WebhookReceipt earlier = webhookRequests.putIfAbsent(new WebhookRequest(receipt.trigger(), receipt.request()),
                receipt);
        return Optional.ofNullable(earlier);
    }

    @Override
    public synchronized boolean forgetWebhookRequest(String trigger, String request) {
        return webhookRequests.remove(new WebhookRequest(trigger, request)) != null;
    }

    /** Claimed keys of emits and publishes by scope, target and key digest; expired ones go as others come. */
    private final Map<List<Object>, RequestKey> requestKeys = new HashMap<>();

    private static List<Object> keyOf(RequestKey claim) {
        return List.of(claim.scope(), claim.target(), claim.keyDigest());
    }

    @Override
    public synchronized Optional<RequestKey> claimRequestKey(RequestKey claim, Instant now) {
        Objects.requireNonNull(claim, "claim");
        Objects.requireNonNull(now, "now");
        purgeRequestKeys(now);
        return Optional.ofNullable(requestKeys.putIfAbsent(keyOf(claim), claim));
    }

    @Override
    public synchronized boolean answerRequestKey(RequestKey answered) {
        return requestKeys.computeIfPresent(keyOf(answered), (key, held) ->
                held.requestDigest().equals(answered.requestDigest()) ? answered : held) == answered;
    }

    @Override
    public synchronized boolean forgetRequestKey(RequestKey claim) {
        RequestKey held = requestKeys.get(keyOf(claim));
        return held != null && held.requestDigest().equals(claim.requestDigest())
                && requestKeys.remove(keyOf(claim), held);
    }

    @Override
    public synchronized int purgeRequestKeys(Instant now) {
        int claims = requestKeys.size();
        requestKeys.values().removeIf(claim -> !claim.expiresAt().isAfter(now));
        return claims - requestKeys.size();
    }

    @Override
    public boolean acquireLease(String runId, String step, String owner, Instant until, Instant now) {
        return acquireLease(new StepLease(runId, step, owner, until), now);
    }

    @Override
    public boolean acquireLease(StepLease wanted, Instant now) {
        StepLease result = leases.compute(wanted.runId() + ":" + wanted.step(), (key, existing) -> {
            if (heldByAnother(existing, wanted, now)) {
                return existing;
            }
            return taken(key, existing, wanted, now);
        });
        return result == wanted;
    }

    private static boolean heldByAnother(StepLease existing, StepLease wanted, Instant now) {
        return existing != null && !existing.owner().equals(wanted.owner()) && existing.expiresAt().isAfter(now);
    }

    /**
     * The lease {@code wanted} takes the place of {@code existing}, which is free to take. The progress kept goes
     * with a lease of another owner, of another attempt (a retry on the instance where its timed-out attempt still
     * runs) or one that had run out; the owner taking it again for the same attempt while it holds it (a second
     * delivery of the step's job beside the attempt running there) keeps the running attempt's.
     */
    private StepLease taken(String key, StepLease existing, StepLease wanted, Instant now) {
        if (existing == null || !existing.isHeldFor(wanted) || !existing.expiresAt().isAfter(now)) {
            progress.remove(key);
            heartbeats.remove(key);
        }
        return wanted;
    }

    /**
     * The lease decides, and the run changes, in the lease's atomic update: a start that changes nothing leaves
     * the lease as it was, the attempt it was held for and that attempt's progress too.
     */
    @Override
    public Optional<StoredChange> startStep(FlowStore runs, StepLease lease, Instant now, RunMutation mutation) {
        Objects.requireNonNull(now, "now");
        List<Optional<StoredChange>> changed = new ArrayList<>(1);
        leases.compute(lease.runId() + ":" + lease.step(), (key, existing) -> {
            if (heldByAnother(existing, lease, now)) {
                return existing;
            }
            Optional<StoredChange> change = runs.updateRun(lease.runId(), mutation);
            changed.add(change);
            return change.isPresent() ? taken(key, existing, lease, now) : existing;
        });
        return changed.isEmpty() ? Optional.empty() : changed.get(0);
    }

    @Override
    public void renewLeases(String owner, Instant until) {
        renew(owner, until, Optional.empty());
    }

    @Override
    public void renewLeases(String owner, Instant until, Instant renewedAt) {
        renew(owner, until, Optional.of(renewedAt));
    }

    private void renew(String owner, Instant until, Optional<Instant> renewedAt) {
        leases.replaceAll((key, lease) -> lease.owner().equals(owner) ? lease.renewedUntil(until, renewedAt) : lease);
    }

    @Override
    public void releaseLease(String runId, String step, String owner) {
        leases.computeIfPresent(runId + ":" + step, (key, lease) -> {
            if (!lease.owner().equals(owner)) {
                return lease;
            }
            progress.remove(key);
            heartbeats.remove(key);
            return null;
        });
    }

    /** Decided in the lease's atomic update: a lease its owner took for another attempt meanwhile stays. */
    @Override
    public boolean releaseLease(StepLease lease) {
        boolean[] released = new boolean[1];
        leases.computeIfPresent(lease.runId() + ":" + lease.step(), (key, held) -> {
            if (!held.admits(lease)) {
                return held;
            }
            progress.remove(key);
            heartbeats.remove(key);
            released[0] = true;
            return null;
        });
        return released[0];
    }

    @Override
    public boolean recordProgress(StepLease lease, StepProgress reported, Instant now) {
        Objects.requireNonNull(reported, "progress");
        Objects.requireNonNull(now, "now");
        boolean[] kept = new boolean[1];
        leases.computeIfPresent(lease.runId() + ":" + lease.step(), (key, held) -> {
            if (!held.isHeldFor(lease) || !held.expiresAt().isAfter(now)) {
                return held;
            }
            progress.put(key, reported);
            kept[0] = true;
            // A renewal of this one lease, for the attempt and execution it was taken for; one renewed further
            // meanwhile keeps its end.
            return held.expiresAt().isBefore(lease.expiresAt())
                    ? held.renewedUntil(lease.expiresAt(), lease.renewedAt()) : held;
        });
        return kept[0];
    }

    @Override
    public boolean keepsHeartbeats() {
        return true;
    }

    @Override
    public boolean recordHeartbeat(StepLease lease, Instant now) {
        Objects.requireNonNull(now, "now");
        Instant writtenAt = lease.renewedAt().filter(now::isBefore).orElse(now);
        boolean[] kept = new boolean[1];
        leases.computeIfPresent(lease.runId() + ":" + lease.step(), (key, held) -> {
            if (!held.isHeldFor(lease) || !held.expiresAt().isAfter(writtenAt)) {
                return held;
            }
            heartbeats.put(key, now);
            kept[0] = true;
            return held.expiresAt().isBefore(lease.expiresAt())
                    ? held.renewedUntil(lease.expiresAt(), lease.renewedAt()) : held;
        });
        return kept[0];
    }

    @Override
    public Map<String, Instant> heartbeatsOfRun(String runId) {
        Map<String, Instant> found = new TreeMap<>();
        for (StepLease lease : leasesOfRun(runId)) {
            Instant kept = heartbeats.get(lease.runId() + ":" + lease.step());
            if (kept != null) {
                found.put(lease.step(), kept);
            }
        }
        return found;
    }

    @Override
    public Map<String, StepProgress> progressOfRun(String runId) {
        Map<String, StepProgress> found = new TreeMap<>();
        for (StepLease lease : leasesOfRun(runId)) {
            StepProgress kept = progress.get(lease.runId() + ":" + lease.step());
            if (kept != null) {
                found.put(lease.step(), kept);
            }
        }
        return found;
    }

    /** Refused as {@link #finishStepHolding} is when the owner no longer holds the lease, in the same atomic update. */
    @Override
    public Optional<StoredChange> finishStep(FlowStore runs, StepLease lease, RunMutation mutation) {
        return finishStepHolding(runs, lease, mutation);
    }

    @Override
    public Optional<StoredChange> finishStepHolding(FlowStore runs, StepLease lease, RunMutation mutation) {
        return whileHolding(lease, true, () -> runs.updateRun(lease.runId(), mutation));
    }

    @Override
    public List<HistoryEvent> appendEventsHolding(FlowStore runs, StepLease lease, List<EventDraft> events) {
        return whileHolding(lease, false, () -> runs.appendEvents(lease.runId(), events));
    }

    @Override
    public void putStateHolding(FlowStore runs, StepLease lease, String key, String json, Optional<Instant> expiresAt) {
        whileHolding(lease, false, () -> {
            runs.putState(lease.runId(), key, json, expiresAt);
            return null;
        });
    }

    @Override
    public void deleteStateHolding(FlowStore runs, StepLease lease, String key) {
        whileHolding(lease, false, () -> {
            runs.deleteState(lease.runId(), key);
            return null;
        });
    }

    /**
     * Makes {@code write} while the lease's owner holds the step's lease, not taken for another attempt
     * ({@link StepLease#admits}), in the map's atomic update of that lease: a takeover ({@link #acquireLease})
     * waits until the write is done, and one done before makes the write refused. With {@code giveUp}, the lease goes with the write, also if it fails.
     */
    private <T> T whileHolding(StepLease lease, boolean giveUp, Supplier<T> write) {
        List<T> written = new ArrayList<>(1);
        List<RuntimeException> failed = new ArrayList<>(1);
        leases.compute(lease.runId() + ":" + lease.step(), (key, held) -> {
            if (held == null || !held.admits(lease)) {
                return held;
            }
            if (giveUp) {
                // Before the write: a reader that sees the step finished must not see its progress still
                // (progressOfRun reads without this lock, the run shows as soon as its own lock lets go).
                progress.remove(key);
                heartbeats.remove(key);
            }
            try {
                written.add(write.get());
            } catch (RuntimeException e) {
                failed.add(e);
            }
            return giveUp ? null : held;
        });
        if (!failed.isEmpty()) {
            throw failed.get(0);
        }
        if (written.isEmpty()) {
            throw lease.notHeld();
        }
        return written.get(0);
    }

    @Override
    public List<StepLease> leasesOfRun(String runId) {
        return leases.values().stream().filter(l -> l.runId().equals(runId))
                .sorted(Comparator.comparing(StepLease::step)).toList();
    }

    @Override
    public List<StepLease> expiredLeases(Instant now, int limit) {
        return leases.values().stream().filter(l -> !l.expiresAt().isAfter(now))
                .sorted(Comparator.comparing(StepLease::expiresAt)).limit(limit).toList();
    }

    @Override
    public void setQueuePaused(String queue, boolean paused) {
        Objects.requireNonNull(queue, "queue");
        synchronized (queueChanges) {
            if (paused) {
                pausedQueues.add(queue);
            } else {
                pausedQueues.remove(queue);
                pauseChanges.remove(queue);
            }
        }
    }

    @Override
    public void setQueuePaused(String queue, boolean paused, io.nvent.spi.QueueChange change) {
        Objects.requireNonNull(change, "change");
        synchronized (queueChanges) {
            if (paused && pausedQueues.add(queue)) {
                pauseChanges.put(queue, change); // a pause of a paused queue changed nothing: the first one's kept
            } else {
                setQueuePaused(queue, paused);
            }
        }
    }

    @Override
    public Set<String> pausedQueues() {
        return Set.copyOf(pausedQueues);
    }

    @Override
    public Map<String, io.nvent.spi.QueueChange> queuePauseChanges() {
        synchronized (queueChanges) {
            return Map.copyOf(pauseChanges);
        }
    }

    @Override
    public void setQueueWorkers(String queue, OptionalInt workers) {
        Objects.requireNonNull(queue, "queue");
        synchronized (queueChanges) {
            if (workers.isPresent()) {
                queueWorkers.put(queue, workers.getAsInt());
            } else {
                queueWorkers.remove(queue);
            }
            workersChanges.remove(queue);
        }
    }

    @Override
    public void setQueueWorkers(String queue, OptionalInt workers, io.nvent.spi.QueueChange change) {
        Objects.requireNonNull(change, "change");
        synchronized (queueChanges) {
            setQueueWorkers(queue, workers);
            if (workers.isPresent()) {
                workersChanges.put(queue, change);
            }
        }
    }

    @Override
    public Map<String, Integer> queueWorkers() {
        return Map.copyOf(queueWorkers);
    }

    @Override
    public Map<String, io.nvent.spi.QueueChange> queueWorkersChanges() {
        synchronized (queueChanges) {
            return Map.copyOf(workersChanges);
        }
    }

    /** Shared by the engines of one JVM that share this store (tests, embedded clusters). */
    @Override
    public boolean sharesRateLimits() {
        return true;
    }

    @Override
    public Duration takeRateLimitedStart(RateLimitGroup starts, RateLimit limit, Clock clock) {
        return rateLimitedStarts.take(starts, limit, clock);
    }

    @Override
    public Duration untilRateLimitAllows(RateLimitGroup starts, RateLimit limit, Instant now) {
        return rateLimitedStarts.untilAllows(starts, limit, now);
    }

    @Override
    public Instant bookRateLimitedReturn(RateLimitGroup starts, RateLimit limit, Instant allowedAt) {
        return rateLimitedStarts.book(starts, limit, allowedAt);
    }

    @Override
    public List<RateLimitGroupStarts> busiestRateLimitGroups(String queue, Instant since, int most) {
        return rateLimitedStarts.busiest(queue, since, most);
    }

    @Override
    public int forgetIdleRateLimitGroups(Instant before) {
        return rateLimitedStarts.forgetIdle(before);
    }
}
