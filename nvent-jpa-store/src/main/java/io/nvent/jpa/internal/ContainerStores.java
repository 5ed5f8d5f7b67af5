package io.nvent.jpa.internal;

import io.nvent.NventException;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;

/** Starts the store inside a container. */
public final class ContainerStores {

    private static final System.Logger LOG = System.getLogger(ContainerStores.class.getName());
    /** Jakarta Concurrency's default, which every Jakarta EE 10 server provides. */
    static final String MANAGED_THREAD_FACTORY = "java:comp/DefaultManagedThreadFactory";

    private ContainerStores() {
    }

    /**
     * Looks up the datasource and transaction manager, migrates the schema and builds the JTA
     * persistence unit, with the caller's transaction (if any) suspended: the migration commits on
     * its own connections, which a JTA transaction would forbid.
     */
    public static JpaFlowStoreImpl start(StoreSettings settings, TransactionDemarcation demarcation) {
        ContainerJta jta = ContainerJta.lookup(settings.transactionManager());
        DataSource dataSource = lookupDataSource(settings.dataSource());
        Optional<ThreadFactory> threads = settings.options().groupCommitThreads() == 0 ? Optional.empty()
                : lookupThreadFactory();
        return demarcation.outsideTransaction(() -> JpaFlowStoreImpl.jta(dataSource, settings.dataSource(), jta,
                demarcation, settings.options(), threads));
    }

    /**
     * The container's default managed thread factory, for the committer threads of grouped
     * commits: their transactions and JNDI look-ups need the application's context. Without one
     * every write runs alone.
     */
    private static Optional<ThreadFactory> lookupThreadFactory() {
        try {
            Object found = new InitialContext().lookup(MANAGED_THREAD_FACTORY);
            if (found instanceof ThreadFactory factory) {
                return Optional.of(factory);
            }
        } catch (NamingException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "no managed thread factory under {0}: {1}", MANAGED_THREAD_FACTORY, e);
        }
        LOG.log(System.Logger.Level.WARNING, "NVENT-0321 no managed thread factory under " + MANAGED_THREAD_FACTORY
                + "; the store's writes are not grouped (each commits alone)");
        return Optional.empty();
    }

    private static DataSource lookupDataSource(String name) {
        try {
            Object found = new InitialContext().lookup(name);
            if (found instanceof DataSource dataSource) {
                return dataSource;
            }
            throw new NventException("NVENT-0306 '" + name + "' (nvent.store.datasource) is a "
                    + (found == null ? "null" : found.getClass().getName()) + ", not a DataSource");
        } catch (NamingException e) {
            throw new NventException("NVENT-0306 no datasource under '" + name
                    + "' (nvent.store.datasource); define one, e.g. with @DataSourceDefinition, or fix the name: " + e, e);
        }
    }
}
