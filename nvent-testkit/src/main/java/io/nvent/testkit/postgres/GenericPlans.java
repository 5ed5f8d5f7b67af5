package io.nvent.testkit.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The plan PostgreSQL uses for a statement whatever its parameters: the generic plan a server-prepared statement gets
 * after a few executions, which a test of a query's index reads, since a custom plan for one set of values may hide
 * a sequential scan.
 *
 * @since 0.2
 */
public final class GenericPlans {

    private GenericPlans() {
    }

    /**
     * The generic plan of a statement with JDBC parameters ({@code ?}), as a server-prepared statement gets it.
     *
     * @param dataSource the database to plan on; the statement is prepared and dropped again in a transaction that is
     *                   rolled back
     * @param sql        the statement, as the adapter sends it
     * @return the statement, a line break and its plan, a line a node
     */
    public static String of(DataSource dataSource, String sql) {
        Matcher parameter = Pattern.compile("\\?").matcher(sql);
        StringBuilder numbered = new StringBuilder();
        int count = 0;
        while (parameter.find()) {
            parameter.appendReplacement(numbered, "\\$" + ++count);
        }
        parameter.appendTail(numbered);
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.execute("set local plan_cache_mode = force_generic_plan");
            statement.execute("prepare planned as " + numbered);
            StringBuilder plan = new StringBuilder();
            String nulls = String.join(", ", Collections.nCopies(count, "null"));
            try (ResultSet rows = statement.executeQuery("explain execute planned" + (count > 0 ? "(" + nulls + ")" : ""))) {
                while (rows.next()) {
                    plan.append(rows.getString(1)).append('\n');
                }
            }
            connection.rollback();
            statement.execute("deallocate planned");
            return sql + "\n" + plan;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot plan " + sql + ": " + e.getMessage(), e);
        }
    }
}
