package io.nvent.postgres;

import io.nvent.HistoryEvent;
import io.nvent.NventException;
import io.nvent.postgres.internal.EventCodec;
import io.nvent.postgres.internal.Jdbc;
import io.nvent.postgres.internal.NotificationListener;
import io.nvent.postgres.internal.Schema;
import io.nvent.spi.EventStream;
import io.nvent.spi.EventSubscribers;
import io.nvent.spi.PublishedEvent;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * {@link EventStream} on PostgreSQL {@code LISTEN/NOTIFY}: every instance's subscribers see every
 * instance's published events, in the order they were published (commit order).
 *
 * <p>{@link #publish} sends one notification per group of events on the channel (default
 * {@code nvent_events}) whose payload is their JSON (see {@link PgStreamOptions}). A payload over
 * NOTIFY's limit (8000 bytes) is stored in {@code <prefix>payload} and the notification carries
 * {@code #<row id>}; listeners read the row. Such rows are purged after
 * {@link PgStreamOptions#payloadRetention()}.
 *
 * <p>Each instance keeps one listening connection and hands each event to its local subscribers
 * on that connection's thread (so subscribers must return quickly, as the SPI demands). When the
 * connection breaks it reconnects with backoff; events published meanwhile are not delivered to
 * this instance (subscribers re-read history from the store, as the SPI allows). Local
 * subscribers too are served through the database, so every instance sees one order.
 *
 * <p>A publish on a connection enlisted in a JTA transaction is delivered when that transaction
 * commits, and not at all if it rolls back.
 *
 * @since 0.1
 */
public final class PgEventStream implements EventStream, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PgEventStream.class.getName());
    /** NOTIFY refuses payloads of 8000 bytes or more; keep a margin. */
    static final int MAX_INLINE_BYTES = 7900;
    private static final long PURGE_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final DataSource dataSource;
    private final PgStreamOptions options;
    private final EventSubscribers subscribers = new EventSubscribers();
    private final String notifySql;
    private final String storeSql;
    private final String readSql;
    private final String purgeSql;
    private final NotificationListener listener;
    private long lastPurge = System.nanoTime();

    /**
     * A stream. Creates its table if absent and starts listening.
     *
     * @param dataSource connections to PostgreSQL (one is kept for LISTEN)
     * @param threadFactory makes the listener thread
     * @param options settings
     */
    public PgEventStream(DataSource dataSource, ThreadFactory threadFactory, PgStreamOptions options) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.options = Objects.requireNonNull(options, "options");
        Objects.requireNonNull(threadFactory, "threadFactory");
        String table = options.tablePrefix() + "payload";
        notifySql = "SELECT pg_notify('" + options.channel() + "', ?)";
        storeSql = "WITH s AS (INSERT INTO " + table + " (body) VALUES (?) RETURNING id)"
                + " SELECT pg_notify('" + options.channel() + "', '#' || id) FROM s";
        readSql = "SELECT body FROM " + table + " WHERE id = ?";
        // Database time on both sides of the comparison: no clock skew between instances involved.
        purgeSql = "DELETE FROM " + table + " WHERE created_at < now() - ?::interval";
        if (options.createSchema()) {
            Jdbc.withConnection(dataSource, "NVENT-0840 could not create the event stream table " + table, c -> {
                Schema.create(c, "stream-schema.sql", options.tablePrefix());
                return null;
            });
        }
        requireListeningConnections(dataSource);
        listener = new NotificationListener(dataSource, options.channel(),
                "the live stream delivers no events (the stream has no other way)", threadFactory, c -> { },
                this::onNotification, this::purgeNow);
    }

    /**
     * Fails at once if the data source's connections cannot LISTEN (another driver's classes than
     * this module sees, as a driver both in the WAR and on WildFly's module gives): the stream would
     * start, and deliver nothing. A database not reachable now is the listener's to retry.
     */
    private static void requireListeningConnections(DataSource dataSource) {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException unreachable) {
            return;
        }
        try (connection) {
            connection.unwrap(PGConnection.class);
        } catch (SQLException notPostgres) {
            throw new NventException("NVENT-0846 the event stream's data source gives no PostgreSQL JDBC connections ("
                    + notPostgres.getMessage() + "), which it needs to LISTEN. " + NotificationListener.ONE_DRIVER);
        }
    }

    @Override
    public void publish(String flow, List<HistoryEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        List<String> messages = messages(flow, events);
        Jdbc.withConnection(dataSource, "NVENT-0842 could not publish " + events.size() + " event(s) of flow " + flow,
                c -> {
                    for (String message : messages) {
                        send(c, message);
                    }
                    return null;
                });
    }

    /** Groups consecutive events into arrays that fit a notification; an oversized one stands alone. */
    private static List<String> messages(String flow, List<HistoryEvent> events) {
        List<String> messages = new ArrayList<>();
        List<String> group = new ArrayList<>();
        int groupBytes = 2;
        for (HistoryEvent event : events) {
            String json = EventCodec.encode(new PublishedEvent(flow, event));
            int bytes = utf8Length(json) + 1;
            if (!group.isEmpty() && groupBytes + bytes > MAX_INLINE_BYTES) {
                messages.add(EventCodec.array(group));
                group = new ArrayList<>();
                groupBytes = 2;
            }
            group.add(json);
            groupBytes += bytes;
        }
        messages.add(EventCodec.array(group));
        return messages;
    }

    private void send(Connection connection, String message) throws SQLException {
        boolean inline = utf8Length(message) <= MAX_INLINE_BYTES;
        try (PreparedStatement send = connection.prepareStatement(inline ? notifySql : storeSql)) {
            send.setString(1, message);
            send.execute();
        }
    }

    private static int utf8Length(String text) {
        int ascii = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return text.getBytes(StandardCharsets.UTF_8).length;
            }
            ascii++;
        }
        return ascii;
    }

    @Override
    public AutoCloseable subscribe(Consumer<PublishedEvent> subscriber) {
        return subscribers.add(subscriber);
    }

    /** Whether this instance is listening right now (for health checks). */
    public boolean isListening() {
        return listener.isConnected();
    }

    private void onNotification(Connection connection, String payload) throws SQLException {
        String json = payload;
        if (payload.startsWith("#")) {
            try (PreparedStatement read = connection.prepareStatement(readSql)) {
                read.setLong(1, Long.parseLong(payload.substring(1)));
                try (ResultSet rows = read.executeQuery()) {
                    if (!rows.next()) {
                        LOG.log(Level.DEBUG, () -> "large event " + payload + " already purged");
                        return;
                    }
                    json = rows.getString(1);
                }
            }
        }
        List<PublishedEvent> events;
        try {
            events = EventCodec.decode(json);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "NVENT-0843 ignored a malformed message on channel " + options.channel() + ": "
                    + e.getMessage());
            return;
        }
        subscribers.deliver(events);
    }

    private void purgeNow() {
        if (System.nanoTime() - lastPurge < PURGE_EVERY_NANOS) {
            return;
        }
        lastPurge = System.nanoTime();
        try {
            Jdbc.withConnection(dataSource, "NVENT-0844 purging large events", c -> {
                try (PreparedStatement purge = c.prepareStatement(purgeSql)) {
                    purge.setString(1, options.payloadRetention().toSeconds() + " seconds");
                    return purge.executeUpdate();
                }
            });
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, e.getMessage());
        }
    }

    /** Stops listening. */
    @Override
    public void close() {
        listener.close();
        subscribers.clear();
    }
}
