package io.nvent.jpa.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.nvent.jpa.TestDatabases;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

class DatabaseTest {

    @Test
    void anH2BeforeTheFixOfItsResultCacheIsWarnedOfWithItsVersionAndWhatToUse() {
        assertThat(Database.staleReadsOf("2.2.224 (2023-09-17)", false)).hasValueSatisfying(warning -> assertThat(warning)
                .startsWith("NVENT-0333 the store's database is H2 2.2.224 (2023-09-17), whose result cache")
                .contains("h2database#3894", "a change of a trigger may fail after its attempts", "use H2 2.3.232 or later",
                        "add ;OPTIMIZE_REUSE_RESULTS=FALSE to its JDBC URL"));
        assertThat(Database.staleReadsOf("1.4.200 (2019-10-14)", false)).isPresent();
        assertThat(Database.staleReadsOf("2.3.230 (2024-07-15)", false)).as("the fix, h2database#4095, came after it")
                .isPresent();
    }

    @Test
    void anH2WithTheFixOrAVersionNotUnderstoodIsNotWarnedOf() {
        assertThat(Database.staleReadsOf("2.3.232 (2024-08-11)", false)).isEmpty();
        assertThat(Database.staleReadsOf("3.0.1", false)).isEmpty();
        assertThat(Database.staleReadsOf("unknown", false)).isEmpty();
    }

    @Test
    void anH2BeforeTheFixWhoseResultReuseIsOffIsNotWarnedOf() {
        assertThat(Database.staleReadsOf("2.2.224 (2023-09-17)", true)).isEmpty();
    }

    @Test
    void whetherAnH2ReusesResultsIsReadFromTheDatabaseAlsoThroughAPool() throws SQLException {
        String url = TestDatabases.newH2Url().replace(";OPTIMIZE_REUSE_RESULTS=FALSE", "");
        try (Connection reusing = DriverManager.getConnection(url, "sa", "")) {
            assertThat(Database.resultReuseOff(reusing)).isFalse();
            try (HikariDataSource pool = TestDatabases.pool(url + ";OPTIMIZE_REUSE_RESULTS=FALSE", "sa", "", 1);
                    Connection pooled = pool.getConnection()) {
                assertThat(Database.resultReuseOff(pooled)).as("a pool's connection, the setting in its URL").isTrue();
                assertThat(Database.resultReuseOff(reusing)).as("another connection: it is the database's").isTrue();
            }
        }
    }

    @Test
    void whetherAnH2ReusesResultsIsReadThroughAServersWrapperThatCannotUnwrapToH2() throws SQLException {
        String url = TestDatabases.newH2Url();
        try (Connection h2 = DriverManager.getConnection(url, "sa", "")) {
            Connection held = serverHeld(h2);
            assertThat(held.isWrapperFor(h2.getClass())).as("as Payara's pool, where the WAR cannot name H2's classes")
                    .isFalse();
            assertThat(Database.resultReuseOff(held)).isTrue();
        }
        String anotherDatabase = TestDatabases.newH2Url().replace(";OPTIMIZE_REUSE_RESULTS=FALSE", "");
        try (Connection reusing = DriverManager.getConnection(anotherDatabase, "sa", "")) {
            assertThat(Database.resultReuseOff(serverHeld(serverHeld(reusing)))).isFalse();
        }
    }

    /** A server pool's connection, as Payara hands it: its own class, the physical connection behind an accessor. */
    public interface ServerHeldConnection extends Connection {
        Connection getConnection();
    }

    private static Connection serverHeld(Connection physical) {
        return (Connection) Proxy.newProxyInstance(DatabaseTest.class.getClassLoader(),
                new Class<?>[] {ServerHeldConnection.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getConnection" -> physical;
                    case "isWrapperFor" -> false;
                    case "unwrap" -> throw new SQLException("not a wrapper for " + args[0]);
                    default -> {
                        try {
                            yield method.invoke(physical, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }
                });
    }
}
