package io.nvent.spi;

import io.nvent.EventQuery;
import io.nvent.FlowStats;
import io.nvent.HistoryEvent;
import io.nvent.RunQuery;
import io.nvent.spi.internal.PageLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Durable home of runs, their histories and their state.
 *
 * <p>Contract (checked by the shared store contract test):
 * <ul>
 *   <li>Each run's history is append-only; sequence numbers start at 1 and have no gaps and no
 *       duplicates, also under concurrent appends to the same run.</li>
 *   <li>{@link #updateRun} is atomic: the run's new state and the appended entries are stored
 *       together or not at all, and concurrent updates of the same run are serialised (optimistic
 *       locking with retry, or a row lock). It refuses transitions {@link io.nvent.RunStatus}
 *       does not allow by throwing {@link io.nvent.IllegalRunTransitionException}.</li>
 *   <li>A run is stored at the version it is created with (0, as {@link RunRecord#started} makes it), and
 *       every read returns that version until its first {@link #updateRun}: the engine relies on it to tell a
 *       run nothing changed since it was stored (the new run of a keyed restart whose instance stopped before
 *       it canceled the original).</li>
 *   <li>State entries whose expiry has passed are never returned.</li>
 *   <li>When a JTA transaction is active, the store joins it.</li>
 *   <li>A call that fails because the backend cannot be reached (and may succeed later) throws
 *       {@link AdapterUnavailableException}, or another {@link io.nvent.NventException} whose
 *       {@link io.nvent.NventException#isRetryable() isRetryable} is {@code true}: the engine then
 *       holds the step's attempt as not counting, and the REST API answers 503.</li>
 * </ul>
 *
 * @since 0.1
 */
public interface FlowStore {

    /**
     * Stores a new run together with its first history entries.
     *
     * @param run the new run, usually as {@link RunRecord#started} makes it
     * @param events its first history entries, appended from sequence number 1
     * @return the entries as stored, with sequence numbers
     * @throws io.nvent.NventException if a run with that id exists
     */
    List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events);

    /**
     * Stores a new run that holds an idempotency key, together with its first history entries. A
     * key is held by one run at a time: from this call until the run is deleted (on its own, its flow's
     * history cleared, or retention), after which the key is free for a new run. The store decides races:
     * of concurrent creations with one key, one succeeds.
     *
     * @param idempotencyKey the key as the engine derives it from the flow, the caller's key and
     *                       its scope: a name-based UUID, 36 characters
     * @param run the new run
     * @param events its first history entries, appended from sequence number 1
     * @return the entries as stored, with sequence numbers
     * @throws io.nvent.NventException if a run with that id exists, or another run holds the key
     * @since 0.1
     */
    List<HistoryEvent> createRun(RunRecord run, List<EventDraft> events, String idempotencyKey);

    /**
     * The run with this id, as stored now.
     *
     * @param runId the run
     * @return the run; empty if there is none with that id (never created, or deleted)
     */
    Optional<RunRecord> findRun(String runId);

    /**
     * The run that holds this idempotency key (see {@link #createRun(RunRecord, List, String)}).
     *
     * @param idempotencyKey the key as passed to {@link #createRun(RunRecord, List, String)}
     * @return the run holding the key; empty if no run holds it (none was created, or it was deleted)
     * @since 0.1
     */
    Optional<RunRecord> findRunByKey(String idempotencyKey);

    /**
     * The runs with these ids, read at once, each as {@link #findRun} reads it (a store that keeps
     * the states it read for {@link #recentRun} keeps these too). For a caller about to need many
     * runs, such as a queue handing a batch of claimed step jobs to the engine: one query instead
     * of one per run. Ids with no run are left out; the order is unspecified.
     *
     * @param runIds the runs; duplicates count once
     * @return the runs found, at most one per id
     * @since 0.1
     */
    default List<RunRecord> readRuns(Collection<String> runIds) {
        return runIds.stream().distinct().map(this::findRun).flatMap(Optional::stream).toList();
    }

    /**
     * The run as this store instance itself last committed or read it, without asking the
     * database: a state that may already be behind, for callers that check it again when they
     * write (the engine's first delivery of a step job does, see {@link RunMutation}). Never a
     * guess: a store returns a state only if it committed or read exactly that state within
     * {@code maxAge} and its version is at least {@code minVersion} (the version the caller knows
     * the run reached). Everything else, and a store that keeps no such states (the default), is
     * empty; the caller then reads with {@link #findRun}.
     *
     * @param runId the run
     * @param minVersion the lowest acceptable {@linkplain RunRecord#version() version}
     * @param maxAge how long ago the state may have been committed or read; not negative
     * @return the state kept, if it is recent and new enough; otherwise empty
     * @since 0.1
     */
    default Optional<RunRecord> recentRun(String runId, long minVersion, Duration maxAge) {
        return Optional.empty();
    }

    /**
     * Changes a run atomically.
     *
     * @param runId run to change
     * @param mutation computes the change from the current state; may be called several times
     * @return the stored result: the run after the change and the appended entries; empty if the
     *     mutation declined to change anything
     * @throws io.nvent.RunNotFoundException if the run does not exist
     */
    Optional<StoredChange> updateRun(String runId, RunMutation mutation);

    /**
     * Appends entries to a run's history without changing the run (e.g. log entries).
     *
     * @param runId the run
     * @param events entries to append, in order
     * @return the entries as stored
     * @throws io.nvent.RunNotFoundException if the run does not exist
     */
    List<HistoryEvent> appendEvents(String runId, List<EventDraft> events);

    /**
     * Entries of a run's history matching the query, in sequence order.
     *
     * @param runId the run
     * @param query which entries: sequence range, types, limit and order
     * @return the matching entries; empty if none match or the run does not exist
     */
    List<HistoryEvent> readEvents(String runId, EventQuery query);

    /**
     * Runs matching the query, newest first.
     *
     * <p>Since 0.2 a query may name a parent run ({@link RunQuery#parentRunId()}): only the runs whose
     * {@link RunRecord#parentRunId()} is that run match. A store written for nvent 0.1 ignores it; the
     * engine, finding a run of another parent in the answer, refuses the query with an
     * {@link io.nvent.UnsupportedByAdapterException}. Likewise a label ({@link RunQuery#label()}): only the runs
     * whose {@link RunRecord#labels()} hold it match; a store written for 0.1 keeps no labels and ignores it, and
     * the engine, finding a run without the label in the answer, refuses the query. A store keeping labels
     * should find a label's runs without reading every run, paging by {@link RunQuery#after()} as without one.
     *
     * @param query filters (flow, status, parent run, label) and page
     * @return the matching runs by start time, newest first, and among runs started at the same instant
     *     by id, the greatest first ({@link io.nvent.RunPosition}); with {@link RunQuery#after()} only
     *     those listed after that position
     */
    List<RunRecord> findRuns(RunQuery query);

    /**
     * Counts of a flow's runs by status, and (since 0.2) when its latest run started and its latest completed run ended
     * ({@link FlowStats#lastStartedAt()}, {@link FlowStats#lastCompletedAt()}).
     *
     * <p>The engine asks often (the console's flow list and live statistics, code waiting for runs to complete): the
     * times should come with the counts, from the same read, not from a read of their own. A store written for 0.1
     * builds its counts without them and keeps compiling; its flows show no times.
     *
     * @param flow flow name
     * @return the counts; all zero and no times for a flow with no runs
     */
    FlowStats stats(String flow);

    /**
     * A state value of a run, if present and not expired at {@code now}.
     *
     * @param runId the run
     * @param key state key
     * @param now the current time, against which the expiry is checked
     * @return the value as JSON text; empty if absent or expired
     */
    Optional<String> getState(String runId, String key, Instant now);

    /**
     * Stores a state value of a run, replacing any value under the same key.
     *
     * @param runId the run
     * @param key state key
     * @param json the value as JSON text
     * @param expiresAt when it stops being visible; empty for never
     * @throws io.nvent.RunNotFoundException if the run does not exist
     */
    void putState(String runId, String key, String json, Optional<Instant> expiresAt);

    /**
     * Removes one state value; nothing happens if there is none.
     *
     * @param runId the run
     * @param key state key
     */
    void deleteState(String runId, String key);

    /**
     * Removes every state value of a run.
     *
     * @param runId the run
     */
    void clearState(String runId);

    /**
     * Removes state values whose expiry is at or before {@code now}.
     *
     * @param now the current time
     * @return how many values were removed
     */
    int purgeExpiredState(Instant now);

    /**
     * Deletes finished runs (completed, failed or canceled), with their history and state, that the
     * store's retention policy no longer keeps: by age, those that ended longer ago than the policy
     * keeps runs (one that ended exactly that long ago is kept), or beyond a count per flow. Runs
     * under way (running, awaiting or stalled) are kept whatever their age. The engine calls it
     * periodically; stores without retention keep everything.
     *
     * @param now the current time, against which the age of finished runs is measured
     * @return how many runs were deleted; 0 for a store without retention
     */
    default int purgeFinishedRuns(Instant now) {
        return 0;
    }

    /**
     * Starts a purge of what {@link #purgeFinishedRuns(Instant)} would delete, to be done chunk by
     * chunk: the engine's maintenance sweep deletes a few chunks per sweep, so that a large purge
     * (retention switched on over a big store) does not hold up the sweep's other work. A store
     * without chunks of its own purges everything in its first chunk.
     *
     * @param now the current time, against which the age of finished runs is measured
     * @return the purge, not yet begun
     */
    default RetentionPurge startRetentionPurge(Instant now) {
        boolean[] done = {false};
        return () -> {
            if (done[0]) {
                return OptionalInt.empty();
            }
            done[0] = true;
            return OptionalInt.of(purgeFinishedRuns(now));
        };
    }

    /**
     * Deletes the finished runs (completed, failed or canceled) of one flow with their history and
     * state: an operator clearing the flow's history. Runs still under way are kept, as is a run
     * that is no longer finished by the time it would be deleted (retried meanwhile): a retry racing
     * the deletion either comes first and the run is kept, or finds the run deleted
     * ({@link io.nvent.RunNotFoundException}), never both stored and lost.
     *
     * <p>A store deletes chunk by chunk, each chunk a transaction of its own (as
     * {@link #deleteFinishedRuns(String, int)} does), never the whole flow in one: a flow may have
     * tens of thousands of finished runs.
     *
     * @param flow flow name
     * @return how many runs were deleted
     */
    int deleteFinishedRuns(String flow);

    /**
     * The message id the refusal of {@link #deleteFinishedRun(String, long)}'s default begins with: how
     * the engine tells a store that cannot delete a single run from a store's own
     * {@link UnsupportedOperationException}.
     *
     * @since 0.2
     */
    String SINGLE_RUN_DELETION_UNSUPPORTED = "NVENT-0261";

    /**
     * Deletes one finished run (completed, failed or canceled) with its history and state, as
     * {@link #deleteFinishedRuns(String)} deletes a flow's, if it is still stored at {@code version}:
     * an operator deleting a single run. Atomic: the run goes whole or not at all, and only as the
     * caller read it, so that a retry or restart racing the deletion either comes first (the run is
     * kept, as it is under way again or at another version) or finds the run deleted
     * ({@link io.nvent.RunNotFoundException}), never half a run. An idempotency key the run held is
     * free afterwards.
     *
     * <p>The default, for a store written for nvent 0.1, cannot: it throws an
     * {@link UnsupportedOperationException} (NVENT-0261), which the engine reports as an
     * {@link io.nvent.UnsupportedByAdapterException} that names the store. The engine knows the default's
     * by that id: any other {@code UnsupportedOperationException} this method throws is the store's own
     * failure, and reaches the caller as it is.
     *
     * @param runId the run
     * @param version the run's {@linkplain RunRecord#version() version} as the caller read it
     * @return how many history entries were deleted with the run; empty if nothing was deleted: no
     *     run has that id, or it is not finished, or not at that version any more
     * @throws UnsupportedOperationException if the store cannot delete a single run (the default)
     * @since 0.2
     */
    default OptionalLong deleteFinishedRun(String runId, long version) {
        throw new UnsupportedOperationException(SINGLE_RUN_DELETION_UNSUPPORTED + " store " + getClass().getName()
                + " cannot delete a single run: it implements FlowStore as it was before nvent 0.2");
    }

    /**
     * Deletes at most {@code max} finished runs of one flow, as {@link #deleteFinishedRuns(String)}
     * deletes them, chunk by chunk (each a transaction of its own, of a size the store chooses, at
     * most {@code max}): an operator clearing a large history a bounded request at a time. A run is
     * deleted whole, with its history and state, or not at all. Which finished runs go first is up
     * to the store; calling it again until it returns 0 deletes them all, runs finishing meanwhile
     * included.
     *
     * <p>The default, for a store written before this method, deletes all of them through
     * {@link #deleteFinishedRuns(String)}, which may be more than {@code max}.
     *
     * @param flow flow name
     * @param max the most runs to delete, at least 1
     * @return how many runs were deleted, at most {@code max} for a store that overrides this method
     * @throws IllegalArgumentException if {@code max} is less than 1
     * @since 0.2
     */
    default int deleteFinishedRuns(String flow, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1; was " + max);
        }
        return deleteFinishedRuns(flow);
    }

    /**
     * Whether the store keeps {@link RunRecord#labels()} and filters {@link #findRuns} by
     * {@link io.nvent.RunQuery#label()}. The default, for a store written for nvent 0.1, which stores the components
     * it knows and drops the labels: {@code false}, and the engine refuses a start with labels
     * ({@link #requireLabels}) rather than create a run that would never be found by them.
     *
     * @return {@code true} for a store that keeps labels (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsLabels() {
        return false;
    }

    /**
     * Refuses labels the store cannot keep, before a run with them is created: any where {@link #keepsLabels()} is
     * {@code false}.
     *
     * @param flow the flow of the run to be created
     * @param labels the run's labels ({@link io.nvent.StartOptions#labels()})
     * @throws io.nvent.UnsupportedByAdapterException ({@value #LABELS_UNSUPPORTED}) naming the store, the flow and the
     *     labels, if there are labels and the store cannot keep them
     * @since 0.2
     */
    default void requireLabels(String flow, java.util.Set<String> labels) {
        if (!labels.isEmpty() && !keepsLabels()) {
            throw new io.nvent.UnsupportedByAdapterException(LABELS_UNSUPPORTED + " the store " + getClass().getName()
                    + " keeps no labels (written for nvent 0.1): a run of flow '" + flow + "' is not started with the"
                    + " labels " + labels + ", which it would drop; start it without labels, or use a store that"
                    + " overrides FlowStore.keepsLabels (the memory or the JPA store)");
        }
    }

    /**
     * The message id the refusal of {@link #requireLabels} begins with.
     *
     * @since 0.2
     */
    String LABELS_UNSUPPORTED = "NVENT-0288";

    /**
     * Whether the store counts a run's children ({@link #childRunCounts}), which awaits of type
     * {@link io.nvent.AwaitType#CHILDREN} need. The default, for a store written for nvent 0.1: {@code false}, and
     * the engine refuses to deploy a step with such an await ({@value #CHILD_RUN_COUNTS_UNSUPPORTED}).
     *
     * @return {@code true} for a store that counts children (the memory and the JPA store)
     * @since 0.2
     */
    default boolean countsChildRuns() {
        return false;
    }

    /**
     * Counts the runs this run started (those whose {@link RunRecord#parentRunId()} is it), by status, as stored
     * now: the engine asks after each child's end has been stored, for a parent waiting on them, so a count must
     * see every end committed before it. It is asked often (once per child's end), so a store should answer from
     * an index on the parent, not by reading every run.
     *
     * <p>The default, for a store written for nvent 0.1, which cannot tell a run's children: refuses.
     *
     * @param parentRunId the parent run
     * @return the counts; {@link ChildRunCounts#NONE} for a run without children (or no such run)
     * @throws io.nvent.UnsupportedByAdapterException ({@value #CHILD_RUN_COUNTS_UNSUPPORTED}) naming the store, unless
     *     it overrides this method (and {@link #countsChildRuns()})
     * @since 0.2
     */
    default ChildRunCounts childRunCounts(String parentRunId) {
        throw new io.nvent.UnsupportedByAdapterException(CHILD_RUN_COUNTS_UNSUPPORTED + " the store "
                + getClass().getName() + " counts no child runs (written for nvent 0.1): awaits of type CHILDREN"
                + " need a store that overrides FlowStore.countsChildRuns and childRunCounts (the memory or the JPA"
                + " store)");
    }

    /**
     * Whether any run this run started is still under way (running, awaiting or stalled): what the engine asks after
     * each child's end, for a parent waiting on its children, before it counts them ({@link #childRunCounts}) once
     * none is. It is asked once per child's end, so a store should answer it from an index of the children under way
     * (the JPA store: a partial index on PostgreSQL), without reading the children that ended: counting every child
     * on each end would read N² entries for a batch of N.
     *
     * <p>The default asks {@link #childRunCounts}: right, but it counts every child on each call.
     *
     * @param parentRunId the parent run
     * @return {@code true} if a child of the run is not ended; {@code false} for a run without children (or no such
     *     run)
     * @since 0.2
     */
    default boolean hasChildRunsUnderWay(String parentRunId) {
        return childRunCounts(parentRunId).underWay() > 0;
    }

    /**
     * A page of the runs this run started that lead to runs under way: those under way themselves (running, awaiting
     * or stalled) and those that ended with a descendant still under way, at any depth (children outlive their
     * parents: a completed child whose completed child started one still running leads to it; down to
     * {@link #DESCENDANT_DEPTH_LIMIT} generations), in the order of their
     * run ids, after {@code afterRunId}. What a cancel with children reads, so that a call reads about as many runs
     * as it cancels, however many of the children ended: a store should answer it from an index of the children
     * under way, walking down through the ended descendants where it keeps the runs (the JPA store: a recursive
     * query down the index on the parent) and return no child that leads to none.
     *
     * <p>The default, for a store that does not override it, lists every child, and the descendants of those that
     * ended, through {@link #findRuns} and filters: right, but it reads them all on each call.
     *
     * @param parentRunId the parent run
     * @param afterRunId only children whose run id sorts after this one, if present: the last of the previous page
     * @param limit the most children returned, at least 1
     * @return the children leading to runs under way, by run id; empty for a run without such children (or no such
     *     run)
     * @throws IllegalArgumentException if {@code limit} is below 1
     * @since 0.2
     */
    default List<RunRecord> childRunsLeadingToRunsUnderWay(String parentRunId, Optional<String> afterRunId,
                                                          int limit) {
        PageLimits.requireAtLeastOne(limit);
        return allChildRunsOf(parentRunId).stream()
                .filter(child -> afterRunId.map(after -> child.runId().compareTo(after) > 0).orElse(true))
                .filter(child -> !child.status().isTerminal() || hasDescendantsUnderWay(child.runId()))
                .sorted(java.util.Comparator.comparing(RunRecord::runId)).limit(limit).toList();
    }

    /**
     * Whether a run under way is below this child, down to {@link #DESCENDANT_DEPTH_LIMIT} generations below its
     * parent (one fewer below the child); walked a generation at a time, not recursively, each run once (a run below
     * itself ends the walk there).
     */
    private boolean hasDescendantsUnderWay(String childRunId) {
        java.util.Set<String> seen = new java.util.HashSet<>(List.of(childRunId));
        List<String> generation = List.of(childRunId);
        for (int depth = 2; depth <= DESCENDANT_DEPTH_LIMIT && !generation.isEmpty(); depth++) {
            List<String> next = new java.util.ArrayList<>();
            for (String parent : generation) {
                for (RunRecord child : allChildRunsOf(parent)) {
                    if (!seen.add(child.runId())) {
                        continue;
                    }
                    if (!child.status().isTerminal()) {
                        return true;
                    }
                    next.add(child.runId());
                }
            }
            generation = next;
        }
        return false;
    }

    /** Every child of the run, through {@link #findRuns}, a page of 1,000 at a time. */
    private List<RunRecord> allChildRunsOf(String parentRunId) {
        RunQuery children = RunQuery.all().withParentRunId(parentRunId).page(0, 1000);
        List<RunRecord> all = new java.util.ArrayList<>();
        List<RunRecord> page = findRuns(children);
        while (!page.isEmpty()) {
            all.addAll(page);
            RunRecord last = page.get(page.size() - 1);
            page = page.size() < children.limit() ? List.of()
                    : findRuns(children.startingAfter(new io.nvent.RunPosition(last.startedAt(), last.runId())));
        }
        return all;
    }

    /**
     * The message id the refusal of {@link #childRunCounts}'s default, and of a deployment with an await of type
     * {@link io.nvent.AwaitType#CHILDREN} on such a store, begin with.
     *
     * @since 0.2
     */
    String CHILD_RUN_COUNTS_UNSUPPORTED = "NVENT-0289";

    /**
     * How many generations below a run the walks down from it go, at most: {@link #descendantRunCounts},
     * {@link #hasDescendantRunsUnderWay} and {@link #childRunsLeadingToRunsUnderWay} see no run deeper below it. A
     * bound, so that a run below itself (a cycle of parents: a keyed run id reused after a purge, under its old child)
     * ends a walk instead of keeping it, or a database statement, going for ever; a store visits each run once where
     * it can (the memory store), and counts it once (the JPA store walks a cycle round until this depth).
     *
     * @since 0.2
     */
    int DESCENDANT_DEPTH_LIMIT = 1000;

    /**
     * Whether the store counts a run's descendants ({@link #descendantRunCounts}, {@link #hasDescendantRunsUnderWay}):
     * its children, their children, and so on down, which awaits of type {@link io.nvent.AwaitType#DESCENDANTS} need.
     * The default, for a store written before them: {@code false}, and the engine refuses to deploy a step with such
     * an await ({@value #DESCENDANT_RUN_COUNTS_UNSUPPORTED}), though the store may count children
     * ({@link #countsChildRuns()}).
     *
     * @return {@code true} for a store that counts descendants (the memory and the JPA store)
     * @since 0.2
     */
    default boolean countsDescendantRuns() {
        return false;
    }

    /**
     * Counts every run below this one (its children, theirs, at any depth, through {@link RunRecord#parentRunId()}),
     * by status, as stored now: the engine asks once, for a run waiting on its descendants, when none is under way
     * ({@link #hasDescendantRunsUnderWay}), so a count must see every end committed before it. A descendant deleted
     * since it ended is not counted, nor are the runs below it (they are no longer reached), nor any run more than
     * {@link #DESCENDANT_DEPTH_LIMIT} generations below; a run below itself is not counted (a cycle of parents), a
     * run reached twice once.
     *
     * <p>The default, for a store written before this method: refuses.
     *
     * @param rootRunId the run whose descendants are counted (it is not counted itself)
     * @return the counts; {@link ChildRunCounts#NONE} for a run without children (or no such run)
     * @throws io.nvent.UnsupportedByAdapterException ({@value #DESCENDANT_RUN_COUNTS_UNSUPPORTED}) naming the store,
     *     unless it overrides this method (and {@link #countsDescendantRuns()})
     * @since 0.2
     */
    default ChildRunCounts descendantRunCounts(String rootRunId) {
        throw new io.nvent.UnsupportedByAdapterException(DESCENDANT_RUN_COUNTS_UNSUPPORTED + " the store "
                + getClass().getName() + " counts no descendant runs: awaits of type DESCENDANTS need a store that"
                + " overrides FlowStore.countsDescendantRuns and descendantRunCounts (the memory or the JPA store)");
    }

    /**
     * Whether any run below this one, down to {@link #DESCENDANT_DEPTH_LIMIT} generations (not the run itself, below
     * itself in a cycle of parents), is under way (running, awaiting or stalled): what the engine
     * asks, for a run waiting on its descendants, after a descendant's end, before it counts them
     * ({@link #descendantRunCounts}) once none is. A store should walk down only through the runs that ended (below
     * a run under way, one is found already) and stop at the first under way (the JPA store: a recursive query
     * through the index of the runs by parent).
     *
     * <p>The default asks {@link #descendantRunCounts}: right, but it counts every descendant on each call.
     *
     * @param rootRunId the run whose descendants are looked at
     * @return {@code true} if a run below it is not ended; {@code false} for a run without children (or no such run)
     * @since 0.2
     */
    default boolean hasDescendantRunsUnderWay(String rootRunId) {
        return descendantRunCounts(rootRunId).underWay() > 0;
    }

    /**
     * Whether a run more than {@link #DESCENDANT_DEPTH_LIMIT} generations below this one is left uncounted by
     * {@link #descendantRunCounts}: a child of a run at the limit that the walk down did not reach otherwise (a run
     * below itself, reached again round a cycle of parents, is no such run). What the REST API's and the console's
     * counts of a run's descendants say, so that an operator knows a count stopped there. The engine asks only for a
     * tree of at least {@link #DESCENDANT_DEPTH_LIMIT} runs (a shorter one cannot reach the limit).
     *
     * <p>The default walks down a generation at a time through {@link #findRuns}, each run once: right, but it reads
     * every descendant, a query per run that has children; a store should answer it in one statement (the JPA store: a
     * recursive query as its count's).
     *
     * @param rootRunId the run whose descendants are walked
     * @return {@code true} if a run below the limit is not counted; {@code false} for a shallower tree (or no such run)
     * @since 0.2
     */
    default boolean hasDescendantRunsBeyondDepthLimit(String rootRunId) {
        java.util.Set<String> seen = new java.util.HashSet<>(List.of(rootRunId));
        List<String> generation = List.of(rootRunId);
        for (int depth = 1; !generation.isEmpty(); depth++) {
            List<String> next = new java.util.ArrayList<>();
            for (String parent : generation) {
                for (RunRecord child : allChildRunsOf(parent)) {
                    if (seen.add(child.runId())) {
                        if (depth > DESCENDANT_DEPTH_LIMIT) {
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

    /**
     * The message id the refusal of {@link #descendantRunCounts}'s default, and of a deployment with an await of
     * type {@link io.nvent.AwaitType#DESCENDANTS} on such a store, begin with.
     *
     * @since 0.2
     */
    String DESCENDANT_RUN_COUNTS_UNSUPPORTED = "NVENT-0256";

    /**
     * Whether a write made inside the caller's JTA transaction is part of it, so that it commits or rolls back with
     * it. The engine tells the observers of a run's start or end ({@link io.nvent.RunStarted},
     * {@link io.nvent.RunEnded}) once such a transaction committed, and never if it rolled back; of a store that
     * takes no part, whose write stays whatever the transaction's outcome, it tells them once the transaction
     * completed either way. The default, for a store written before this method: {@code true}, which waits for the
     * commit as the engine did before. A store that takes no part but keeps the default loses no run and no change,
     * only the events of the changes made in a transaction that rolled back; one that joins but said {@code false}
     * would have its observers told of starts and ends that rolled back: when unsure, keep the default.
     *
     * @return {@code false} for a store whose writes commit on their own (the memory store; the JPA store on a
     *     resource-local persistence unit)
     * @since 0.2
     */
    default boolean joinsCallerTransaction() {
        return true;
    }

    /**
     * Whether the store keeps {@link RunRecord#timeout()} and {@link RunRecord#deadline()} and finds the runs past
     * their deadline ({@link #runsPastDeadline}). The default, for a store written for nvent 0.1, which stores the
     * components it knows and drops these: {@code false}, and the engine refuses a start with a timeout
     * ({@link #requireDeadlines}) rather than create a run that would never time out.
     *
     * @return {@code true} for a store that keeps deadlines (the memory and the JPA store)
     * @since 0.2
     */
    default boolean keepsDeadlines() {
        return false;
    }

    /**
     * Refuses a run timeout the store cannot keep, before a run with it is created: any where
     * {@link #keepsDeadlines()} is {@code false}.
     *
     * @param flow the flow of the run to be created
     * @param timeout the run's timeout ({@link io.nvent.StartOptions#timeout()} or the flow's)
     * @throws io.nvent.UnsupportedByAdapterException ({@value #DEADLINES_UNSUPPORTED}) naming the store, the flow and
     *     the timeout, if the store cannot keep it
     * @since 0.2
     */
    default void requireDeadlines(String flow, Duration timeout) {
        if (!keepsDeadlines()) {
            throw new io.nvent.UnsupportedByAdapterException(DEADLINES_UNSUPPORTED + " the store " + getClass().getName()
                    + " keeps no run deadlines (written for nvent 0.1): a run of flow '" + flow + "' is not started"
                    + " with the timeout " + timeout + ", which would never end it; start it without a timeout, or use"
                    + " a store that overrides FlowStore.keepsDeadlines (the memory or the JPA store)");
        }
    }

    /**
     * The message id the refusal of {@link #requireDeadlines} begins with.
     *
     * @since 0.2
     */
    String DEADLINES_UNSUPPORTED = "NVENT-0292";

    /**
     * The runs under way (running, awaiting or stalled) whose {@link RunRecord#deadline()} is not after {@code now},
     * earliest deadline first (then by run id), at most {@code limit}, after {@code after}: what the maintenance sweep
     * of every instance ends as timed out. Asked once per sweep, so a store answers from an index that holds only the
     * runs under way with a deadline: runs without one cost it nothing. A run the engine ends leaves the answer; one
     * it could not end stays, and the sweep's next page starts after the last it was given ({@code after}), so that a
     * page of runs that keep failing to end does not hold up those due after them (it starts at the first again once
     * a page came back short).
     *
     * <p>The default, for a store written for nvent 0.1, which keeps no deadlines: none.
     *
     * @param now the time
     * @param after where the page starts: after this deadline and run id; empty for the first due
     * @param limit the most runs to return, at least 1
     * @return the runs past their deadline, earliest deadline first, then by run id
     * @since 0.2
     */
    default List<RunDeadline> runsPastDeadline(Instant now, Optional<RunDeadline> after, int limit) {
        return List.of();
    }
}
