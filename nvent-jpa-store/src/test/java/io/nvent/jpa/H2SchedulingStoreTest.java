package io.nvent.jpa;

import io.nvent.spi.FlowStore;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.testkit.SchedulingStoreContractTest;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;

/** The scheduling store contract on in-memory H2 (the database behind Payara's default datasource), URL mode. */
class H2SchedulingStoreTest extends SchedulingStoreContractTest {

    private static final String URL = TestDatabases.newH2Url();
    private static JpaFlowStore store;

    @Override
    protected SchedulingStore createStore() {
        if (store == null) {
            store = JpaFlowStore.create(URL, "sa", "", JpaStoreOptions.defaults());
        }
        return store.schedulingStore();
    }

    @Override
    protected void wipe(SchedulingStore storeToWipe) {
        // Awaits and leases go with their runs, trigger history with its trigger (on delete cascade).
        TestDatabases.execute(URL, "delete from nvent_run_event", "delete from nvent_run",
                "delete from nvent_flow_trigger", "delete from nvent_schedule_tick", "delete from nvent_webhook_request",
                "delete from nvent_rate_start", "delete from nvent_rate_limit", "delete from nvent_concurrency_key",
                "delete from nvent_concurrency_key_holder", "delete from nvent_request_key", "delete from nvent_trigger_debounce",
                "delete from nvent_concurrency_key_settle");
    }

    @Override
    protected boolean holdsConcurrencyKeys() {
        return true;
    }

    @Override
    protected OptionalInt concurrencyKeysKept() {
        return OptionalInt.of(Math.toIntExact(TestDatabases.queryLong(URL, "select count(*) from nvent_concurrency_key")));
    }

    @Override
    protected boolean storeARowOfAFreeConcurrencyKey(String key) {
        TestDatabases.execute(URL, "insert into nvent_concurrency_key (concurrency_key) values ('" + key + "')");
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
        // Awaits and leases reference their run.
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
