package io.nvent.jpa.internal;

import io.nvent.NventException;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.util.List;
import java.util.Optional;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.hibernate.engine.transaction.jta.platform.spi.JtaPlatform;

/**
 * The container's transaction machinery, found through JNDI, and handed to Hibernate as its
 * {@link JtaPlatform}.
 *
 * <p>Why our own platform: Hibernate cannot detect Payara (its {@code SunOneJtaPlatform} must be
 * named explicitly, as a system property, which is easy to forget), and we need the transaction
 * manager ourselves anyway. Synchronizations are registered as interposed synchronizations on the
 * standard {@link TransactionSynchronizationRegistry}, which is what the Jakarta Transactions spec
 * provides for persistence providers.
 */
final class ContainerJta implements JtaPlatform {

    private static final long serialVersionUID = 1L;

    /** Where servers publish their transaction manager; the first found wins. */
    static final List<String> TRANSACTION_MANAGER_NAMES = List.of(
            "java:comp/TransactionManager",     // TomEE, Open Liberty (when enabled)
            "java:appserver/TransactionManager", // GlassFish, Payara
            "java:jboss/TransactionManager",     // WildFly
            "java:/TransactionManager");         // older JBoss

    static final String REGISTRY_NAME = "java:comp/TransactionSynchronizationRegistry";
    static final String USER_TRANSACTION_NAME = "java:comp/UserTransaction";

    private final transient TransactionManager tm;
    private final transient TransactionSynchronizationRegistry registry;

    private ContainerJta(TransactionManager tm, TransactionSynchronizationRegistry registry) {
        this.tm = tm;
        this.registry = registry;
    }

    /**
     * Looks the transaction manager up, under {@code jndiName} if given, else under the names
     * servers are known to use.
     *
     * @throws NventException if none is found
     */
    static ContainerJta lookup(Optional<String> jndiName) {
        try {
            InitialContext context = new InitialContext();
            TransactionManager tm = null;
            for (String name : jndiName.map(List::of).orElse(TRANSACTION_MANAGER_NAMES)) {
                tm = lookup(context, name, TransactionManager.class);
                if (tm != null) {
                    break;
                }
            }
            if (tm == null) {
                throw new NventException("NVENT-0305 no JTA TransactionManager found under "
                        + jndiName.map(List::of).orElse(TRANSACTION_MANAGER_NAMES)
                        + "; set nvent.store.transaction-manager to its JNDI name on this server");
            }
            return new ContainerJta(tm, lookup(context, REGISTRY_NAME, TransactionSynchronizationRegistry.class));
        } catch (NamingException e) {
            throw new NventException("NVENT-0305 JNDI is not available: " + e, e);
        }
    }

    private static <T> T lookup(InitialContext context, String name, Class<T> type) {
        try {
            Object found = context.lookup(name);
            return type.isInstance(found) ? type.cast(found) : null;
        } catch (NamingException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The standard registry, used for the transaction status.
     *
     * @throws NventException if the server does not publish one
     */
    TransactionSynchronizationRegistry registry() {
        if (registry == null) {
            throw new NventException("NVENT-0305 no TransactionSynchronizationRegistry under " + REGISTRY_NAME);
        }
        return registry;
    }

    @Override
    public TransactionManager retrieveTransactionManager() {
        return tm;
    }

    @Override
    public UserTransaction retrieveUserTransaction() {
        try {
            return (UserTransaction) new InitialContext().lookup(USER_TRANSACTION_NAME);
        } catch (NamingException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public Object getTransactionIdentifier(Transaction transaction) {
        return transaction;
    }

    @Override
    public boolean canRegisterSynchronization() {
        try {
            return tm.getStatus() == jakarta.transaction.Status.STATUS_ACTIVE;
        } catch (SystemException e) {
            return false;
        }
    }

    @Override
    public void registerSynchronization(Synchronization synchronization) {
        try {
            if (registry != null) {
                registry.registerInterposedSynchronization(synchronization);
            } else {
                tm.getTransaction().registerSynchronization(synchronization);
            }
        } catch (Exception e) {
            throw new NventException("NVENT-0305 cannot register a JTA synchronization: " + e, e);
        }
    }

    @Override
    public int getCurrentStatus() throws SystemException {
        return tm.getStatus();
    }
}
