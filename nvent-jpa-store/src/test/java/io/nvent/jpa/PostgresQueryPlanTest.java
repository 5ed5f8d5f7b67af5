package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.hibernate.resource.jdbc.spi.StatementInspector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How PostgreSQL plans the store's periodic selects over a store of production shape (60,000 runs,
 * analyzed), as the statements that Hibernate sends: a select that walks the whole run table costs
 * every instance a full read of its largest table but one each time it runs. Planned generically,
 * as PostgreSQL plans a statement the JDBC driver has prepared on the server once it ran a few
 * times, without {@code enable_seqscan = off}: with it any index would do, and the point is which
 * plan the planner prefers.
 */
class PostgresQueryPlanTest {

    private static final String PREFIX = "plans_";
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    @BeforeAll
    static void fillAStoreOfProductionShape() {
        JpaFlowStore.create(dataSource(), JpaStoreOptions.newBuilder().tablePrefix(PREFIX).build()).close();
        // A run every second up to NOW, a tenth of them still running (no end time), the others ended 3 s
        // after their start: none is older than a week, so a retention of 7 days finds nothing due.
        TestDatabases.execute(dataSource(), "delete from " + PREFIX + "run_event", "delete from " + PREFIX + "run",
                "insert into " + PREFIX + "run (run_id, flow, status, input_json, steps_json, emitted_json,"
                        + " started_at, ended_at, last_seq, version)"
                        + " select 'run-' || g || '-' || md5(g::text), 'flow-' || (g % 20),"
                        + " case when g % 10 = 0 then 'running' else 'completed' end,"
                        + " '{\"order\": \"o-123456\", \"customer\": \"c-42\", \"amount\": 42.5, \"lines\": [1, 2, 3]}',"
                        + " '{\"validate\": \"completed\", \"charge\": \"completed\", \"ship\": \"queued\"}', '{}',"
                        + " timestamptz '2030-01-01 00:00:00+00' - g * interval '1 second',"
                        + " case when g % 10 <> 0 then timestamptz '2030-01-01 00:00:03+00' - g * interval '1 second' end,"
                        + " 10, 10 from generate_series(1, 60000) g",
                "analyze " + PREFIX + "run");
    }

    @Test
    void theRetentionSweepsMinuteCheckWithNothingDueReadsTheRunsThroughIndexesInsteadOfTheWholeTable() {
        RecordedSql.STATEMENTS.clear();
        try (JpaFlowStore store = JpaFlowStore.create(dataSource(), JpaStoreOptions.newBuilder().tablePrefix(PREFIX)
                .hibernateProperty("hibernate.session_factory.statement_inspector", RecordedSql.class.getName())
                .build())) {
            assertThat(store.purgeFinishedRuns(RetentionPolicy.maxAge(Duration.ofDays(7)), NOW)).isZero();
        }

        List<String> selects = RecordedSql.STATEMENTS.stream()
                .filter(sql -> sql.toLowerCase(Locale.ROOT).matches("(?s)select .* from " + PREFIX + "run\\b.*"))
                .toList();
        // One per finished status by its end time, one for finished runs stored without an end time.
        assertThat(selects).hasSize(4);
        assertThat(selects).allSatisfy(select -> assertThat(genericPlan(select))
                .containsIgnoringCase("index")
                .doesNotContainIgnoringCase("seq scan on " + PREFIX + "run"));
    }

    /** The generic plan of a statement with JDBC parameters ({@code ?}), as a server-prepared statement gets it. */
    private static String genericPlan(String sql) {
        Matcher parameter = Pattern.compile("\\?").matcher(sql);
        StringBuilder numbered = new StringBuilder();
        int count = 0;
        while (parameter.find()) {
            parameter.appendReplacement(numbered, "\\$" + ++count);
        }
        parameter.appendTail(numbered);
        try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
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

    private static DataSource dataSource() {
        return TestDatabases.postgres();
    }

    /** Records the SQL of every statement Hibernate prepares (a statement inspector; Hibernate makes it). */
    public static final class RecordedSql implements StatementInspector {
        static final List<String> STATEMENTS = new CopyOnWriteArrayList<>();

        @Override
        public String inspect(String sql) {
            STATEMENTS.add(sql);
            return sql;
        }
    }
}
