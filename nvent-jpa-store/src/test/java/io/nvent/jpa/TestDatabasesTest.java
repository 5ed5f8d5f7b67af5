package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A transaction a test leaves open must not hang the module's run: a later test's statement waiting on its locks
 * fails, and says which transaction holds them.
 */
class TestDatabasesTest {

    @Test
    void aTestsStatementWaitsOnAPostgresLockAtMostAMinute() {
        assertThat(TestDatabases.queryLong(TestDatabases.postgres(),
                "select extract(epoch from current_setting('lock_timeout')::interval)::bigint"))
                .isEqualTo(TestDatabases.LOCK_WAIT.toSeconds());
    }

    @Test
    void aStatementWaitingOnALockATransactionLeftOpenHoldsFailsNamingThatTransaction() throws SQLException {
        HikariDataSource shared = (HikariDataSource) TestDatabases.postgres();
        TestDatabases.execute(shared, "create table if not exists left_open_lock (id int primary key)",
                "delete from left_open_lock", "insert into left_open_lock values (1)");
        try (Connection leftOpen = shared.getConnection();
             HikariDataSource impatient = TestDatabases.pool(shared.getJdbcUrl(), shared.getUsername(),
                     shared.getPassword(), 2, Duration.ofMillis(300))) {
            leftOpen.setAutoCommit(false);
            try (Statement statement = leftOpen.createStatement()) {
                statement.execute("update left_open_lock set id = 1 where id = 1");
            }

            assertThatThrownBy(() -> TestDatabases.execute(impatient, "delete from left_open_lock"))
                    .hasMessageContaining("delete from left_open_lock waited too long on a lock")
                    .hasMessageContaining("idle in transaction")
                    .hasMessageContaining("update left_open_lock set id = 1 where id = 1");
            leftOpen.rollback();
        } finally {
            TestDatabases.execute(shared, "drop table left_open_lock");
        }
    }
}
