package io.nvent.jpa;

/** {@link H2ScheduleAwaitTest} on a real PostgreSQL (embedded, or {@code NVENT_TEST_JDBC_URL}). */
class PostgresScheduleAwaitTest extends H2ScheduleAwaitTest {

    @Override
    JpaFlowStore openStore(String database) {
        // Tables of its own: the sweeps leave other tests' runs alone, and an earlier run's leftovers are its own flow's.
        return JpaFlowStore.create(TestDatabases.postgres(),
                JpaStoreOptions.newBuilder().tablePrefix("schedawait_").build());
    }
}
