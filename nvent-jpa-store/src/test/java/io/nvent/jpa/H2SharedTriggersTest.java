package io.nvent.jpa;

/** Two engines on JPA stores over one in-memory H2 database creating the same trigger at once. */
class H2SharedTriggersTest extends JpaSharedTriggersTest {

    private static final String URL = TestDatabases.newH2Url();

    @Override
    JpaFlowStore newStore() {
        return JpaFlowStore.create(URL, "sa", "", JpaStoreOptions.defaults());
    }
}
