package io.nvent.postgres.internal;

import io.nvent.postgres.PgJobQueue;
import io.nvent.postgres.PgQueueOptions;
import io.nvent.spi.Adapter;
import io.nvent.spi.JobQueue;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Makes the PostgreSQL job queue the CDI bean {@code @Adapter("postgres") JobQueue}, configured with
 * MicroProfile Config:
 * <ul>
 *   <li>{@code nvent.queue.postgres.datasource}: JNDI name of a PostgreSQL data source; unset, the
 *       store's ({@code nvent.store.datasource}), and without that {@value #DEFAULT_DATA_SOURCE}
 *       (Payara's default is H2: define your own). Use an XA (or at least JTA-enlisted) data source
 *       so enqueues join the caller's transaction.</li>
 *   <li>{@code nvent.queue.postgres.table-prefix}: default {@code nvent_q_}</li>
 *   <li>{@code nvent.queue.postgres.thread-factory}: default {@code java:comp/DefaultManagedThreadFactory}</li>
 *   <li>{@code nvent.queue.postgres.lease-duration}, {@code .poll-interval},
 *       {@code .completed-retention}, {@code .shutdown-grace}: ISO-8601 durations (defaults
 *       {@code PT30S}, {@code PT1S}, {@code P7D}, {@code PT10S})</li>
 *   <li>{@code nvent.queue.postgres.instance-id}: stable, unique name of this server instance (optional)</li>
 *   <li>{@code nvent.queue.postgres.create-schema}: default {@code true}</li>
 *   <li>{@code nvent.queue.postgres.durable-claims}: default {@code false}</li>
 *   <li>{@code nvent.queue.postgres.prefetch}: jobs claimed beyond free worker slots per queue
 *       (default: as many as the queue's concurrency)</li>
 * </ul>
 * The bean is created on first use, so the lookups happen only when {@code postgres} is the
 * selected queue adapter ({@code nvent.queue.adapter=postgres}).
 */
@ApplicationScoped
public class PgJobQueueProducer {

    static final String DEFAULT_DATA_SOURCE = "java:comp/DefaultDataSource";
    private static final String STORE_DATA_SOURCE = "nvent.store.datasource";
    private static final System.Logger LOG = System.getLogger(PgJobQueueProducer.class.getName());
    private static final String KEY = "nvent.queue.postgres.";

    @Produces
    @ApplicationScoped
    @Adapter("postgres")
    JobQueue postgresJobQueue() {
        Config config = ConfigProvider.getConfig();
        String name = dataSourceName(config, KEY);
        DataSource dataSource = ContainerLookup.dataSource(name, KEY + "datasource");
        PgQueueOptions options = options(config);
        PgJobQueue queue = new PgJobQueue(dataSource, ContainerLookup.threadFactory(
                config.getOptionalValue(KEY + "thread-factory", String.class)
                        .orElse("java:comp/DefaultManagedThreadFactory"), KEY + "thread-factory"),
                Clock.systemUTC(), options);
        LOG.log(Level.INFO, "NVENT-0833 PostgreSQL job queue on " + name + ", tables " + options.tablePrefix()
                + "*, instance " + queue.instanceId());
        return queue;
    }

    void close(@Disposes @Adapter("postgres") JobQueue queue) {
        queue.close();
    }

    /**
     * The adapter's own data source, else the store's: the queue and the stream belong in the store's
     * database (an enqueue then commits with the store's change), so naming it once is enough.
     */
    static String dataSourceName(Config config, String key) {
        return config.getOptionalValue(key + "datasource", String.class)
                .or(() -> config.getOptionalValue(STORE_DATA_SOURCE, String.class))
                .orElse(DEFAULT_DATA_SOURCE);
    }

    /** The options from the configuration; a bad value fails naming its key. */
    private static PgQueueOptions options(Config config) {
        PgQueueOptions defaults = PgQueueOptions.DEFAULTS;
        PgQueueOptions.Builder builder = PgQueueOptions.newBuilder()
                .transactions(ContainerLookup.transactions().orElse(null));
        try {
            builder.tablePrefix(config.getOptionalValue(KEY + "table-prefix", String.class)
                    .orElse(defaults.tablePrefix()));
            builder.leaseDuration(duration(config, "lease-duration", defaults.leaseDuration()));
            builder.pollInterval(duration(config, "poll-interval", defaults.pollInterval()));
            builder.completedRetention(duration(config, "completed-retention", defaults.completedRetention()));
            builder.shutdownGrace(duration(config, "shutdown-grace", defaults.shutdownGrace()));
            builder.createSchema(value(config, "create-schema", PgJobQueueProducer::strictBoolean,
                    "true or false").orElse(true));
            builder.durableClaims(value(config, "durable-claims", PgJobQueueProducer::strictBoolean,
                    "true or false").orElse(false));
            builder.prefetch(value(config, "prefetch", Integer::valueOf, "a whole number").orElse(null));
            builder.instanceId(config.getOptionalValue(KEY + "instance-id", String.class).orElse(null));
            return builder.build();
        } catch (IllegalArgumentException | java.time.DateTimeException bad) {
            if (bad.getMessage() != null && bad.getMessage().startsWith("NVENT-0835")) {
                throw bad;
            }
            // The builder's own checks name the option, not the key: say which key it was.
            throw new IllegalArgumentException("NVENT-0835 " + KEY + "*: " + bad.getMessage(), bad);
        }
    }

    private static Duration duration(Config config, String key, Duration fallback) {
        return value(config, key, Duration::parse, "an ISO-8601 duration such as PT30S").orElse(fallback);
    }

    private static <T> java.util.Optional<T> value(Config config, String key,
                                                    java.util.function.Function<String, T> parse, String expected) {
        return config.getOptionalValue(KEY + key, String.class).map(text -> {
            try {
                return parse.apply(text.trim());
            } catch (RuntimeException notParsed) {
                throw new IllegalArgumentException("NVENT-0835 " + KEY + key + " must be " + expected + ", was '"
                        + text + "'", notParsed);
            }
        });
    }

    private static Boolean strictBoolean(String text) {
        if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("neither true nor false");
        }
        return Boolean.valueOf(text);
    }
}
