package io.nvent.postgres.internal;

import io.nvent.postgres.PgEventStream;
import io.nvent.postgres.PgStreamOptions;
import io.nvent.spi.Adapter;
import io.nvent.spi.EventStream;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.lang.System.Logger.Level;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Makes the PostgreSQL event stream the CDI bean {@code @Adapter("postgres") EventStream}
 * ({@code nvent.stream.adapter=postgres}), configured with MicroProfile Config:
 * <ul>
 *   <li>{@code nvent.stream.postgres.datasource}: JNDI name of a PostgreSQL data source; unset, the
 *       store's ({@code nvent.store.datasource}), and without that {@code java:comp/DefaultDataSource}</li>
 *   <li>{@code nvent.stream.postgres.channel}: default {@code nvent_events}</li>
 *   <li>{@code nvent.stream.postgres.table-prefix}: default {@code nvent_s_}</li>
 *   <li>{@code nvent.stream.postgres.thread-factory}: default {@code java:comp/DefaultManagedThreadFactory}
 *       (the listener's thread and the thread that sends)</li>
 * </ul>
 */
@ApplicationScoped
public class PgEventStreamProducer {

    private static final System.Logger LOG = System.getLogger(PgEventStreamProducer.class.getName());
    private static final String KEY = "nvent.stream.postgres.";

    @Produces
    @ApplicationScoped
    @Adapter("postgres")
    EventStream postgresEventStream() {
        Config config = ConfigProvider.getConfig();
        String name = PgJobQueueProducer.dataSourceName(config, KEY);
        PgStreamOptions defaults = PgStreamOptions.DEFAULTS;
        PgStreamOptions options = PgStreamOptions.newBuilder()
                .channel(config.getOptionalValue(KEY + "channel", String.class).orElse(defaults.channel()))
                .tablePrefix(config.getOptionalValue(KEY + "table-prefix", String.class).orElse(defaults.tablePrefix()))
                // A publish inside a transaction is sent once it committed, from the stream's thread.
                .transactions(ContainerLookup.transactions().orElse(null))
                .build();
        PgEventStream stream = new PgEventStream(ContainerLookup.dataSource(name, KEY + "datasource"),
                ContainerLookup.threadFactory(config.getOptionalValue(KEY + "thread-factory", String.class)
                        .orElse("java:comp/DefaultManagedThreadFactory"), KEY + "thread-factory"), options);
        LOG.log(Level.INFO, "NVENT-0834 PostgreSQL event stream on " + name + ", channel " + options.channel());
        return stream;
    }

    void close(@Disposes @Adapter("postgres") EventStream stream) {
        ((PgEventStream) stream).close();
    }
}
