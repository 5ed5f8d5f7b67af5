package io.nvent.jpa;

import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

/** JPA scheduling store specifics on H2, through a pooled data source. */
class H2SchedulingBehaviourTest extends JpaSchedulingBehaviourTest {

    private static HikariDataSource dataSource;

    @Override
    DataSource dataSource() {
        if (dataSource == null) {
            dataSource = TestDatabases.pool(TestDatabases.newH2Url(), "sa", "", 16);
        }
        return dataSource;
    }

    @AfterAll
    static void closePool() {
        closeStores();
        if (dataSource != null) {
            dataSource.close();
            dataSource = null;
        }
    }
}
