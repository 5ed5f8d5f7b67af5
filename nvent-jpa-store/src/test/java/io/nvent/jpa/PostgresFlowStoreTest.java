package io.nvent.jpa;

import io.nvent.spi.FlowStore;
import io.nvent.testkit.FlowStoreContractTest;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;

/**
 * The store contract on a real PostgreSQL (embedded, or {@code NVENT_TEST_JDBC_URL}), on a pooled
 * data source. Tables use their own prefix so that an external database is left alone otherwise.
 */
class PostgresFlowStoreTest extends FlowStoreContractTest {

    /** Only the contract's retention tests call {@code purgeFinishedRuns}. */
    private static final RetentionPolicy RETENTION = RetentionPolicy.maxAge(Duration.ofDays(2));

    private static JpaFlowStore store;

    @Override
    protected FlowStore createStore() {
        if (store == null) {
            store = JpaFlowStore.create(TestDatabases.postgres(),
                    JpaStoreOptions.newBuilder().tablePrefix("contract_").retention(RETENTION).build());
        }
        return store;
    }

    @Override
    protected Optional<Duration> retention() {
        return RETENTION.maxAge();
    }

    @Override
    protected void wipe(FlowStore storeToWipe) {
        TestDatabases.execute(TestDatabases.postgres(), "delete from contract_run_event", "delete from contract_run");
    }

    @AfterAll
    static void closeStore() {
        if (store != null) {
            store.close();
            store = null;
        }
    }
}
