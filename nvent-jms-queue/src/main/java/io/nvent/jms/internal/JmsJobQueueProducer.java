package io.nvent.jms.internal;

import io.nvent.jms.JmsJobQueue;
import io.nvent.jms.JmsJobQueueOptions;
import io.nvent.spi.Adapter;
import io.nvent.spi.JobQueue;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.jms.ConnectionFactory;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Makes the JMS job queue the CDI bean {@code @Adapter("jms") JobQueue}, configured with
 * MicroProfile Config:
 * <ul>
 *   <li>{@code nvent.queue.jms.connection-factory}: JNDI name of the connection factory, default
 *       {@value #DEFAULT_CONNECTION_FACTORY}. The application defines it (e.g. with
 *       {@code @ConnectionFactoryDefinition}) so that the properties the queue relies on — XA for
 *       enqueue in the caller's transaction, local transactions for the workers, no consumer
 *       prefetch — are set in one place; a platform default such as
 *       {@code java:comp/DefaultJMSConnectionFactory} lacks some of them and Payara Micro has none.</li>
 *   <li>{@code nvent.queue.jms.worker-connection-factory}: JNDI name of the connection factory the
 *       workers take their connections from, default {@value #DEFAULT_WORKER_CONNECTION_FACTORY}. It
 *       must be one the container never enlists in a JTA transaction (a pool with
 *       {@code NoTransaction} support, WildFly's {@code transaction=none}), on the same broker, with
 *       local transactions allowed and no consumer prefetch: the container enlists an XA factory's
 *       connection, which a worker holds while its jobs run, in every store transaction begun on the
 *       worker's thread. Unset and the default not bound: the workers use the queue's factory, with
 *       a warning ({@code NVENT-0661}).</li>
 *   <li>{@code nvent.queue.jms.prefix}: JMS queue name prefix, default {@code nvent.}</li>
 *   <li>{@code nvent.queue.jms.thread-factory}: JNDI name of the managed thread factory, default
 *       {@code java:comp/DefaultManagedThreadFactory}</li>
 *   <li>{@code nvent.queue.jms.completed-retention}: completed records kept per queue, default 10000</li>
 *   <li>{@code nvent.queue.jms.broker-duplicate-detection}: default {@code true}</li>
 *   <li>{@code nvent.queue.jms.shutdown-grace}: ISO-8601 duration, default {@code PT10S}</li>
 *   <li>{@code nvent.queue.jms.max-attempts-per-commit}: default 32</li>
 *   <li>{@code nvent.queue.jms.max-commit-delay}: ISO-8601 duration, default {@code PT0.05S}</li>
 *   <li>{@code nvent.queue.jms.raised-priority-delay}: ISO-8601 duration, default {@code PT0.001S}
 *       ({@code PT0S} turns the Artemis priority work-around off)</li>
 *   <li>{@code nvent.queue.jms.send-timeout}: ISO-8601 duration, default {@code PT10S}: how long an
 *       enqueue waits for a broker that holds producers back (its disk or memory limit reached)</li>
 *   <li>{@code nvent.queue.jms.max-deliveries}: default 0 (no limit): deliveries of an attempt that end without
 *       an outcome before its job goes to the dead letters unrun ({@code NVENT-0623})</li>
 * </ul>
 * The bean is created on first use, so the lookups happen only when {@code jms} is the selected
 * queue adapter.
 */
@ApplicationScoped
public class JmsJobQueueProducer {

    static final String DEFAULT_CONNECTION_FACTORY = "java:app/nvent/jms/ConnectionFactory";
    static final String DEFAULT_WORKER_CONNECTION_FACTORY = "java:app/nvent/jms/WorkerConnectionFactory";
    static final String WORKER_FACTORY_KEY = "nvent.queue.jms.worker-connection-factory";
    private static final System.Logger LOG = System.getLogger(JmsJobQueueProducer.class.getName());

    @Produces
    @ApplicationScoped
    @Adapter("jms")
    JobQueue jmsJobQueue() {
        Config config = ConfigProvider.getConfig();
        String factoryName = config.getOptionalValue("nvent.queue.jms.connection-factory", String.class)
                .orElse(DEFAULT_CONNECTION_FACTORY);
        String threadFactoryName = config.getOptionalValue("nvent.queue.jms.thread-factory", String.class)
                .orElse("java:comp/DefaultManagedThreadFactory");
        ConnectionFactory factory = lookup(factoryName, ConnectionFactory.class, "nvent.queue.jms.connection-factory",
                "define it, e.g. @ConnectionFactoryDefinition(name=\"" + DEFAULT_CONNECTION_FACTORY
                        + "\", resourceAdapter=..., transactionSupport=XATransaction), or point the key at an "
                        + "existing one");
        ConnectionFactory workerFactory = workerFactory(config, factoryName, factory);
        ThreadFactory threads = lookup(threadFactoryName, ThreadFactory.class, "nvent.queue.jms.thread-factory",
                "use a ManagedThreadFactory of the server");
        Optional<TransactionSynchronizationRegistry> transactions = optionalLookup(
                "java:comp/TransactionSynchronizationRegistry", TransactionSynchronizationRegistry.class);
        if (transactions.isEmpty()) {
            LOG.log(Level.WARNING, "NVENT-0632 no java:comp/TransactionSynchronizationRegistry: enqueue inside a "
                    + "transaction that rolls back will keep its job id taken on this node");
        }
        JmsJobQueueOptions.Builder builder = JmsJobQueueOptions.newBuilder();
        wholeNumber(config, "nvent.queue.jms.max-attempts-per-commit", 1, "1 commits each job on its own")
                .ifPresent(builder::maxAttemptsPerCommit);
        duration(config, "nvent.queue.jms.max-commit-delay").ifPresent(builder::maxCommitDelay);
        duration(config, "nvent.queue.jms.raised-priority-delay").ifPresent(builder::raisedPriorityDelay);
        duration(config, "nvent.queue.jms.send-timeout").ifPresent(builder::sendTimeout);
        wholeNumber(config, "nvent.queue.jms.max-deliveries", 0, "0 for no limit").ifPresent(builder::maxDeliveries);
        JmsJobQueueOptions options = builder
                .prefix(config.getOptionalValue("nvent.queue.jms.prefix", String.class).orElse("nvent."))
                .completedRetention(wholeNumber(config, "nvent.queue.jms.completed-retention", 0,
                        "0 keeps no completed job records").orElse(10_000))
                .brokerDuplicateDetection(config.getOptionalValue("nvent.queue.jms.broker-duplicate-detection",
                        String.class).map(v -> strictBoolean("nvent.queue.jms.broker-duplicate-detection", v))
                        .orElse(true))
                .shutdownGrace(duration(config, "nvent.queue.jms.shutdown-grace").orElse(Duration.ofSeconds(10)))
                // The container pools connections and enlists each new context in the caller's transaction.
                .shareConnection(false)
                .transactions(transactions.orElse(null))
                // Failures name the broker by the factory's JNDI name: its address and user are the server's.
                .broker(factoryName)
                .build();
        LOG.log(Level.INFO, "NVENT-0630 JMS job queue on " + factoryName + " with prefix '" + options.prefix() + "'");
        return new JmsJobQueue(factory, workerFactory, threads, Clock.systemUTC(), options);
    }

    /**
     * The workers' connection factory: the configured one, which must exist; else the default one
     * when bound; else the queue's own, which works but makes every store transaction of a worker a
     * two-phase commit with the broker (see {@link JmsJobQueue}).
     */
    private static ConnectionFactory workerFactory(Config config, String queueFactoryName, ConnectionFactory queueFactory) {
        FactoryChoice choice = nonTransactional(key -> config.getOptionalValue(key, String.class),
                JmsJobQueueProducer::isBound, List.of(WORKER_FACTORY_KEY), queueFactoryName);
        if (choice.fallback()) {
            LOG.log(Level.WARNING, "NVENT-0661 no " + WORKER_FACTORY_KEY + " and nothing bound at "
                    + DEFAULT_WORKER_CONNECTION_FACTORY + ": the workers use " + queueFactoryName + ". If the container "
                    + "enlists its connections in JTA transactions (an XA pool), every store write of a job is a "
                    + "two-phase commit with the broker, and a broker outage holds the workers for minutes; define "
                    + "a connection factory without transaction support for the workers (README, Production)");
            return queueFactory;
        }
        return choice.lookup();
    }

    /**
     * Which connection factory without transaction support to use: the one the first of {@code keys}
     * that is set names (it must be bound: {@code NVENT-0631} otherwise), else
     * {@value #DEFAULT_WORKER_CONNECTION_FACTORY} when bound, else the queue's factory as a fallback
     * the caller warns about.
     *
     * @param config reads a setting
     * @param bound whether a JNDI name is bound
     * @param keys the settings that may name the factory, the most specific first
     * @param queueFactoryName the queue's (XA) factory
     */
    static FactoryChoice nonTransactional(Function<String, Optional<String>> config, Predicate<String> bound,
                                          List<String> keys, String queueFactoryName) {
        for (String key : keys) {
            Optional<String> configured = config.apply(key);
            if (configured.isPresent()) {
                return new FactoryChoice(configured.get(), key, false);
            }
        }
        if (bound.test(DEFAULT_WORKER_CONNECTION_FACTORY)) {
            return new FactoryChoice(DEFAULT_WORKER_CONNECTION_FACTORY, keys.get(0), false);
        }
        return new FactoryChoice(queueFactoryName, "nvent.queue.jms.connection-factory", true);
    }

    /**
     * A connection factory by JNDI name.
     *
     * @param name its JNDI name
     * @param key the setting that named it (or whose default it is)
     * @param fallback whether it is the queue's factory, taken for want of one without transaction support
     */
    record FactoryChoice(String name, String key, boolean fallback) {

        ConnectionFactory lookup() {
            return JmsJobQueueProducer.lookup(name, ConnectionFactory.class, key, "define a connection factory on "
                    + "the queue's broker without transaction support (a connector pool with NoTransaction, "
                    + "WildFly's transaction=none), local transactions allowed and no consumer prefetch");
        }
    }

    private static boolean isBound(String name) {
        return optionalLookup(name, ConnectionFactory.class).isPresent();
    }

    void close(@Disposes @Adapter("jms") JobQueue queue) {
        queue.close();
    }

    static <T> T lookup(String name, Class<T> type, String key, String fix) {
        try {
            return type.cast(new InitialContext().lookup(name));
        } catch (NamingException | ClassCastException e) {
            throw new IllegalStateException("NVENT-0631 " + key + "=" + name + " names no " + type.getSimpleName()
                    + " (" + e + "); " + fix, e);
        }
    }

    static <T> Optional<T> optionalLookup(String name, Class<T> type) {
        try {
            return Optional.of(type.cast(new InitialContext().lookup(name)));
        } catch (NamingException | ClassCastException e) {
            return Optional.empty();
        }
    }

    /** An ISO-8601 duration; a bad one fails naming its key. */
    static Optional<Duration> duration(Config config, String key) {
        return config.getOptionalValue(key, String.class).map(text -> {
            try {
                return Duration.parse(text.trim());
            } catch (java.time.format.DateTimeParseException bad) {
                throw new IllegalArgumentException("NVENT-0634 " + key + " must be an ISO-8601 duration such as"
                        + " PT10S, was '" + text + "'", bad);
            }
        });
    }

    /** A whole number of at least {@code least}; anything else fails naming the key (see {@link #atLeast}). */
    private static Optional<Integer> wholeNumber(Config config, String key, int least, String hint) {
        return config.getOptionalValue(key, String.class).map(text -> atLeast(key, text, least, hint));
    }

    /**
     * The whole number a setting's text gives, at least {@code least}; anything else fails naming the key, as the
     * operator wrote it, not the option it sets.
     *
     * @param hint what the least value means, for the message
     */
    static int atLeast(String key, String text, int least, String hint) {
        int value;
        try {
            value = Integer.parseInt(text.trim());
        } catch (NumberFormatException bad) {
            value = least - 1;
        }
        if (value < least) {
            throw new IllegalArgumentException("NVENT-0634 " + key + " must be a whole number of at least " + least
                    + " (" + hint + "), was '" + text + "'");
        }
        return value;
    }

    /** {@code true} or {@code false}; anything else fails naming the key, rather than reading as false. */
    private static boolean strictBoolean(String key, String text) {
        String trimmed = text.trim();
        if (!trimmed.equalsIgnoreCase("true") && !trimmed.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("NVENT-0634 " + key + " must be true or false, was '" + text + "'");
        }
        return Boolean.parseBoolean(trimmed);
    }
}
