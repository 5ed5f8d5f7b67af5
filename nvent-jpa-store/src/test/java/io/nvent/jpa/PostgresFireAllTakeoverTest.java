package io.nvent.jpa;

/** A {@code fire-all} catch-up taken over through JPA stores over one PostgreSQL database. */
class PostgresFireAllTakeoverTest extends JpaFireAllTakeoverTest {

    @Override
    JpaFlowStore newStore() {
        return JpaFlowStore.create(TestDatabases.postgres(),
                JpaStoreOptions.newBuilder().tablePrefix("fire_all_").build());
    }
}
