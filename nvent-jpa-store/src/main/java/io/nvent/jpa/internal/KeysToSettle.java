package io.nvent.jpa.internal;

import io.nvent.RunStatus;
import io.nvent.spi.RunRecord;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The concurrency keys that may need settling (table {@code concurrency_key_settle}, schema V27), so that the
 * maintenance sweep reads these instead of every key held. A key is marked in the transaction of the write that may
 * leave it unsettled, and each mark carries an id of its own: the sweep deletes a mark it read only while it still has
 * that id, so that a mark written again after the sweep read it (by a write the sweep did not see yet) stays.
 */
final class KeysToSettle {

    private final String table;
    private final String mark;

    /**
     * @param tables schema (with its dot) and prefix of the store's tables
     */
    KeysToSettle(Database database, String tables) {
        this.table = tables + "concurrency_key_settle";
        this.mark = database == Database.POSTGRESQL
                ? "insert into " + table + " (concurrency_key, mark_id) values (?, ?)"
                        + " on conflict (concurrency_key) do update set mark_id = excluded.mark_id"
                : "merge into " + table + " (concurrency_key, mark_id) key (concurrency_key) values (?, ?)";
    }

    /** The table, for statements that take only the marked keys. */
    String table() {
        return table;
    }

    /**
     * Marks the keys (again, with a new id where one was marked), within the caller's transaction, in the order given:
     * callers give them sorted, so that two transactions marking the same keys do not wait for each other.
     */
    void mark(Connection connection, List<String> keys) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(mark)) {
            for (String key : keys) {
                statement.setString(1, key);
                statement.setString(2, UUID.randomUUID().toString());
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    /**
     * Marks the keys these runs, which the caller's transaction ends, may leave held: each run's own key, also one a
     * settle not committed yet is handing to it (which the tables do not show). A run holds no other key: the engine
     * lets a run wait only for its own key ({@link RunRecord#concurrencyKey()}, stored with the run and never
     * changed), and a settle hands a key only to a run waiting for it. So the end of a run without a key costs no
     * statement, and a batch of ends one batched upsert.
     */
    void markHeldBy(Connection connection, List<RunRecord> ended) throws SQLException {
        Set<String> keys = new TreeSet<>();
        ended.forEach(run -> run.concurrencyKey().ifPresent(keys::add));
        mark(connection, List.copyOf(keys));
    }

    /** Whether the change ends the run: it leaves the statuses under way, in which a run holds its concurrency key. */
    static boolean ends(RunRecord before, RunRecord after) {
        return isUnderWay(before.status()) && !isUnderWay(after.status());
    }

    /** Whether a run in this status holds its concurrency key (the scheduling store's {@code UNDER_WAY}). */
    private static boolean isUnderWay(RunStatus status) {
        return status == RunStatus.RUNNING || status == RunStatus.AWAITING || status == RunStatus.STALLED
                || status == RunStatus.COMPENSATING;
    }

    /** Up to {@code limit} marked keys, each with its mark's id. */
    Map<String, String> read(Connection connection, int limit) throws SQLException {
        Map<String, String> marks = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("select concurrency_key, mark_id from " + table
                + " limit " + limit)) {
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    marks.put(rows.getString(1), rows.getString(2));
                }
            }
        }
        return marks;
    }

    /** Deletes these marks, each only while it still has the id it was read with; in the order of the keys. */
    void clear(Connection connection, Map<String, String> marks) throws SQLException {
        if (marks.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement("delete from " + table
                + " where concurrency_key = ? and mark_id = ?")) {
            for (Map.Entry<String, String> marked : new TreeMap<>(marks).entrySet()) {
                statement.setString(1, marked.getKey());
                statement.setString(2, marked.getValue());
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }
}
