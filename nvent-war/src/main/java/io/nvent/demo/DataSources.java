package io.nvent.demo;

import jakarta.annotation.sql.DataSourceDefinition;
import jakarta.ejb.Singleton;

/**
 * The demo's databases. By default nvent stores runs in an H2 file (system property
 * {@code nvent.demo.h2}, set by the run command to {@code ~/.nvent/h2/nvent}), so the demo's data
 * survives a restart without any setup. Switch to PostgreSQL by configuration alone:
 * {@code -Dnvent.store.datasource=java:app/nvent/PostgresDataSource} plus {@code nvent.demo.pg.*}
 * (see the README). {@code OPTIMIZE_REUSE_RESULTS=FALSE}: Payara serves this datasource with the H2 it bundles
 * (2.2.224, its classes first), whose reuse of a query's last result can hand a row as it was before another
 * connection's commit (h2database#3894, {@code NVENT-0333}). The server resolves the {@code ${...}} references from system properties (Payara by
 * itself, WildFly with the EE subsystem's {@code annotation-property-replacement} on).
 */
@DataSourceDefinition(
        name = "java:app/nvent/DemoDataSource",
        className = "org.h2.jdbcx.JdbcDataSource",
        url = "jdbc:h2:file:${nvent.demo.h2};DB_CLOSE_ON_EXIT=FALSE;OPTIMIZE_REUSE_RESULTS=FALSE",
        user = "sa",
        password = "sa",
        minPoolSize = 0,
        maxPoolSize = 32)
@DataSourceDefinition(
        name = "java:app/nvent/PostgresDataSource",
        className = "org.postgresql.ds.PGSimpleDataSource",
        serverName = "${nvent.demo.pg.host}",
        databaseName = "${nvent.demo.pg.database}",
        user = "${nvent.demo.pg.user}",
        password = "${nvent.demo.pg.password}",
        // reWriteBatchedInserts: the store's batched history inserts go as multi-row statements
        // (W2 benchmark x1.08 cold, x1.11 warm; bench/README.md, session 12).
        // fish.payara.*: the pool tests a connection before handing it out and drops them all on a
        // failure, so that after a PostgreSQL restart it is usable at once (README, "PostgreSQL").
        properties = {"portNumber=${nvent.demo.pg.port}", "reWriteBatchedInserts=true",
                "fish.payara.is-connection-validation-required=true", "fish.payara.connection-validation-method=meta-data",
                "fish.payara.fail-all-connections=true"},
        minPoolSize = 0,
        maxPoolSize = 32)
@Singleton
public class DataSources {
}
