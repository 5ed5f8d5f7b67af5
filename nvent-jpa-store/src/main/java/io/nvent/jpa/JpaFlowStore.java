package io.nvent.jpa;

import io.nvent.jpa.internal.JpaFlowStoreImpl;
import io.nvent.spi.FlowStore;
import io.nvent.spi.SchedulingStore;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * A {@link FlowStore} on Jakarta Persistence with Hibernate ORM; the schema is created and upgraded
 * by Flyway migrations shipped in this jar. Supported databases: PostgreSQL 14+ (payloads in
 * {@code jsonb} columns) and H2 2.3.232+, or an older H2 2.x with {@code ;OPTIMIZE_REUSE_RESULTS=FALSE} in its URL
 * (else it can hand a connection rows as they were before another connection's commit, h2database#3894: the store
 * warns of it when created, {@code NVENT-0333}).
 *
 * <p>Outside a container, create one per database and close it when done; transactions are then
 * local ({@code RESOURCE_LOCAL}):
 *
 * <pre>{@code
 * try (JpaFlowStore store = JpaFlowStore.create(dataSource, JpaStoreOptions.defaults())) {
 *     store.createRun(run, events);
 * }
 * }</pre>
 *
 * <p>In a Jakarta EE container, inject {@code @Adapter("jpa") FlowStore} (or {@code JpaFlowStore})
 * instead: that bean uses JTA and joins the caller's transaction when one is active.
 *
 * <p>Besides the {@link FlowStore} contract, every payload is checked to be JSON and at most
 * {@link JpaStoreOptions#maxPayloadBytes()} long; otherwise {@link io.nvent.InvalidPayloadException}
 * is thrown and nothing is stored. JSON strings must not contain {@code \u0000} or unpaired
 * surrogates, and a number must have an exponent within -1000..1000 and, written out without it, at
 * most 1000 digits before its decimal point and 1000 after: PostgreSQL cannot store the former, nor
 * numbers far beyond the latter ({@code 1e999999999}); the same rule holds on every database.
 *
 * @since 0.1
 */
public interface JpaFlowStore extends FlowStore, AutoCloseable {

    /**
     * A store on a JDBC data source, with local transactions. Applies the schema migrations unless
     * {@link JpaStoreOptions#migrateSchema()} is off. The data source should pool connections.
     *
     * @throws io.nvent.NventException if the database cannot be reached or migrated, or, with
     *     migrations off, its schema lacks migrations this version needs (NVENT-0329)
     */
    static JpaFlowStore create(DataSource dataSource, JpaStoreOptions options) {
        return JpaFlowStoreImpl.resourceLocal(dataSource, options);
    }

    /**
     * A store on a JDBC URL, with local transactions and Hibernate's built-in connection pool (for
     * tests and tools; production code should pass a pooled {@link DataSource}).
     *
     * @throws io.nvent.NventException if the database cannot be reached or migrated, or, with
     *     migrations off, its schema lacks migrations this version needs (NVENT-0329)
     */
    static JpaFlowStore create(String jdbcUrl, String user, String password, JpaStoreOptions options) {
        return JpaFlowStoreImpl.resourceLocal(jdbcUrl, user, password, options);
    }

    /** The options this store runs with. */
    JpaStoreOptions options();

    /**
     * The {@link SchedulingStore} on the same database, tables and transactions: awaits, triggers
     * with their history, schedule-tick claims and step leases. Its atomic operations
     * ({@code closeAwait}, {@code claimTick}, {@code acquireLease}, {@code recordFire}) hold across
     * every instance that shares the database. Awaits and leases belong to stored runs: saving one
     * for an unknown run throws {@link io.nvent.RunNotFoundException}, and they are deleted with
     * their run. Closed together with this store.
     *
     * <p>In a container, inject {@code @Adapter("jpa") SchedulingStore} instead.
     */
    SchedulingStore schedulingStore();

    /**
     * Deletes finished runs, with their history, state, awaits and leases, that the configured
     * {@link JpaStoreOptions#retention()} no longer keeps. This is the store's implementation of
     * {@link FlowStore#purgeFinishedRuns(Instant)}, which the engine's maintenance sweep calls.
     *
     * @param now the current time
     * @return how many runs were deleted; {@code 0} when retention is off
     */
    @Override
    int purgeFinishedRuns(Instant now);

    /**
     * Deletes finished runs, with their history, state and awaits, that {@code policy} no longer
     * keeps. Works in chunks, each in its own transaction, unless called inside a JTA transaction.
     *
     * @return how many runs were deleted
     */
    int purgeFinishedRuns(RetentionPolicy policy, Instant now);

    /**
     * Releases the connection pool and Hibernate resources. Container-managed instances ignore
     * this; the container closes them.
     */
    @Override
    void close();
}
