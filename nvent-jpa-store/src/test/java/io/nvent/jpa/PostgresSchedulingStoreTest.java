package io.nvent.jpa;

import io.nvent.spi.FlowStore;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.testkit.SchedulingStoreContractTest;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The scheduling store contract on a real PostgreSQL (embedded, or {@code NVENT_TEST_JDBC_URL}), on
 * a pooled data source, with tables of its own prefix.
 */
class PostgresSchedulingStoreTest extends SchedulingStoreContractTest {

    private static JpaFlowStore store;

    /**
     * A test that fails on a lock a transaction left open holds ({@link TestDatabases#LOCK_WAIT}; a hang before it)
     * says which transaction that is, as a test's wipe does.
     */
    @RegisterExtension
    static final TestWatcher OPEN_TRANSACTIONS = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            System.getLogger(PostgresSchedulingStoreTest.class.getName()).log(System.Logger.Level.WARNING,
                    () -> context.getDisplayName() + " failed; " + TestDatabases.openTransactions(
                            TestDatabases.postgres()));
        }
    };

    @Override
    protected SchedulingStore createStore() {
        if (store == null) {
            store = JpaFlowStore.create(TestDatabases.postgres(),
                    JpaStoreOptions.newBuilder().tablePrefix("scheduling_").build());
        }
        return store.schedulingStore();
    }

    @Override
    protected void wipe(SchedulingStore storeToWipe) {
        TestDatabases.execute(TestDatabases.postgres(), "delete from scheduling_run_event",
                "delete from scheduling_run", "delete from scheduling_flow_trigger", "delete from scheduling_schedule_tick", "delete from scheduling_webhook_request",
                "delete from scheduling_rate_start", "delete from scheduling_rate_limit",
                "delete from scheduling_concurrency_key", "delete from scheduling_concurrency_key_holder",
                "delete from scheduling_request_key", "delete from scheduling_trigger_debounce", "delete from scheduling_concurrency_key_settle");
    }

    @Override
    protected boolean holdsConcurrencyKeys() {
        return true;
    }

    @Override
    protected OptionalInt concurrencyKeysKept() {
        return OptionalInt.of(Math.toIntExact(TestDatabases.queryLong(TestDatabases.postgres(), "select count(*) from scheduling_concurrency_key")));
    }

    @Override
    protected boolean storeARowOfAFreeConcurrencyKey(String key) {
        TestDatabases.execute(TestDatabases.postgres(), "insert into scheduling_concurrency_key (concurrency_key) values ('" + key + "')");
        return true;
    }

    @Override
    protected boolean keepsProgress() {
        return true;
    }

    @Override
    protected boolean keepsHeartbeats() {
        return true;
    }

    @Override
    protected boolean keepsInstances() {
        return true;
    }

    @Override
    protected boolean keepsOwedCatchUps() {
        return true;
    }

    @Override
    protected boolean keepsLeaseExecutions() {
        return true;
    }

    @Override
    protected boolean refusesFinishingALostLease() {
        return true;
    }

    @Override
    protected boolean savesAwaitsWithRunChanges() {
        return true;
    }

    @Override
    protected FlowStore flowStore() {
        // Its own flow store: runs and leases change in one transaction.
        return store;
    }

    @Override
    protected void runExists(String runId) {
        store.createRun(RunRecord.started(runId, "contract", "{}", Optional.empty(), T0), List.of());
    }

    @AfterAll
    static void closeStore() {
        if (store != null) {
            store.close();
            store = null;
        }
    }
}
