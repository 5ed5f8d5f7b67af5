package io.nvent.jpa;

/** Two engines on JPA stores over one PostgreSQL database creating the same trigger at once. */
class PostgresSharedTriggersTest extends JpaSharedTriggersTest {

    @Override
    JpaFlowStore newStore() {
        return JpaFlowStore.create(TestDatabases.postgres(),
                JpaStoreOptions.newBuilder().tablePrefix("shared_").build());
    }

    @Override
    protected int tries() {
        return 50;
    }
}
