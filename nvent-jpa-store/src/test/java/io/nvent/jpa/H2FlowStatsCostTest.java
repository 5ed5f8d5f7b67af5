package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Review: a flow's counts (FlowStore.stats: the console's flow list and live statistics, code waiting for runs to
 * complete) on H2. Their last completion must cost an entry of the index of V46, as on PostgreSQL
 * (PostgresQueryPlanTest), not an entry for each completed run of the flow: that would read the flow's completed runs
 * a second time, beside the count, on every count.
 */
class H2FlowStatsCostTest {

    private static final int COMPLETED = 9_000;

    @Test
    void aFlowsLastCompletionOnH2ReadsOneEntryOfTheIndexNotOneForEachCompletedRun() throws SQLException {
        List<String> prepared = new CopyOnWriteArrayList<>();
        try (HikariDataSource pool = TestDatabases.pool(TestDatabases.newH2Url(), "sa", "", 2);
             JpaFlowStore store = JpaFlowStore.create(TestDatabases.recording(pool, prepared),
                     JpaStoreOptions.defaults())) {
            // 10,000 runs of the flow a second apart, 9,000 completed 3 s after their start, the others failed
            TestDatabases.execute(pool, "insert into nvent_run (run_id, flow, status, input_json, steps_json,"
                    + " emitted_json, started_at, ended_at, last_seq, version)"
                    + " select 'run-' || x, 'orders', case when mod(x, 10) = 0 then 'failed' else 'completed' end,"
                    + " '{}', '{}', '{}', timestamp with time zone '2030-01-01 00:00:00+00' + x * interval '1' second,"
                    + " timestamp with time zone '2030-01-01 00:00:03+00' + x * interval '1' second, 1, 1"
                    + " from system_range(1, 10000)");
            prepared.clear();

            assertThat(store.stats("orders").completed()).isEqualTo(COMPLETED);
            assertThat(store.stats("orders").lastCompletedAt()).contains(Instant.parse("2030-01-01T02:46:42Z"));

            String sql = prepared.get(0);
            String plan = explainAnalyze(pool, sql.replace("?", "'orders'"));
            Matcher lastCompletion = Pattern.compile("NVENT_RUN_FLOW_COMPLETED_IDX[^*]*\\*/\\s*/\\* scanCount: (\\d+)")
                    .matcher(plan);
            assertThat(lastCompletion.find()).as(plan).isTrue();
            assertThat(Integer.parseInt(lastCompletion.group(1))).as("entries read: %s", plan).isLessThan(10);
        }
    }

    private static String explainAnalyze(HikariDataSource pool, String sql) throws SQLException {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("explain analyze " + sql)) {
            StringBuilder plan = new StringBuilder();
            while (rows.next()) {
                plan.append(rows.getString(1)).append('\n');
            }
            return plan.toString();
        }
    }
}
