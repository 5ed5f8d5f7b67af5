package io.nvent.jpa;

/** A {@code fire-all} catch-up taken over through JPA stores over one in-memory H2 database. */
class H2FireAllTakeoverTest extends JpaFireAllTakeoverTest {

    private static final String URL = TestDatabases.newH2Url();

    @Override
    JpaFlowStore newStore() {
        return JpaFlowStore.create(URL, "sa", "", JpaStoreOptions.defaults());
    }
}
