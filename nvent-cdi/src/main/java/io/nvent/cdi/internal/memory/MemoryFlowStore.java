package io.nvent.cdi.internal.memory;

import io.nvent.EventQuery;
import io.nvent.FlowStats;
import io.nvent.HistoryEvent;
import io.nvent.IllegalRunTransitionException;
import io.nvent.NventException;
import io.nvent.RunNotFoundException;
import io.nvent.RunPosition;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.spi.Adapter;
import io.nvent.spi.ChildRunCounts;
import io.nvent.spi.EventDraft;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunChange;
import io.nvent.spi.RunMutation;
import io.nvent.spi.RunDeadline;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import io.nvent.spi.internal.PageLimits;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Predicate;

/**
 * The zero-setup store: everything in memory, lost on restart. Each run is guarded by its own
 * lock, so runs proceed in parallel while changes to one run are serialised.
 */
@ApplicationScoped
@Adapter("memory")
public class MemoryFlowStore implements FlowStore {

    private final Map<String, RunSlot> runs = new ConcurrentHashMap<>();
    /**
     * The slot of the run holding each idempotency key: the slot rather than the run id, so that a
     * reader finding the key waits on the slot's lock until its creator has stored the run (or given
     * up on it), instead of finding a key whose run is not there yet.
     */
    private final Map<String, RunSlot> slotsByKey = new ConcurrentHashMap<>();
    /**
     * The slots of each parent's children: a parent waiting on its children has them counted on each child's end,
     * which must not read every run the store holds.
     */
    private final Map<String, Set<RunSlot>> childrenByParent = new ConcurrentHashMap<>();
    /**
     * The runs under way with a deadline, earliest first: the sweep asks for those past it on every instance, which
     * must not read every run; a run without a deadline is never in it.
     */
    private final NavigableSet<Deadline> deadlines = new ConcurrentSkipListSet<>();
    private final Runnable betweenKeyAndRun;
    /** Where the changes of runs save their awaits ({@link #saveAwaitsIn}); {@code null} while none does. */
    private volatile MemorySchedulingStore awaits;

    /** A run under way and its deadline, ordered by the deadline. */
    private record Deadline(Instant at, String runId) implements Comparable<Deadline> {
        private static final Comparator<Deadline> ORDER = Comparator.comparing(Deadline::at)
                .thenComparing(Deadline::runId);

        /** The entry of the run, if it is under way with a deadline. */
        static Optional<Deadline> of(RunRecord run) {
            return run.status().isTerminal() ? Optional.empty()
                    : run.deadline().map(at -> new Deadline(at, run.runId()));
        }

        @Override
        public int compareTo(Deadline other) {
            return ORDER.compare(this, other);
        }
    }

    /** The store the container and the embedded engine use. */
    public MemoryFlowStore() {
        this(() -> { });
    }

    /**
     * For tests of the keyed creation: {@code betweenKeyAndRun} runs once a keyed creation holds its
     * key and before it stores its run.
     */
    MemoryFlowStore(Runnable betweenKeyAndRun) {
        this.betweenKeyAndRun = Objects.requireNonNull(betweenKeyAndRun, "betweenKeyAndRun");
    }

    private static final class RunSlot {
        final String runId;
        RunRecord run;
        final Optional<String> idempotencyKey;
        final List<HistoryEvent> events = new ArrayList<>();
        final Map<String, StateEntry> state = new HashMap<>();

        RunSlot(RunRecord run, Optional<String> idempotencyKey) {
            this.runId = run.runId();
            this.run = run;
            this.idempotencyKey = idempotencyKey;
        }

        List<HistoryEvent> append(List<EventDraft> drafts) {
            List<HistoryEvent> stored = new ArrayList<>(drafts.size());
            for (EventDraft draft : drafts) {
                HistoryEvent event = new HistoryEvent(run.runId(), events.size() + 1L, draft.type(), draft.step(),
                        draft.attempt(), draft.timestamp(), draft.data());
                events.add(event);
                stored.add(event);
            }
            return stored;
        }
    }

    private record StateEntry(String json, Optional<Instant> expiresAt) {
        boolean visibleAt(Instant now) {
            return expiresAt.map(now::isBefore).orElse(true);
        }
    }

    /** Labels live on the run records it holds. */
    @Override
    public boolean keepsLabels() {
        return true;
    }

    /** Held in memory, a run takes no part in the caller's transaction: it stays if that rolls back. */
    @Override
    public boolean joinsCallerTransaction() {
        return false;
    }

    /** Deadlines live on the run records it holds, and in {@link #deadlines} while their run is under way. */
    @Override
    public boolean keepsDeadlines() {
        return true;
    }

    @Override
    public List<RunDeadline> runsPastDeadline(Instant now, Optional<RunDeadline> after, int limit) {
        PageLimits.requireAtLeastOne(limit);
        List<RunDeadline> due = new ArrayList<>();
        for (Deadline deadline : after.map(a -> deadlines.tailSet(new Deadline(a.deadline(), a.runId()), false))
                .orElse(deadlines)) {
            if (deadline.at().isAfter(now) || due.size() == limit) {
                break;
            }
            due.add(new RunDeadline(deadline.at(), deadline.runId()));
        }
        return due;
    }

    /** Keeps {@link #deadlines} to the run as it is now stored; the caller holds the slot's lock. */
    private void indexDeadline(Optional<RunRecord> before, RunRecord after) {
        Optional<Deadline> was = before.flatMap(Deadline::of);
        Optional<Deadline> is = Deadline.of(after);
        if (!was.equals(is)) {
            was.ifPresent(deadlines::remove);
            is.ifPresent(deadlines::add);
        }
    }

    @Override
    public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events) {
        return create(run, events, Optional.empty());
    }

    @Override
    public List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events, String idempotencyKey) {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        RunSlot slot = new RunSlot(run.withVersion(0), Optional.of(idempotencyKey));
        // The key is taken under the slot's lock, which findRunByKey takes too: a start that lost the
        // key to this one and looks for the holder finds the run, not a key without it.
        synchronized (slot) {
            RunSlot holder = slotsByKey.putIfAbsent(idempotencyKey, slot);
            if (holder != null) {
                throw new NventException("NVENT-0327 run '" + run.runId() + "' not created: run '" + holder.runId
                        + "' holds its idempotency key");
            }
            try {
                betweenKeyAndRun.run();
                return store(slot, events);
            } catch (RuntimeException notCreated) {
                slotsByKey.remove(idempotencyKey, slot);
                throw notCreated;
            }
        }
    }

    private List<HistoryEvent> create(RunRecord run, List<EventDraft> events, Optional<String> idempotencyKey) {
        RunSlot slot = new RunSlot(run.withVersion(0), idempotencyKey);
        synchronized (slot) {
            return store(slot, events);
        }
    }

    /** Stores the run of a new slot with its first events; the caller holds the slot's lock. */
    private List<HistoryEvent> store(RunSlot slot, List<EventDraft> events) {
        if (runs.putIfAbsent(slot.runId, slot) != null) {
            throw new NventException("NVENT-0301 run '" + slot.runId + "' already exists");
        }
        slot.run.parentRunId().ifPresent(parent ->
                childrenByParent.computeIfAbsent(parent, p -> ConcurrentHashMap.newKeySet()).add(slot));
        if (slot.run.deadline().isPresent()) {
            indexDeadline(Optional.empty(), slot.run);
        }
        return slot.append(events);
    }

    @Override
    public Optional<RunRecord> findRunByKey(String idempotencyKey) {
        RunSlot slot = slotsByKey.get(idempotencyKey);
        if (slot == null) {
            return Optional.empty();
        }
        synchronized (slot) {
            // The slot of a creation that failed, or of a run deleted meanwhile, holds no run.
            return runs.get(slot.runId) == slot ? Optional.of(slot.run) : Optional.empty();
        }
    }

    @Override
    public Optional<RunRecord> findRun(String runId) {
        RunSlot slot = runs.get(runId);
        if (slot == null) {
            return Optional.empty();
        }
        synchronized (slot) {
            return Optional.of(slot.run);
        }
    }

    @Override
    public Optional<StoredChange> updateRun(String runId, RunMutation mutation) {
        RunSlot slot = slot(runId);
        MemorySchedulingStore awaitStore = awaits;
        synchronized (slot) {
            requireStillStored(runId, slot);
            Optional<RunChange> change = checkedChange(runId, slot, mutation);
            if (change.isEmpty()) {
                return Optional.empty();
            }
            if (awaitStore == null || change.get().awaits().isEmpty()) {
                return Optional.of(store(slot, change.get()));
            }
        }
        // A change with awaits is made again under the scheduling store's lock, taken before the run's (as that store's
        // reads of runs take them), so that no reader sees the run without its awaits or the awaits without the run.
        synchronized (awaitStore) {
            synchronized (slot) {
                requireStillStored(runId, slot);
                Optional<RunChange> change = checkedChange(runId, slot, mutation);
                if (change.isEmpty()) {
                    return Optional.empty();
                }
                awaitStore.saveAwaitsOfChange(change.get().awaits());
                return Optional.of(store(slot, change.get()));
            }
        }
    }

    /**
     * Saves the awaits of the changes of runs ({@link RunChange#awaits}) in {@code scheduling}, with the change; see
     * {@link MemorySchedulingStore#savesAwaitsWithRunChanges}. Public, so that a container's client proxy of this
     * bean passes the call on to the store itself.
     *
     * @param scheduling the scheduling store the awaits go to
     * @return whether they are saved so: not if another scheduling store took them already
     */
    public synchronized boolean saveAwaitsIn(MemorySchedulingStore scheduling) {
        if (awaits != null && awaits != scheduling) {
            return false;
        }
        awaits = scheduling;
        return true;
    }

    /** What {@code mutation} makes of the slot's run, refused if it is not a legal change; the caller holds the lock. */
    private static Optional<RunChange> checkedChange(String runId, RunSlot slot, RunMutation mutation) {
        Optional<RunChange> change = mutation.apply(slot.run);
        change.map(RunChange::updated).filter(updated -> updated.status() != slot.run.status()
                && !slot.run.status().canTransitionTo(updated.status())).ifPresent(updated -> {
                    throw new IllegalRunTransitionException(runId, slot.run.status(),
                            "become " + updated.status().wireName());
                });
        return change;
    }

    /** Stores a change of the slot's run; the caller holds the lock. */
    private StoredChange store(RunSlot slot, RunChange change) {
        RunRecord updated = change.updated();
        RunRecord before = slot.run;
        slot.run = updated.withVersion(slot.run.version() + 1);
        if (before.deadline().isPresent() || updated.deadline().isPresent()) {
            indexDeadline(Optional.of(before), slot.run);
        }
        return new StoredChange(slot.run, slot.append(change.events()));
    }

    @Override
    public List<HistoryEvent> appendEvents(String runId, List<EventDraft> events) {
        RunSlot slot = slot(runId);
        synchronized (slot) {
            requireStillStored(runId, slot);
            return slot.append(events);
        }
    }

    @Override
    public List<HistoryEvent> readEvents(String runId, EventQuery query) {
        RunSlot slot = runs.get(runId);
        if (slot == null) {
            return List.of();
        }
        List<HistoryEvent> matching;
        synchronized (slot) {
            matching = slot.events.stream().filter(query::matches).toList();
        }
        if (query.newestFirst()) {
            matching = new ArrayList<>(matching);
            java.util.Collections.reverse(matching);
        }
        return matching.size() > query.limit() ? List.copyOf(matching.subList(0, query.limit())) : matching;
    }

    @Override
    public List<RunRecord> findRuns(RunQuery query) {
        return snapshot().stream()
                .filter(r -> query.flow().map(r.flow()::equals).orElse(true))
                .filter(r -> query.status().map(s -> r.status() == s).orElse(true))
                .filter(r -> query.parentRunId().map(parent -> r.parentRunId().equals(Optional.of(parent))).orElse(true))
                .filter(r -> query.label().map(r.labels()::contains).orElse(true))
                .filter(r -> query.after().map(new RunPosition(r.startedAt(), r.runId())::isListedAfter).orElse(true))
                .sorted(Comparator.comparing(RunRecord::startedAt).thenComparing(RunRecord::runId).reversed())
                .skip(query.offset())
                .limit(query.limit())
                .toList();
    }

    @Override
    public boolean countsChildRuns() {
        return true;
    }

    @Override
    public ChildRunCounts childRunCounts(String parentRunId) {
        Objects.requireNonNull(parentRunId, "parentRunId");
        ChildRunCounts counts = ChildRunCounts.NONE;
        for (RunRecord child : childrenOf(parentRunId)) {
            counts = counts.plus(child.status(), 1);
        }
        return counts;
    }

    @Override
    public boolean hasChildRunsUnderWay(String parentRunId) {
        Objects.requireNonNull(parentRunId, "parentRunId");
        return childrenOf(parentRunId).stream().anyMatch(child -> !child.status().isTerminal());
    }

    @Override
    public boolean countsDescendantRuns() {
        return true;
    }

    @Override
    public ChildRunCounts descendantRunCounts(String rootRunId) {
        Objects.requireNonNull(rootRunId, "rootRunId");
        ChildRunCounts[] counts = {ChildRunCounts.NONE};
        anyBelow(rootRunId, FlowStore.DESCENDANT_DEPTH_LIMIT, (descendant, depth) -> {
            counts[0] = counts[0].plus(descendant.status(), 1);
            return false;
        });
        return counts[0];
    }

    @Override
    public boolean hasDescendantRunsBeyondDepthLimit(String rootRunId) {
        Objects.requireNonNull(rootRunId, "rootRunId");
        // The walk of the counts, a generation further: a run first reached there was not counted.
        return anyBelow(rootRunId, FlowStore.DESCENDANT_DEPTH_LIMIT + 1,
                (descendant, depth) -> depth > FlowStore.DESCENDANT_DEPTH_LIMIT);
    }

    @Override
    public boolean hasDescendantRunsUnderWay(String rootRunId) {
        Objects.requireNonNull(rootRunId, "rootRunId");
        return hasDescendantsUnderWay(rootRunId, FlowStore.DESCENDANT_DEPTH_LIMIT);
    }

    @Override
    public List<RunRecord> childRunsLeadingToRunsUnderWay(String parentRunId, Optional<String> afterRunId,
                                                          int limit) {
        Objects.requireNonNull(parentRunId, "parentRunId");
        Objects.requireNonNull(afterRunId, "afterRunId");
        PageLimits.requireAtLeastOne(limit);
        return childrenOf(parentRunId).stream()
                .filter(child -> afterRunId.map(after -> child.runId().compareTo(after) > 0).orElse(true))
                // A child's descendants are a generation nearer the limit than its parent's, as in the JPA store.
                .filter(child -> !child.status().isTerminal()
                        || hasDescendantsUnderWay(child.runId(), FlowStore.DESCENDANT_DEPTH_LIMIT - 1))
                .sorted(java.util.Comparator.comparing(RunRecord::runId)).limit(limit).toList();
    }

    /** Whether a run under way is below this one ({@link #anyBelow}): children outlive their parents. */
    private boolean hasDescendantsUnderWay(String runId, int generations) {
        return anyBelow(runId, generations, (descendant, depth) -> !descendant.status().isTerminal());
    }

    /**
     * Whether a run below this one is one the test accepts (given the run and its generation below, 1 for a child), asked
     * of each a generation at a time, each once, down to
     * {@code generations} ({@link FlowStore#DESCENDANT_DEPTH_LIMIT} below the run asked about): a run below itself (a cycle of parents) ends the walk
     * there instead of keeping it going for ever, and is not asked about.
     */
    private boolean anyBelow(String rootRunId, int generations,
                             java.util.function.BiPredicate<RunRecord, Integer> test) {
        Set<String> seen = new HashSet<>(List.of(rootRunId));
        List<String> generation = List.of(rootRunId);
        for (int depth = 1; depth <= generations && !generation.isEmpty(); depth++) {
            List<String> next = new ArrayList<>();
            for (String parent : generation) {
                for (RunRecord child : childrenOf(parent)) {
                    if (seen.add(child.runId())) {
                        if (test.test(child, depth)) {
                            return true;
                        }
                        next.add(child.runId());
                    }
                }
            }
            generation = next;
        }
        return false;
    }

    /** The children of a run as stored now, from the index by parent. */
    private List<RunRecord> childrenOf(String parentRunId) {
        Set<RunSlot> slots = childrenByParent.getOrDefault(parentRunId, Set.of());
        List<RunRecord> children = new ArrayList<>(slots.size());
        for (RunSlot slot : slots) {
            synchronized (slot) {
                if (runs.get(slot.runId) == slot) {
                    children.add(slot.run);
                }
            }
        }
        return children;
    }

    @Override
    public FlowStats stats(String flow) {
        FlowStats stats = FlowStats.empty(flow);
        for (RunRecord run : snapshot()) {
            if (run.flow().equals(flow)) {
                stats = stats.plus(run.status(), 1, run.startedAt(), run.endedAt());
            }
        }
        return stats;
    }

    @Override
    public Optional<String> getState(String runId, String key, Instant now) {
        RunSlot slot = runs.get(runId);
        if (slot == null) {
            return Optional.empty();
        }
        synchronized (slot) {
            StateEntry entry = slot.state.get(key);
            return entry != null && entry.visibleAt(now) ? Optional.of(entry.json()) : Optional.empty();
        }
    }

    @Override
    public void putState(String runId, String key, String json, Optional<Instant> expiresAt) {
        RunSlot slot = slot(runId);
        synchronized (slot) {
            requireStillStored(runId, slot);
            slot.state.put(key, new StateEntry(json, expiresAt));
        }
    }

    @Override
    public void deleteState(String runId, String key) {
        RunSlot slot = runs.get(runId);
        if (slot != null) {
            synchronized (slot) {
                slot.state.remove(key);
            }
        }
    }

    @Override
    public void clearState(String runId) {
        RunSlot slot = runs.get(runId);
        if (slot != null) {
            synchronized (slot) {
                slot.state.clear();
            }
        }
    }

    @Override
    public int deleteFinishedRuns(String flow) {
        return deleteFinishedRuns(flow, Integer.MAX_VALUE);
    }

    /** Each run is deleted under its own lock, so that runs under way are held up by one run at most. */
    @Override
    public int deleteFinishedRuns(String flow, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1; was " + max);
        }
        int deleted = 0;
        for (Iterator<Map.Entry<String, RunSlot>> it = runs.entrySet().iterator(); it.hasNext() && deleted < max; ) {
            Map.Entry<String, RunSlot> entry = it.next();
            if (deleteIf(entry.getKey(), entry.getValue(), run -> run.flow().equals(flow)).isPresent()) {
                deleted++;
            }
        }
        return deleted;
    }

    @Override
    public OptionalLong deleteFinishedRun(String runId, long version) {
        RunSlot slot = runs.get(Objects.requireNonNull(runId, "runId"));
        return slot == null ? OptionalLong.empty() : deleteIf(runId, slot, run -> run.version() == version);
    }

    /**
     * Deletes the run of this slot, under its lock, if it is finished and {@code doomed} accepts it,
     * and frees its idempotency key.
     *
     * @return how many history entries went with it; empty if it was kept (or deleted already)
     */
    private OptionalLong deleteIf(String runId, RunSlot slot, Predicate<RunRecord> doomed) {
        synchronized (slot) {
            if (slot.run.status().isTerminal() && doomed.test(slot.run) && runs.remove(runId, slot)) {
                slot.idempotencyKey.ifPresent(key -> slotsByKey.remove(key, slot));
                slot.run.parentRunId().ifPresent(parent -> childrenByParent.computeIfPresent(parent, (p, children) -> {
                    children.remove(slot);
                    return children.isEmpty() ? null : children;
                }));
                return OptionalLong.of(slot.events.size());
            }
        }
        return OptionalLong.empty();
    }

    @Override
    public int purgeExpiredState(Instant now) {
        int purged = 0;
        for (RunSlot slot : runs.values()) {
            synchronized (slot) {
                int before = slot.state.size();
                slot.state.values().removeIf(entry -> !entry.visibleAt(now));
                purged += before - slot.state.size();
            }
        }
        return purged;
    }

    /** Forgets everything (tests and benchmarks). */
    public void clear() {
        runs.clear();
        childrenByParent.clear();
    }

    private RunSlot slot(String runId) {
        RunSlot slot = runs.get(runId);
        if (slot == null) {
            throw new RunNotFoundException(runId);
        }
        return slot;
    }

    /**
     * Called under the slot's lock: a run deleted between the lookup of its slot and the lock is
     * unknown, as it would have been had the deletion come first (deletions remove the slot under
     * its lock). Writing to the slot would report a change of a run that is gone.
     */
    private void requireStillStored(String runId, RunSlot slot) {
        if (runs.get(runId) != slot) {
            throw new RunNotFoundException(runId);
        }
    }

    /**
     * The runs of a status listed after a position, newest first, as {@link #findRuns} lists them, without a bound:
     * for the memory scheduling store's queries over runs and awaits.
     */
    List<RunRecord> runsListedAfter(RunStatus status, Optional<RunPosition> after) {
        return snapshot().stream().filter(r -> r.status() == status)
                .filter(r -> after.map(new RunPosition(r.startedAt(), r.runId())::isListedAfter).orElse(true))
                .sorted(Comparator.comparing(RunRecord::startedAt).thenComparing(RunRecord::runId).reversed())
                .toList();
    }

    private List<RunRecord> snapshot() {
        List<RunRecord> all = new ArrayList<>(runs.size());
        for (RunSlot slot : runs.values()) {
            synchronized (slot) {
                all.add(slot.run);
            }
        }
        return all;
    }
}
