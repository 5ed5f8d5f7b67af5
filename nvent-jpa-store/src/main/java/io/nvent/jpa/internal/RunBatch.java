package io.nvent.jpa.internal;

import io.nvent.HistoryEvent;
import io.nvent.NventException;
import io.nvent.jpa.internal.RunTables.StoredRun;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunRecord;
import io.nvent.spi.StoredChange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runs one grouped commit works on, held in memory while its writes run and written at the end
 * with plain JDBC batches, instead of through Hibernate entities (whose sessions, locking loads,
 * dirty checks and insert ordering cost far more CPU than the statements themselves).
 *
 * <p>The group first reads and locks every run its changes touch with one statement; the lock is
 * held until commit, as {@link JpaFlowStoreImpl} requires. A run whose latest state the
 * {@link RunCache} holds is neither read nor locked: the update checks its version and the last
 * number of its history instead (an append leaves the version as it was), and a
 * change the cached state refuses fails the group ({@link #checkRefusal}), whose writes then run
 * again one by one on locked rows. Creations and changes then only update
 * this view: a change gets the next version and the next sequence numbers of its run, also when an
 * earlier write of the group changed the same run. {@link #write} then inserts the new runs,
 * updates every changed run once (where its version and history number are still the ones read) and
 * inserts the
 * history: three statement batches, whatever the size of the group.
 */
final class RunBatch {

    private final RunTables tables;
    private final Optional<RunCache> cache;
    /** Insertion order, so the statements of a group are always issued in the same order. */
    private final Map<String, Run> runs = new LinkedHashMap<>();
    private final List<HistoryEvent> history = new ArrayList<>();

    RunBatch(RunTables tables) {
        this(tables, Optional.empty());
    }

    RunBatch(RunTables tables, Optional<RunCache> cache) {
        this.tables = tables;
        this.cache = cache;
    }

    /**
     * Reads and locks these runs until commit, or takes their state from the cache; ids with no
     * run are left out.
     */
    void lock(Connection connection, Collection<String> runIds) throws SQLException {
        List<String> uncached = new ArrayList<>(runIds.size());
        for (String runId : runIds) {
            Optional<StoredRun> cached = cache.flatMap(c -> c.get(runId));
            if (cached.isPresent()) {
                runs.put(runId, new Run(cached.get(), true));
            } else {
                uncached.add(runId);
            }
        }
        tables.lock(connection, uncached, found -> runs.put(found.run().runId(), new Run(found, false)));
    }

    /**
     * Fails the group if a change of this run was refused on its cached state: the cache may be
     * behind the database, and only a locked row may refuse a change.
     */
    void checkRefusal(String runId) {
        Run run = runs.get(runId);
        if (run != null && run.cached) {
            throw new StaleRunException("NVENT-0320 a change of run '" + runId
                    + "' was refused on its cached state; it runs again on the locked row");
        }
    }

    /** The state the group leaves every run it read, created or changed in, once it has committed. */
    List<StoredRun> committed() {
        return runs.values().stream().map(run -> new StoredRun(run.current, run.lastSeq)).toList();
    }

    /** The runs the group took from the cache. */
    List<String> cachedRuns() {
        return runs.values().stream().filter(run -> run.cached).map(run -> run.current.runId()).toList();
    }

    /** The run as the group left it so far (version included), if the group locked or created it. */
    Optional<RunRecord> find(String runId) {
        return Optional.ofNullable(runs.get(runId)).map(run -> run.current);
    }

    /**
     * A new run with its first history entries (sequence numbers from 1), inserted by {@link #write}.
     * The caller has checked that the group holds no run with its id; one in the database fails the
     * insert.
     */
    List<HistoryEvent> create(RunRecord run, List<EventDraft> events) {
        Run created = new Run(run);
        runs.put(run.runId(), created);
        return created.append(events);
    }

    /**
     * Makes {@code next} the run's state at the following version, with {@code events} appended to
     * its history. Every change counts, even one that leaves the run as it was.
     */
    StoredChange change(RunRecord next, List<EventDraft> events) {
        Run run = runs.get(next.runId());
        if (run == null) {
            throw new IllegalStateException("run '" + next.runId() + "' is not part of this group");
        }
        run.current = next.withVersion(run.current.version() + 1);
        return new StoredChange(run.current, run.append(events));
    }

    /**
     * Inserts the runs created so far, so that statements of the group's later writes can refer to
     * them (a lease of a step of a new run).
     */
    void insertCreated(Connection connection) throws SQLException {
        List<Run> created = runs.values().stream().filter(run -> run.stored == null).toList();
        if (created.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = tables.prepareInsertRun(connection)) {
            for (Run run : created) {
                tables.bindInsert(insert, run.current, run.lastSeq);
                insert.addBatch();
            }
            insert.executeBatch();
        }
        tables.insertLabels(connection, created.stream().map(run -> run.current).toList());
        created.forEach(Run::written);
    }

    /** Writes everything the group did: new runs, then changed runs, then history entries. */
    void write(Connection connection) throws SQLException {
        insertCreated(connection);
        List<Run> changed = runs.values().stream()
                .filter(run -> run.current.version() != run.stored.run().version()).toList();
        if (!changed.isEmpty()) {
            try (PreparedStatement update = tables.prepareUpdateRun(connection)) {
                for (Run run : changed) {
                    tables.bindUpdate(update, run.stored, run.current, run.lastSeq);
                    update.addBatch();
                }
                int[] counts = update.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] != 1) {
                        // A cached state that fell behind (the run changed, or its history grew by an
                        // append, which leaves the version as it was), or (impossible under the row lock)
                        // a write that bypassed it; fail the group, whose writes then run again one by one.
                        StoredRun stored = changed.get(i).stored;
                        String message = "NVENT-0319 run '" + changed.get(i).current.runId()
                                + "' was not at version " + stored.run().version() + " with history entry "
                                + stored.lastSeq() + " last when a grouped commit wrote it";
                        throw changed.get(i).cached ? new StaleRunException(message) : new NventException(message);
                    }
                }
            }
            tables.keysToSettle().markHeldBy(connection, changed.stream()
                    .filter(run -> KeysToSettle.ends(run.stored.run(), run.current)).map(run -> run.current).toList());
            changed.forEach(Run::written);
        }
        if (!history.isEmpty()) {
            try (PreparedStatement insert = tables.prepareInsertEvent(connection)) {
                for (HistoryEvent event : history) {
                    tables.bindEvent(insert, event);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            history.clear();
        }
    }

    /** One run of the group. */
    private final class Run {
        /**
         * As in the database, with its history's last number; none for a run created by the group and
         * not inserted yet.
         */
        StoredRun stored;
        RunRecord current;
        /** Highest sequence number handed out for its history. */
        long lastSeq;
        /** Taken from the cache: not locked, its version checked only by the update. */
        final boolean cached;

        /** A run read (locked) or taken from the cache. */
        Run(StoredRun stored, boolean cached) {
            this.stored = stored;
            this.current = stored.run();
            this.lastSeq = stored.lastSeq();
            this.cached = cached;
        }

        /** A run the group creates. */
        Run(RunRecord created) {
            this.current = created;
            this.cached = false;
        }

        /** History entries for these drafts, with the run's next sequence numbers; written by {@link #write}. */
        List<HistoryEvent> append(List<EventDraft> drafts) {
            List<HistoryEvent> appended = new ArrayList<>(drafts.size());
            for (EventDraft draft : drafts) {
                HistoryEvent event = new EventEntity(current.runId(), ++lastSeq, draft).toEvent();
                appended.add(event);
                history.add(event);
            }
            return appended;
        }

        void written() {
            stored = new StoredRun(current, lastSeq);
        }
    }
}
