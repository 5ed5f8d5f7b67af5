package io.nvent.jpa.internal;

import static io.nvent.jpa.internal.JdbcValues.getInstant;
import static io.nvent.jpa.internal.JdbcValues.setInstant;
import static io.nvent.jpa.internal.JdbcValues.setJson;

import io.nvent.FlowStats;
import io.nvent.HistoryEvent;
import io.nvent.RunPosition;
import io.nvent.RunQuery;
import io.nvent.RunStatus;
import io.nvent.spi.ChildRunCounts;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RunDeadline;
import io.nvent.spi.RunRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Collections;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The run and history tables in plain JDBC: the statements of a grouped commit ({@link RunBatch})
 * and how their rows map to records, column for column as {@link RunEntity} and
 * {@link EventEntity} map them for Hibernate.
 */
final class RunTables {

    /** Every column of {@link RunEntity}, in the order {@link #read} and {@link #bindInsert} use. */
    private static final String RUN_COLUMNS = "run_id, flow, status, input_json, result_json, parent_run_id, "
            + "steps_json, emitted_json, started_at, ended_at, last_seq, version, given_key, error_text,"
            + " concurrency_key, concurrency_limit, labels_text, run_timeout_ms, deadline";
    private static final String EVENT_COLUMNS = "run_id, seq, event_type, step_name, attempt, occurred_at, payload";
    /** First half of the advisory locks of idempotency keys ("nv" + 1), apart from other users' locks. */
    private static final int KEY_LOCK_CLASS = 0x6e760001;
    private static final RunStatusConverter STATUS = new RunStatusConverter();
    /** The statuses of a finished run, in the order the partial index run_flow_finished_idx (V21) names them. */
    static final List<RunStatus> FINISHED = List.of(RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED);
    /** The statuses of a run not ended, in the order V36's partial indexes (V30's and V31's before) name them. */
    static final List<RunStatus> UNDER_WAY = List.of(RunStatus.RUNNING, RunStatus.AWAITING, RunStatus.STALLED,
            RunStatus.COMPENSATING);
    private static final EventTypeConverter EVENT_TYPE = new EventTypeConverter();

    private final Database database;
    private final String runs;
    private final String events;
    private final String labels;
    private final String insertLabel;
    private final String lockClause;
    private final String insertRun;
    private final String updateRun;
    private final String insertEvent;
    private final String deleteExpiredState;
    private final String nthNewestFinished;
    private final KeysToSettle keysToSettle;

    /**
     * @param tables schema (with its dot) and prefix of the store's tables
     */
    RunTables(Database database, String tables) {
        this.database = database;
        this.runs = tables + "run";
        this.events = tables + "run_event";
        this.labels = tables + "run_label";
        // Not FOR UPDATE on PostgreSQL: the key is never changed, and the weaker lock lets others
        // insert rows that reference the run (leases, awaits, state) meanwhile, as an UPDATE would.
        this.lockClause = database == Database.POSTGRESQL ? " for no key update" : " for update";
        this.insertRun = "insert into " + runs + " (" + RUN_COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                + " ?)";
        this.insertLabel = "insert into " + labels + " (run_id, label, started_at) values (?, ?, ?)";
        // Large columns that rarely change are bound as null when unchanged and then keep their value
        // (they are never null), so that an update does not send, parse and store them again.
        this.updateRun = "update " + runs + " set flow = ?, status = ?, input_json = coalesce(?, input_json),"
                + " result_json = ?, parent_run_id = ?, steps_json = coalesce(?, steps_json),"
                + " emitted_json = coalesce(?, emitted_json), started_at = ?, ended_at = ?, last_seq = ?, version = ?,"
                + " error_text = ?, deadline = ? where run_id = ? and version = ? and last_seq = ?";
        this.insertEvent = "insert into " + events + " (" + EVENT_COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?)";
        this.nthNewestFinished = "select ended_at, run_id from " + runs + " where flow = ? and status in ("
                + FINISHED.stream().map(status -> "'" + STATUS.convertToDatabaseColumn(status) + "'")
                        .collect(Collectors.joining(", "))
                + ") and ended_at is not null order by ended_at desc, run_id desc offset ? rows fetch next 1 rows only";
        this.deleteExpiredState = "delete from " + tables + "run_state where expires_at is not null and expires_at <= ?";
        this.keysToSettle = new KeysToSettle(database, tables);
    }

    /** The marks of the concurrency keys that may need settling, which a run's end writes. */
    KeysToSettle keysToSettle() {
        return keysToSettle;
    }

    /** A run as stored, with the highest sequence number handed out for its history. */
    record StoredRun(RunRecord run, long lastSeq) {
    }

    /**
     * Reads and locks (until commit) the runs with these ids with one statement; ids with no run
     * are left out.
     */
    void lock(Connection connection, Collection<String> ids, Consumer<StoredRun> found) throws SQLException {
        lock(connection, ids, lockClause, found);
    }

    /** Reads the runs with these ids with one statement, without locking them; ids with no run are left out. */
    void read(Connection connection, Collection<String> ids, Consumer<StoredRun> found) throws SQLException {
        lock(connection, ids, "", found);
    }

    private void lock(Connection connection, Collection<String> ids, String lock, Consumer<StoredRun> found)
            throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = byRunIds(connection, "select " + RUN_COLUMNS + " from " + runs, ids,
                lock)) {
            readAll(statement, found);
        }
    }

    /**
     * Deletes those of these runs that {@code stillDoomed} accepts as they are now, with their
     * history; how many runs. The runs are locked first, so a writer appending to one of them has
     * either committed (and its rows go too) or finds no run afterwards: no history outlives its run
     * (the table has no foreign key to it). The ids were read before the lock: a run changed in
     * between (retried, ended again) is judged as it is once locked.
     */
    int deleteFinished(Connection connection, Collection<String> ids, Predicate<RunRecord> stillDoomed)
            throws SQLException {
        return delete(connection, ids, stillDoomed).runs();
    }

    /**
     * Deletes this one run as {@link #deleteFinished} deletes runs, if {@code stillDoomed} accepts it
     * once locked.
     *
     * @return how many history entries went with it; empty if it was kept (or there is none)
     */
    OptionalLong deleteFinished(Connection connection, String runId, Predicate<RunRecord> stillDoomed)
            throws SQLException {
        Deleted deleted = delete(connection, List.of(runId), stillDoomed);
        return deleted.runs() == 0 ? OptionalLong.empty() : OptionalLong.of(deleted.historyEntries());
    }

    /** How many runs a deletion deleted, and how many history entries with them. */
    private record Deleted(int runs, long historyEntries) {
    }

    private Deleted delete(Connection connection, Collection<String> ids, Predicate<RunRecord> stillDoomed)
            throws SQLException {
        List<String> doomed = new ArrayList<>(ids.size());
        lock(connection, ids, " for update", found -> {
            if (stillDoomed.test(found.run())) {
                doomed.add(found.run().runId());
            }
        });
        if (doomed.isEmpty()) {
            return new Deleted(0, 0);
        }
        long historyEntries;
        try (PreparedStatement history = byRunIds(connection, "delete from " + events, doomed, "")) {
            historyEntries = history.executeUpdate();
        }
        try (PreparedStatement deleteRuns = byRunIds(connection, "delete from " + runs, doomed, "")) {
            return new Deleted(deleteRuns.executeUpdate(), historyEntries);
        }
    }

    /** {@code head where run_id in (ids) tail}, bound. */
    private PreparedStatement byRunIds(Connection connection, String head, Collection<String> ids, String tail)
            throws SQLException {
        // One statement text whatever the number of ids on PostgreSQL, so the server prepares it once.
        boolean array = database == Database.POSTGRESQL;
        PreparedStatement statement = connection.prepareStatement(head + (array ? " where run_id = any(?)"
                : " where run_id in (" + String.join(", ", Collections.nCopies(ids.size(), "?")) + ")") + tail);
        try {
            if (array) {
                statement.setArray(1, connection.createArrayOf("varchar", ids.toArray()));
            } else {
                int i = 1;
                for (String id : ids) {
                    statement.setString(i++, id);
                }
            }
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    /** The run with this id, without locking it. */
    Optional<StoredRun> find(Connection connection, String runId) throws SQLException {
        return findOne(connection, "run_id", runId);
    }

    /**
     * Makes creators of runs with this idempotency key take turns until their transactions end, on
     * PostgreSQL (a transaction-scoped advisory lock); elsewhere the key's unique index decides.
     */
    void lockKey(Connection connection, String idempotencyKey) throws SQLException {
        if (database != Database.POSTGRESQL) {
            return;
        }
        try (PreparedStatement lock = connection.prepareStatement("select pg_advisory_xact_lock(?, hashtext(?))")) {
            lock.setInt(1, KEY_LOCK_CLASS);
            lock.setString(2, idempotencyKey);
            lock.execute();
        }
    }

    /** The run that holds this idempotency key. */
    Optional<StoredRun> findByKey(Connection connection, String idempotencyKey) throws SQLException {
        return findOne(connection, "idempotency_key", idempotencyKey);
    }

    private Optional<StoredRun> findOne(Connection connection, String uniqueColumn, String value) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "select " + RUN_COLUMNS + " from " + runs + " where " + uniqueColumn + " = ?")) {
            statement.setString(1, value);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.of(read(row)) : Optional.empty();
            }
        }
    }

    /**
     * A page of runs, newest first, as {@link RunQuery} selects them. The runs of a label are read through
     * run_label_started_idx (V28), which holds the order of the run list, and joined to their rows: paged by
     * position as the run list is, the other filters applied to the label's runs only.
     */
    List<RunRecord> find(Connection connection, RunQuery query) throws SQLException {
        // With a label, the order and the position are the label rows', the other filters the runs'.
        String run = query.label().isPresent() ? "r." : "";
        String order = query.label().isPresent() ? "l." : "";
        StringBuilder sql = new StringBuilder("select ");
        if (query.label().isPresent()) {
            sql.append(Stream.of(RUN_COLUMNS.split(",")).map(column -> run + column.strip())
                    .collect(Collectors.joining(", "))).append(" from ").append(labels).append(" l join ")
                    .append(runs).append(" r on r.run_id = l.run_id where l.label = ?");
        } else {
            sql.append(RUN_COLUMNS).append(" from ").append(runs).append(" where 1 = 1");
        }
        query.flow().ifPresent(flow -> sql.append(" and ").append(run).append("flow = ?"));
        query.status().ifPresent(status -> sql.append(" and ").append(run).append("status = ?"));
        // A run's children through the index run_parent_started_idx (V19), in its order: no sort.
        query.parentRunId().ifPresent(parent -> sql.append(" and ").append(run).append("parent_run_id = ?"));
        // The first condition alone bounds an index range (started_at leads every run index); the
        // second leaves out the runs of that instant up to the position.
        query.after().ifPresent(after -> sql.append(" and " + order + "started_at <= ? and (" + order
                + "started_at < ? or " + order + "run_id < ?)"));
        // The order of the index run_started_idx (V10), and of RunPosition.
        sql.append(" order by " + order + "started_at desc, " + order + "run_id desc limit ? offset ?");
        try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            int i = 1;
            if (query.label().isPresent()) {
                statement.setString(i++, query.label().get());
            }
            if (query.flow().isPresent()) {
                statement.setString(i++, query.flow().get());
            }
            if (query.status().isPresent()) {
                statement.setString(i++, STATUS.convertToDatabaseColumn(query.status().get()));
            }
            if (query.parentRunId().isPresent()) {
                statement.setString(i++, query.parentRunId().get());
            }
            if (query.after().isPresent()) {
                RunPosition after = query.after().get();
                setInstant(statement, i++, Optional.of(after.startedAt()), database);
                setInstant(statement, i++, Optional.of(after.startedAt()), database);
                statement.setString(i++, after.runId());
            }
            statement.setInt(i++, query.limit());
            statement.setInt(i, query.offset());
            List<RunRecord> page = new ArrayList<>(Math.min(query.limit(), 100));
            readAll(statement, found -> page.add(found.run()));
            return page;
        }
    }

    /**
     * A page of the runs {@code awaiting} with a step {@code awaiting} for which {@code awaits} (the table of the
     * runs' awaits) holds no waiting await, newest first, in one statement. On PostgreSQL the awaiting steps of the
     * awaiting runs (their {@code jsonb} column, the runs read through an index by status or, when most runs
     * await, the table) are anti-joined, all at once, to the runs and steps of the waiting awaits (read through the
     * index by status and timeout, V1) in a hash, and only the runs found are read whole, by their key, and sorted,
     * rather than a probe into the awaits' table per awaiting run (about 4 pages each). Elsewhere the
     * awaiting runs are read in their index's order, each anti-joined to its waiting awaits: a run is listed when it has more steps {@code awaiting} (counted in the column's text, which
     * {@link RunEntity#stepsJson} writes without spaces) than steps of its waiting awaits found {@code awaiting}
     * there (each by its whole entry, its name escaped as the column's text escapes it): never fewer runs than
     * those, and no step name taken for a pattern.
     */
    List<RunRecord> awaitingWithoutWaitingAwait(Connection connection, String awaits, Optional<RunPosition> after,
                                                int limit) throws SQLException {
        String awaiting = io.nvent.StepStatus.AWAITING.wireName();
        String waitingStatus = "a.status = '" + io.nvent.AwaitStatus.WAITING.wireName() + "'";
        String awaitingRuns = "r.status = '" + STATUS.convertToDatabaseColumn(RunStatus.AWAITING) + "'"
                + (after.isPresent() ? " and r.started_at <= ? and (r.started_at < ? or r.run_id < ?)" : "");
        String columns = Stream.of(RUN_COLUMNS.split(",")).map(column -> "r." + column.strip())
                .collect(Collectors.joining(", "));
        String order = " order by r.started_at desc, r.run_id desc limit ?";
        String sql;
        if (database == Database.POSTGRESQL) {
            // The runs found in a subquery of their own, planned apart (its limit would have the planner walk the
            // awaiting runs one by one again, as it expects most of them found), then read by their key.
            sql = "select " + columns + " from " + runs + " r where r.run_id = any(array(select distinct r.run_id from "
                    + runs + " r cross join lateral jsonb_each_text(r.steps_json) s where " + awaitingRuns
                    + " and s.value = '" + awaiting + "' and not exists (select 1 from " + awaits + " a where "
                    + waitingStatus + " and a.run_id = r.run_id and a.step_name = s.key)))" + order;
        } else {
            // An await's step as its entry in the column's text (RunEntity#stepsJson): its name quoted as Json#quote
            // does (a quote or backslash escaped), found only after the '{' or ',' that starts an entry, where no
            // quote inside a name can stand: a step whose name ends in another's after a quote is not taken for it.
            String entry = "concat('\"', replace(replace(a.step_name, char(92), concat(char(92), char(92))), '\"',"
                    + " concat(char(92), '\"')), '\":\"" + awaiting + "\"')";
            String noAwait = "(length(r.steps_json) - length(replace(r.steps_json, ':\"" + awaiting + "\"', ''))) / "
                    + (awaiting.length() + 3) + " > (select count(distinct a.step_name) from " + awaits + " a where "
                    + "a.run_id = r.run_id and " + waitingStatus + " and (position(concat('{', " + entry
                    + ") in r.steps_json) = 1 or position(concat(',', " + entry + ") in r.steps_json) > 0))";
            sql = "select " + columns + " from " + runs + " r where " + awaitingRuns + " and " + noAwait + order;
        }
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int i = 1;
            if (after.isPresent()) {
                setInstant(statement, i++, Optional.of(after.get().startedAt()), database);
                setInstant(statement, i++, Optional.of(after.get().startedAt()), database);
                statement.setString(i++, after.get().runId());
            }
            statement.setInt(i, limit);
            List<RunRecord> page = new ArrayList<>();
            readAll(statement, found -> page.add(found.run()));
            return page;
        }
    }

    /** A finished run's place in the order of its flow's finished runs: by end time, then id. */
    record Ended(Instant endedAt, String runId) {
    }

    /**
     * The {@code n}-th newest finished run of {@code flow} with an end time, if it has that many: read
     * through the index run_flow_finished_idx (V21) in its order, no further than that run (or the flow's
     * last finished one). The statuses are in the text, not bound, so that PostgreSQL's generic plan, too,
     * sees that the query asks for no more than the partial index holds.
     */
    Optional<Ended> nthNewestFinished(Connection connection, String flow, int n) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(nthNewestFinished)) {
            statement.setString(1, flow);
            statement.setInt(2, n - 1);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.of(new Ended(getInstant(row, 1).orElseThrow(), row.getString(2)))
                        : Optional.empty();
            }
        }
    }

    /** Deletes the state values that expired at {@code now}; how many. */
    int deleteExpiredState(Connection connection, Instant now) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(deleteExpiredState)) {
            setInstant(statement, 1, Optional.of(now), database);
            return statement.executeUpdate();
        }
    }

    /**
     * How many runs of {@code flow} are in each status, when the latest of each started, and when its latest completed
     * run ended: one statement, as the counts alone were. The counts and starts come from run_flow_status_started_idx
     * (V1), which holds both; the end of the latest completed run from run_flow_completed_idx (V46), one entry read on
     * H2 and PostgreSQL (there its index holds the completed runs alone, the query names the status as its predicate
     * does, so that a generic plan uses it too), instead of the end time of every run of the flow read from its table
     * page.
     */
    FlowStats stats(Connection connection, String flow) throws SQLException {
        // The latest end as the first entry in the order of the index, not max(ended_at): H2 reads an aggregate
        // with a condition from every entry that matches (each completed run of the flow), and stops at the first
        // entry only for an order by all the index's columns; PostgreSQL reads one entry either way.
        try (PreparedStatement statement = connection.prepareStatement("select status, count(*), max(started_at),"
                + " (select ended_at from " + runs + " where flow = ? and status = '"
                + STATUS.convertToDatabaseColumn(RunStatus.COMPLETED) + "' and ended_at is not null"
                + " order by flow, status, ended_at desc fetch first 1 rows only)"
                + " from " + runs + " where flow = ? group by status")) {
            statement.setString(1, flow);
            statement.setString(2, flow);
            FlowStats stats = FlowStats.empty(flow);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    // the last completion on every row: FlowStats.plus takes it for the completed runs alone
                    stats = stats.plus(STATUS.convertToEntityAttribute(rows.getString(1)), rows.getLong(2),
                            getInstant(rows, 3).orElseThrow(), getInstant(rows, 4));
                }
            }
            return stats;
        }
    }

    /**
     * Whether a child of the run is under way: on PostgreSQL from the partial index of the children under way
     * (run_parent_under_way_idx, V30), whose predicate names these statuses as the query does, so that a generic
     * plan uses it too; one entry read, however many children ended.
     */
    boolean hasChildRunsUnderWay(Connection connection, String parentRunId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select 1 from " + runs
                + " where parent_run_id = ? and status in (" + UNDER_WAY.stream()
                        .map(status -> "'" + STATUS.convertToDatabaseColumn(status) + "'")
                        .collect(Collectors.joining(", ")) + ") fetch first 1 rows only")) {
            statement.setString(1, parentRunId);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next();
            }
        }
    }

    /**
     * The children of the run under way, and those that ended with a descendant under way at any depth (children
     * outlive their parents; down to {@link FlowStore#DESCENDANT_DEPTH_LIMIT} generations), by run id after the
     * cursor. The database reads the children from the index on the parent (run_parent_started_idx, V19) and walks
     * down below those that ended, each probing the same index once for its children, marking those under way. On
     * PostgreSQL the probe is a lateral subquery the planner cannot flatten: expecting many generations from the
     * recursive query, it joined the walk to a seq scan of the runs instead. Only the page comes back, however deep
     * the tree, and a child that ended and leads to none is never returned.
     */
    List<RunRecord> childRunsLeadingToRunsUnderWay(Connection connection, String parentRunId,
                                                   Optional<String> afterRunId, int limit) throws SQLException {
        String underWay = UNDER_WAY.stream().map(status -> "'" + STATUS.convertToDatabaseColumn(status) + "'")
                .collect(Collectors.joining(", "));
        String isUnderWay = "case when status in (" + underWay + ") then 1 else 0 end";
        // "offset 0" keeps PostgreSQL from pulling the lateral subquery up into a join it may plan as a seq scan.
        String childrenOfEnded = database == Database.POSTGRESQL
                ? " cross join lateral (select r.run_id, r.status from " + runs + " r where r.parent_run_id = b.run_id"
                        + " offset 0) r"
                : " join " + runs + " r on r.parent_run_id = b.run_id";
        try (PreparedStatement statement = connection.prepareStatement("with recursive below (child_id, run_id,"
                + " under_way, depth) as (select run_id, run_id, " + isUnderWay + ", 1 from " + runs
                + " where parent_run_id = ?" + (afterRunId.isPresent() ? " and run_id > ?" : "")
                + " union all select b.child_id, r.run_id, " + isUnderWay.replace("status", "r.status") + ", b.depth + 1"
                + " from below b" + childrenOfEnded + " where b.under_way = 0 and b.depth < "
                + FlowStore.DESCENDANT_DEPTH_LIMIT + ")"
                + " select " + RUN_COLUMNS + " from " + runs + " where run_id in (select child_id from below"
                + " where under_way = 1 group by child_id order by child_id fetch first ? rows only) order by run_id")) {
            int i = 1;
            statement.setString(i++, parentRunId);
            if (afterRunId.isPresent()) {
                statement.setString(i++, afterRunId.get());
            }
            statement.setInt(i, limit);
            List<RunRecord> page = new ArrayList<>(Math.min(limit, 100));
            readAll(statement, found -> page.add(found.run()));
            return page;
        }
    }

    /**
     * The runs under way past their deadline, earliest first, after the cursor: through run_deadline_idx (V31), on
     * PostgreSQL partial, whose predicate names these statuses as the query does, so that a generic plan uses it too.
     */
    List<RunDeadline> runsPastDeadline(Connection connection, Instant now, Optional<RunDeadline> after, int limit)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select deadline, run_id from " + runs
                + " where deadline is not null and deadline <= ? and status in (" + UNDER_WAY.stream()
                        .map(status -> "'" + STATUS.convertToDatabaseColumn(status) + "'")
                        .collect(Collectors.joining(", ")) + ")"
                + (after.isPresent() ? " and (deadline > ? or (deadline = ? and run_id > ?))" : "")
                + " order by deadline, run_id fetch first ? rows only")) {
            int i = 1;
            setInstant(statement, i++, Optional.of(now), database);
            if (after.isPresent()) {
                setInstant(statement, i++, Optional.of(after.get().deadline()), database);
                setInstant(statement, i++, Optional.of(after.get().deadline()), database);
                statement.setString(i++, after.get().runId());
            }
            statement.setInt(i, limit);
            List<RunDeadline> due = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    due.add(new RunDeadline(getInstant(rows, 1).orElseThrow(), rows.getString(2)));
                }
            }
            return due;
        }
    }

    /**
     * Whether a run below the run, at any depth, is under way: a child under way (run_parent_under_way_idx, V30, on
     * PostgreSQL partial), or one under a descendant that ended, found by walking down through the ended ones alone
     * (run_parent_started_idx, V19; below a run under way there is nothing more to find) and asking of each whether
     * a child of it is under way (run_parent_under_way_idx). The database stops at the first it finds; with none, it
     * reads every descendant that ended, an index entry each.
     */
    boolean hasDescendantRunsUnderWay(Connection connection, String rootRunId) throws SQLException {
        String underWay = UNDER_WAY.stream().map(status -> "'" + STATUS.convertToDatabaseColumn(status) + "'")
                .collect(Collectors.joining(", "));
        try (PreparedStatement statement = connection.prepareStatement("with recursive ended_below (run_id, depth) as"
                + " (select run_id, 1 from " + runs + " where parent_run_id = ? and status not in (" + underWay + ")"
                + " union all select r.run_id, e.depth + 1 from ended_below e join " + runs + " r"
                + " on r.parent_run_id = e.run_id where e.depth < " + (FlowStore.DESCENDANT_DEPTH_LIMIT - 1)
                + " and r.status not in (" + underWay + "))"
                + " select 1 from " + runs + " where parent_run_id = ? and status in (" + underWay + ")"
                + " and run_id <> ? union all select 1 from ended_below e where exists (select 1 from " + runs + " c"
                + " where c.parent_run_id = e.run_id and c.status in (" + underWay + ") and c.run_id <> ?)"
                + " fetch first 1 rows only")) {
            for (int i = 1; i <= 4; i++) {
                statement.setString(i, rootRunId);
            }
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next();
            }
        }
    }

    /**
     * Every run below the run, at any depth, by status: a recursive query down the index on the parent
     * (run_parent_started_idx, V19), once per await on descendants, when none is under way.
     */
    ChildRunCounts descendantRunCounts(Connection connection, String rootRunId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("with recursive below (run_id, status, depth)"
                + " as (select run_id, status, 1 from " + runs + " where parent_run_id = ? and run_id <> ?"
                + " union all select r.run_id, r.status, b.depth + 1 from below b join " + runs + " r"
                + " on r.parent_run_id = b.run_id where b.depth < " + FlowStore.DESCENDANT_DEPTH_LIMIT
                + " and r.run_id <> ?) select status, count(distinct run_id) from below group by status")) {
            for (int i = 1; i <= 3; i++) {
                statement.setString(i, rootRunId);
            }
            ChildRunCounts counts = ChildRunCounts.NONE;
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    counts = counts.plus(STATUS.convertToEntityAttribute(rows.getString(1)), rows.getLong(2));
                }
            }
            return counts;
        }
    }

    /**
     * Whether a child of a run at {@link FlowStore#DESCENDANT_DEPTH_LIMIT} generations below the run is not among those
     * {@link #descendantRunCounts} counts: the same recursive query, then one probe of the index on the parent per
     * run at the limit. Asked only for a tree of that many runs.
     */
    boolean hasDescendantRunsBeyondDepthLimit(Connection connection, String rootRunId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("with recursive below (run_id, depth)"
                + " as (select run_id, 1 from " + runs + " where parent_run_id = ? and run_id <> ?"
                + " union all select r.run_id, b.depth + 1 from below b join " + runs + " r"
                + " on r.parent_run_id = b.run_id where b.depth < " + FlowStore.DESCENDANT_DEPTH_LIMIT
                + " and r.run_id <> ?) select 1 from below b join " + runs + " c on c.parent_run_id = b.run_id"
                + " where b.depth = " + FlowStore.DESCENDANT_DEPTH_LIMIT + " and c.run_id <> ?"
                + " and c.run_id not in (select run_id from below) fetch first 1 rows only")) {
            for (int i = 1; i <= 4; i++) {
                statement.setString(i, rootRunId);
            }
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next();
            }
        }
    }

    /** The children of a run by status, through run_parent_started_idx: once per await, when none is under way. */
    ChildRunCounts childRunCounts(Connection connection, String parentRunId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "select status, count(*) from " + runs + " where parent_run_id = ? group by status")) {
            statement.setString(1, parentRunId);
            ChildRunCounts counts = ChildRunCounts.NONE;
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    counts = counts.plus(STATUS.convertToEntityAttribute(rows.getString(1)), rows.getLong(2));
                }
            }
            return counts;
        }
    }

    private static void readAll(PreparedStatement statement, Consumer<StoredRun> found) throws SQLException {
        try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                found.accept(read(rows));
            }
        }
    }

    private static StoredRun read(ResultSet row) throws SQLException {
        RunRecord run = RunEntity.record(row.getString(1), row.getString(2), STATUS.convertToEntityAttribute(
                        row.getString(3)), row.getString(4), row.getString(5), row.getString(6),
                getInstant(row, 9).orElseThrow(), getInstant(row, 10).orElse(null), row.getString(7),
                row.getString(8), row.getLong(12), row.getString(13), row.getString(14), row.getString(15),
                row.getObject(16, Integer.class), row.getString(17), row.getObject(18, Long.class),
                getInstant(row, 19).orElse(null));
        return new StoredRun(run, row.getLong(11));
    }

    PreparedStatement prepareInsertRun(Connection connection) throws SQLException {
        return connection.prepareStatement(insertRun);
    }

    void bindInsert(PreparedStatement insert, RunRecord run, long lastSeq) throws SQLException {
        insert.setString(1, run.runId());
        insert.setString(2, run.flow());
        insert.setString(3, STATUS.convertToDatabaseColumn(run.status()));
        setJson(insert, 4, Optional.of(run.input()), database);
        setJson(insert, 5, run.result(), database);
        insert.setString(6, run.parentRunId().orElse(null));
        setJson(insert, 7, Optional.of(RunEntity.stepsJson(run.steps())), database);
        setJson(insert, 8, Optional.of(RunEntity.emittedJson(run.emitted())), database);
        setInstant(insert, 9, Optional.of(run.startedAt()), database);
        setInstant(insert, 10, run.endedAt(), database);
        insert.setLong(11, lastSeq);
        insert.setLong(12, run.version());
        insert.setString(13, run.idempotencyKey().orElse(null));
        insert.setString(14, run.error().orElse(null));
        insert.setString(15, run.concurrencyKey().orElse(null));
        insert.setObject(16, RunEntity.concurrencyLimitColumn(run), java.sql.Types.INTEGER);
        insert.setString(17, RunEntity.labelsText(run.labels()));
        insert.setObject(18, RunEntity.timeoutColumn(run), java.sql.Types.BIGINT);
        setInstant(insert, 19, run.deadline(), database);
    }

    /**
     * Inserts the rows of {@code created}'s labels that {@link #find} filters by, with one batch; the runs are
     * inserted already (a label row refers to its run, and goes with it when the run is deleted).
     */
    void insertLabels(Connection connection, Collection<RunRecord> created) throws SQLException {
        if (created.stream().allMatch(run -> run.labels().isEmpty())) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(insertLabel)) {
            for (RunRecord run : created) {
                for (String label : run.labels()) {
                    insert.setString(1, run.runId());
                    insert.setString(2, label);
                    setInstant(insert, 3, Optional.of(run.startedAt()), database);
                    insert.addBatch();
                }
            }
            insert.executeBatch();
        }
    }

    PreparedStatement prepareUpdateRun(Connection connection) throws SQLException {
        return connection.prepareStatement(updateRun);
    }

    /**
     * Binds the update of a stored run ({@code before}, at its version and with its history's last
     * number) to {@code after}, whose version is the new one, and {@code lastSeq}. The update finds no
     * row when the history has grown since {@code before} was read: an append leaves the version as
     * it was.
     */
    void bindUpdate(PreparedStatement update, StoredRun stored, RunRecord after, long lastSeq) throws SQLException {
        RunRecord before = stored.run();
        update.setString(1, after.flow());
        update.setString(2, STATUS.convertToDatabaseColumn(after.status()));
        setJson(update, 3, ifChanged(before.input(), after.input(), Function.identity()), database);
        setJson(update, 4, after.result(), database);
        update.setString(5, after.parentRunId().orElse(null));
        setJson(update, 6, ifChanged(before.steps(), after.steps(), RunEntity::stepsJson), database);
        setJson(update, 7, ifChanged(before.emitted(), after.emitted(), RunEntity::emittedJson), database);
        setInstant(update, 8, Optional.of(after.startedAt()), database);
        setInstant(update, 9, after.endedAt(), database);
        update.setLong(10, lastSeq);
        update.setLong(11, after.version());
        update.setString(12, after.error().orElse(null));
        setInstant(update, 13, after.deadline(), database);
        update.setString(14, after.runId());
        update.setLong(15, before.version());
        update.setLong(16, stored.lastSeq());
    }

    /** The text of a never-null JSON column for the update: none (keep the stored one) if unchanged. */
    private static <T> Optional<String> ifChanged(T before, T after, Function<T, String> text) {
        return after.equals(before) ? Optional.empty() : Optional.of(text.apply(after));
    }

    PreparedStatement prepareInsertEvent(Connection connection) throws SQLException {
        return connection.prepareStatement(insertEvent);
    }

    void bindEvent(PreparedStatement insert, HistoryEvent event) throws SQLException {
        insert.setString(1, event.runId());
        insert.setLong(2, event.seq());
        insert.setString(3, EVENT_TYPE.convertToDatabaseColumn(event.type()));
        insert.setString(4, event.step().orElse(null));
        insert.setInt(5, event.attempt());
        setInstant(insert, 6, Optional.of(event.timestamp()), database);
        setJson(insert, 7, Optional.of(event.data()), database);
    }
}
