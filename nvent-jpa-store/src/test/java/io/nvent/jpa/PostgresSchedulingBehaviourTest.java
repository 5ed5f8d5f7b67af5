package io.nvent.jpa;

import javax.sql.DataSource;

/** JPA scheduling store specifics on PostgreSQL. */
class PostgresSchedulingBehaviourTest extends JpaSchedulingBehaviourTest {

    @Override
    DataSource dataSource() {
        return TestDatabases.postgres();
    }
}
