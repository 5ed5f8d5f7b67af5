package io.nvent.jpa;

import javax.sql.DataSource;

/** JPA store specifics on PostgreSQL. */
class PostgresStoreBehaviourTest extends JpaStoreBehaviourTest {

    @Override
    DataSource dataSource() {
        return TestDatabases.postgres();
    }

    @Override
    boolean postgres() {
        return true;
    }
}
