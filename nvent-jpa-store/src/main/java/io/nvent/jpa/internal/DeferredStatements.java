package io.nvent.jpa.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Statements the writes of one grouped commit leave to its end, so that each statement text costs
 * one JDBC batch (one round trip) for the whole group instead of one round trip per write: the step
 * leases taken and released with step starts and finishes.
 *
 * <p>Statements are batched per text, in the order the texts first came. That is only right for
 * statements of one group that never touch the same row twice, which holds for leases: a step's
 * finish is handed in only after its start has committed, so they never share a group.
 */
final class DeferredStatements {

    /** Binds one execution's parameters. */
    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    private record Execution(Binder binder, Optional<Supplier<RuntimeException>> unlessOneRow) {
    }

    private final Map<String, List<Execution>> bySql = new LinkedHashMap<>();

    /** Runs {@code sql} at the end of the group. */
    void add(String sql, Binder binder) {
        bySql.computeIfAbsent(sql, text -> new ArrayList<>()).add(new Execution(binder, Optional.empty()));
    }

    /**
     * Runs {@code sql} at the end of the group, which fails with {@code failure} unless it changed
     * exactly one row (the group's writes then run again one by one, each on its own).
     */
    void addExpectingOneRow(String sql, Binder binder, Supplier<RuntimeException> failure) {
        bySql.computeIfAbsent(sql, text -> new ArrayList<>()).add(new Execution(binder, Optional.of(failure)));
    }

    /** Executes everything added, one batch per statement text. */
    void execute(Connection connection) throws SQLException {
        for (Map.Entry<String, List<Execution>> entry : bySql.entrySet()) {
            List<Execution> executions = entry.getValue();
            try (PreparedStatement statement = connection.prepareStatement(entry.getKey())) {
                for (Execution execution : executions) {
                    execution.binder().bind(statement);
                    statement.addBatch();
                }
                int[] counts = statement.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    Optional<Supplier<RuntimeException>> failure = executions.get(i).unlessOneRow();
                    if (failure.isPresent() && counts[i] != 1) {
                        throw failure.get().get();
                    }
                }
            }
        }
        bySql.clear();
    }
}
