package io.nvent.postgres.internal;

import jakarta.transaction.TransactionSynchronizationRegistry;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;

/** JNDI lookups of the CDI producers, with misconfiguration reported as the fix to make. */
final class ContainerLookup {

    private static final System.Logger LOG = System.getLogger(ContainerLookup.class.getName());

    private ContainerLookup() {
    }

    /** A PostgreSQL data source by JNDI name; refuses another database (Payara's default is H2). */
    static DataSource dataSource(String name, String key) {
        DataSource dataSource = lookup(name, DataSource.class, key, "define one, e.g. @DataSourceDefinition(name=\""
                + "java:app/jdbc/nvent\", className=\"org.postgresql.ds.PGXADataSource\", ...), and set " + key
                + " to its name");
        String product;
        try (Connection connection = dataSource.getConnection()) {
            product = connection.getMetaData().getDatabaseProductName();
        } catch (SQLException e) {
            throw new IllegalStateException("NVENT-0831 " + key + "=" + name + ": cannot connect (" + e.getMessage()
                    + "); check the data source's URL and credentials", e);
        }
        if (!"PostgreSQL".equals(product)) {
            throw new IllegalStateException("NVENT-0831 " + key + "=" + name + " is a " + product
                    + " database; the postgres adapter needs PostgreSQL. Point " + key
                    + " at a PostgreSQL data source or choose another adapter");
        }
        return dataSource;
    }

    static ThreadFactory threadFactory(String name, String key) {
        return lookup(name, ThreadFactory.class, key, "use a ManagedThreadFactory of the server");
    }

    static Optional<TransactionSynchronizationRegistry> transactions() {
        try {
            return Optional.of((TransactionSynchronizationRegistry) new InitialContext()
                    .lookup("java:comp/TransactionSynchronizationRegistry"));
        } catch (NamingException | ClassCastException e) {
            LOG.log(Level.WARNING, "NVENT-0832 no java:comp/TransactionSynchronizationRegistry: enqueues inside a "
                    + "JTA transaction are committed on their own instead of with the transaction, and live events "
                    + "published inside one are sent without waiting for its commit");
            return Optional.empty();
        }
    }

    private static <T> T lookup(String name, Class<T> type, String key, String fix) {
        try {
            return type.cast(new InitialContext().lookup(name));
        } catch (NamingException | ClassCastException e) {
            throw new IllegalStateException("NVENT-0831 " + key + "=" + name + " names no " + type.getSimpleName()
                    + " (" + e + "); " + fix, e);
        }
    }
}
