package io.nvent.jpa.internal;

import io.nvent.NventException;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;

/** Starts the store inside a container. */
public final class ContainerStores {

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
        return demarcation.outsideTransaction(() -> JpaFlowStoreImpl.jta(dataSource, jta, demarcation, settings.options()));
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
