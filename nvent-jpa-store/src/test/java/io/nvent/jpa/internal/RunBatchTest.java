package io.nvent.jpa.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.NventException;
import io.nvent.StepStatus;
import io.nvent.jpa.JpaFlowStore;
import io.nvent.jpa.JpaStoreOptions;
import io.nvent.jpa.TestDatabases;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What a grouped commit's writes do when the database does not hold what the batch read. */
class RunBatchTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static HikariDataSource h2;

    @AfterAll
    static void closeH2() {
        if (h2 != null) {
            h2.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Database.class, names = {"H2", "POSTGRESQL"})
    void failsTheWriteOfARunChangedBehindItsBackAndWritesNothing(Database database) throws SQLException {
        DataSource dataSource = dataSource(database);
        String runId = "stale-" + UUID.randomUUID();
        try (JpaFlowStore store = JpaFlowStore.create(dataSource,
                JpaStoreOptions.newBuilder().tablePrefix("batch_").build())) {
            store.createRun(RunRecord.started(runId, "orders", "{}", Optional.empty(), T0), List.of());
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                RunBatch batch = new RunBatch(new RunTables(database, "batch_"));
                batch.lock(connection, List.of(runId));
                RunRecord read = batch.find(runId).orElseThrow();
                // Only a writer that ignores the row lock can do this; here, the batch's own transaction.
                try (PreparedStatement behind = connection.prepareStatement(
                        "update batch_run set version = version + 1 where run_id = ?")) {
                    behind.setString(1, runId);
                    behind.executeUpdate();
                }
                batch.change(read.withStep("a", StepStatus.COMPLETED),
                        List.of(EventDraft.ofRun(EventType.LOG, T0, "{}")));

                assertThatThrownBy(() -> batch.write(connection)).isInstanceOf(NventException.class)
                        .hasMessageContaining("NVENT-0319").hasMessageContaining(runId);
                connection.rollback();
            }
            assertThat(store.findRun(runId).orElseThrow().steps()).isEmpty();
            assertThat(store.readEvents(runId, EventQuery.all())).isEmpty();
        }
    }

    private static synchronized DataSource dataSource(Database database) {
        if (database == Database.POSTGRESQL) {
            return TestDatabases.postgres();
        }
        if (h2 == null) {
            h2 = TestDatabases.pool(TestDatabases.newH2Url(), "sa", "", 4);
        }
        return h2;
    }
}
