package io.nvent.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.nvent.StepProgress;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The run read the engine makes before every step, on a pool whose connections are not in
 * auto-commit (as a server's pools and the benchmark's are): one statement in auto-commit, no
 * transaction of its own to roll back, and the connection handed back as it came. Real PostgreSQL;
 * the data source only records what the store does with the connections.
 */
class RunReadTransactionTest {

    private HikariDataSource pool;
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private JpaFlowStore store;

    @BeforeEach
    void createStore() {
        DataSource shared = TestDatabases.postgres();
        pool = new HikariDataSource();
        pool.setDataSource(shared);
        pool.setAutoCommit(false);
        pool.setMaximumPoolSize(2);
        store = JpaFlowStore.create(recording(pool), JpaStoreOptions.newBuilder().tablePrefix("readtx_").build());
    }

    @AfterEach
    void closeStore() {
        store.close();
        pool.close();
    }

    @Test
    void aRunReadRunsInAutoCommitAndHandsTheConnectionBackAsItCame() throws SQLException {
        RunRecord run = RunRecord.started("read-tx-" + System.nanoTime(), "orders", "{}", Optional.empty(),
                Instant.parse("2026-12-01T00:00:00Z"));
        store.createRun(run, List.of());
        calls.clear();

        assertThat(store.findRun(run.runId())).map(RunRecord::flow).contains("orders");

        assertThat(calls).doesNotContain("rollback", "commit").containsSubsequence("setAutoCommit(true)",
                "setAutoCommit(false)");
        try (Connection connection = pool.getConnection()) {
            assertThat(connection.getAutoCommit()).isFalse();
        }
    }

    @Test
    void theLeasesAndProgressOfARunPolledEverySecondAreReadInAutoCommitToo() throws SQLException {
        Instant now = Instant.parse("2026-12-01T00:00:00Z");
        RunRecord run = RunRecord.started("read-tx-" + System.nanoTime(), "orders", "{}", Optional.empty(), now);
        store.createRun(run, List.of());
        SchedulingStore scheduling = store.schedulingStore();
        StepLease lease = StepLease.renewed(run.runId(), "import", "node-a", now, now.plusSeconds(60));
        scheduling.acquireLease(lease, now);
        scheduling.recordProgress(lease, new StepProgress(12, 50, Optional.empty(), now), now);
        calls.clear();

        assertThat(scheduling.progressOfRun(run.runId())).containsOnlyKeys("import");
        assertThat(scheduling.leasesOfRun(run.runId())).extracting(StepLease::owner).containsExactly("node-a");

        assertThat(calls).as("no transaction (and Hibernate session) per read").doesNotContain("rollback", "commit")
                .containsSubsequence("setAutoCommit(true)", "setAutoCommit(false)", "setAutoCommit(true)",
                        "setAutoCommit(false)");
        try (Connection connection = pool.getConnection()) {
            assertThat(connection.getAutoCommit()).isFalse();
        }
    }

    /** Connections of {@code target} that record the transaction calls made on them. */
    private DataSource recording(DataSource target) {
        InvocationHandler dataSource = (proxy, method, args) -> {
            Object result = invoke(target, method, args);
            return result instanceof Connection connection ? recording(connection) : result;
        };
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                dataSource);
    }

    private Connection recording(Connection target) {
        InvocationHandler connection = (proxy, method, args) -> {
            switch (method.getName()) {
                case "commit", "rollback" -> calls.add(method.getName());
                case "setAutoCommit" -> calls.add("setAutoCommit(" + args[0] + ")");
                default -> {
                }
            }
            return invoke(target, method, args);
        };
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                connection);
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
