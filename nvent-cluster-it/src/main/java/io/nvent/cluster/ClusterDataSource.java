package io.nvent.cluster;

import jakarta.annotation.sql.DataSourceDefinition;
import jakarta.ejb.Singleton;

/**
 * The one PostgreSQL data source of an instance, shared by the JPA store, the job queue, the event
 * stream and the {@link Ledger}: an enqueue and the store's change commit together when they run in
 * one transaction, and no XA is needed. Payara resolves the {@code ${...}} references from the
 * system properties the test passes to each instance.
 */
@DataSourceDefinition(
        name = ClusterDataSource.JNDI_NAME,
        className = "org.postgresql.ds.PGSimpleDataSource",
        serverName = "${nvent.cluster.pg.host}",
        databaseName = "${nvent.cluster.pg.database}",
        user = "${nvent.cluster.pg.user}",
        password = "${nvent.cluster.pg.password}",
        // As the README recommends for the store's data source.
        properties = {"portNumber=${nvent.cluster.pg.port}", "reWriteBatchedInserts=true"},
        minPoolSize = 0,
        maxPoolSize = 40)
@Singleton
public class ClusterDataSource {

    /** Where the data source is bound. */
    public static final String JNDI_NAME = "java:app/cluster/PostgresDataSource";
}
