package io.nvent.jpa;

import io.nvent.spi.FlowStore;
import io.nvent.testkit.FlowStoreContractTest;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;

/** The store contract on in-memory H2 (the database behind Payara's default datasource), URL mode. */
class H2FlowStoreTest extends FlowStoreContractTest {

    /** Only the contract's retention tests call {@code purgeFinishedRuns}. */
    private static final RetentionPolicy RETENTION = RetentionPolicy.maxAge(Duration.ofDays(2));

    private static final String URL = TestDatabases.newH2Url();
    private static JpaFlowStore store;

    @Override
    protected FlowStore createStore() {
        if (store == null) {
            store = JpaFlowStore.create(URL, "sa", "", JpaStoreOptions.newBuilder().retention(RETENTION).build());
        }
        return store;
    }

    @Override
    protected Optional<Duration> retention() {
        return RETENTION.maxAge();
    }

    @Override
    protected void wipe(FlowStore storeToWipe) {
        // State goes with its run (on delete cascade); the history has no key to its run.
        TestDatabases.execute(URL, "delete from nvent_run_event", "delete from nvent_run");
    }

    @AfterAll
    static void closeStore() {
        if (store != null) {
            store.close();
            store = null;
        }
    }
}
