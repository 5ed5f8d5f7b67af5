package io.nvent.jpa;

import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;

/** JPA store specifics on H2, through a pooled data source. */
class H2StoreBehaviourTest extends JpaStoreBehaviourTest {

    private static HikariDataSource dataSource;

    @Override
    DataSource dataSource() {
        if (dataSource == null) {
            dataSource = TestDatabases.pool(TestDatabases.newH2Url(), "sa", "", 8);
        }
        return dataSource;
    }

    @Override
    boolean postgres() {
        return false;
    }

    @AfterAll
    static void closePool() {
        if (dataSource != null) {
            dataSource.close();
            dataSource = null;
        }
    }
}
