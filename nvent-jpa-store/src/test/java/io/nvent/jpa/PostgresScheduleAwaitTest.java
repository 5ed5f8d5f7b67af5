package io.nvent.jpa;

/** {@link H2ScheduleAwaitTest} on a real PostgreSQL (embedded, or {@code NVENT_TEST_JDBC_URL}). */
class PostgresScheduleAwaitTest extends H2ScheduleAwaitTest {

    @Override
    JpaFlowStore openStore(String database) {
        // Tables of its own: its sweeps leave other tests' runs alone (leftovers of an earlier run are its own flow's).
        return JpaFlowStore.create(TestDatabases.postgres(),
                JpaStoreOptions.newBuilder().tablePrefix("schedawait_").build());
    }
}
