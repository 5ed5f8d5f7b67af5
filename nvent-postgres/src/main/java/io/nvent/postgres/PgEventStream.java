package io.nvent.postgres;

import io.nvent.HistoryEvent;
import io.nvent.NventException;
import io.nvent.postgres.internal.ConnectionWaits;
import io.nvent.postgres.internal.EventCodec;
import io.nvent.postgres.internal.Jdbc;
import io.nvent.postgres.internal.NotificationListener;
import io.nvent.postgres.internal.Schema;
import io.nvent.spi.EventStream;
import io.nvent.spi.EventSubscribers;
import io.nvent.spi.PublishedEvent;
import io.nvent.spi.internal.OrderedPublisher;
import io.nvent.spi.internal.OrderedPublisher.Publish;
import io.nvent.spi.internal.TransactionHooks;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * {@link EventStream} on PostgreSQL {@code LISTEN/NOTIFY}: every instance's subscribers see every
 * instance's published events, in the order they were published (inside a JTA transaction: the
 * order of the commits).
 *
 * <p>{@link #publish} never waits for a connection nor for the database: it puts the events in a
 * backlog of {@value #BACKLOG} publishes and returns, and a thread of the stream's sends them, in the
 * order they were published, so one run's events keep theirs (an {@link OrderedPublisher}, as the JMS
 * stream's). That thread takes what waits, up to {@value #MAX_BATCH} publishes, and sends it through
 * one connection in one transaction: one notification per group of events on the channel (default
 * {@code nvent_events}) whose payload is their JSON (see {@link PgStreamOptions}), the events of
 * consecutive publishes packed together up to {@value #MAX_INLINE_BYTES} bytes. A payload over
 * NOTIFY's limit (8000 bytes) is stored in {@code <prefix>payload} and the notification carries
 * {@code #<row id>}; listeners read the row. Such rows are purged after
 * {@link PgStreamOptions#payloadRetention()}.
 *
 * <p>A live event is best effort (the store's history is the record): while the thread cannot send
 * (the data source's pool exhausted, the database away or hanging) publishes wait in the backlog, and
 * once it is full further ones are dropped, with a warning at most once a minute that says how many
 * ({@code NVENT-0847}); live listeners re-read them from the store, as the SPI allows. A connect that
 * waits for the pool while the database answers is the pool's ({@code NVENT-0848}, and
 * {@code NVENT-0849} once connections come again); failed sends are logged at most once a minute
 * ({@code NVENT-0842}).
 *
 * <p>Each instance keeps one listening connection and hands each event to its local subscribers
 * on that connection's thread (so subscribers must return quickly, as the SPI demands). When the
 * connection breaks it reconnects with backoff; events published meanwhile are not delivered to
 * this instance (subscribers re-read history from the store, as the SPI allows). Local
 * subscribers too are served through the database, so every instance sees one order.
 *
 * <p>A publish inside a JTA transaction (given {@link PgStreamOptions#transactions()}) joins the
 * backlog once that transaction committed, and not at all if it rolled back (its entries were never
 * stored). Its notifications are not part of the transaction: a NOTIFY there would hold PostgreSQL's
 * notification lock through the commit of every store transaction that publishes.
 *
 * @since 0.1
 */
public final class PgEventStream implements EventStream, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PgEventStream.class.getName());
    /** NOTIFY refuses payloads of 8000 bytes or more; keep a margin. */
    static final int MAX_INLINE_BYTES = 7900;
    private static final long PURGE_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Publishes waiting to be sent, beyond which more are dropped. */
    static final int BACKLOG = 10_000;
    /** Most publishes sent through one connection, in one transaction. */
    static final int MAX_BATCH = 256;
    /** How long the sender waits for a connection while the listener's works before it blames the pool. */
    static final Duration POOL_PATIENCE = Duration.ofSeconds(1);

    private final DataSource dataSource;
    private final PgStreamOptions options;
    private final EventSubscribers subscribers = new EventSubscribers();
    private final String notifySql;
    private final String storeSql;
    private final String readSql;
    private final String purgeSql;
    private final ConnectionWaits connections;
    private final OrderedPublisher publisher;
    private final NotificationListener listener;
    /**
     * The kind of send of events over NOTIFY's limit ({@link OrderedPublisher#sending}): they fail alone when their
     * table cannot take them, while the others go through.
     */
    private final String largeEvents;
    private volatile boolean closed;
    /** When the sender last purged large events; only it reads and writes this. */
    private long lastPurge = System.nanoTime();

    /**
     * A stream. Creates its table if absent and starts listening.
     *
     * @param dataSource connections to PostgreSQL (one is kept for LISTEN, one is taken at a time for
     *     the notifications)
     * @param threadFactory makes the listener thread and the thread that sends
     * @param options settings
     */
    public PgEventStream(DataSource dataSource, ThreadFactory threadFactory, PgStreamOptions options) {
        this(dataSource, threadFactory, options, Clock.systemUTC());
    }

    /** A stream telling the time of failed sends and dropped publishes by {@code clock}, for tests. */
    PgEventStream(DataSource dataSource, ThreadFactory threadFactory, PgStreamOptions options, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.options = Objects.requireNonNull(options, "options");
        Objects.requireNonNull(threadFactory, "threadFactory");
        String table = options.tablePrefix() + "payload";
        largeEvents = "events over NOTIFY's 8000-byte limit (stored in table " + table + ")";
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
        String who = "the live event stream on channel " + options.channel();
        connections = new ConnectionWaits(LOG, who, "Raise the pool's maximum size: the stream holds 2 of its"
                + " connections (its listener's, and one at a time for its notifications), on top of the store's and"
                + " the queue's when it shares their data source, as it does by default; or give the stream a data"
                + " source of its own (nvent.stream.postgres.datasource). Meanwhile up to " + BACKLOG + " publishes"
                + " wait and further ones are dropped (NVENT-0847); live listeners catch up from the store",
                POOL_PATIENCE, this::databaseAnswers);
        publisher = new OrderedPublisher(LOG, who, "NVENT-0847", "NVENT-0842", BACKLOG, MAX_BATCH,
                TransactionHooks.of(options.transactions()), threadFactory,
                "nvent-event-stream-sender-" + options.channel(), this::send, clock);
        listener = new NotificationListener(dataSource, options.channel(),
                "the live stream delivers no events (the stream has no other way)", threadFactory, c -> { },
                this::onNotification, connections::lookOver, clock);
    }

    /** Whether the listener's connection works: a connect that waits meanwhile waits for the pool. */
    private boolean databaseAnswers() {
        NotificationListener running = listener;
        return running != null && running.isConnected();
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

    /**
     * {@inheritDoc}
     *
     * <p>Returns at once: the events are sent on a thread of the stream's, in order; inside a JTA
     * transaction once it committed. Failures are logged as {@code NVENT-0842} at most once a minute;
     * beyond {@value #BACKLOG} publishes waiting to be sent, more are dropped ({@code NVENT-0847}).
     */
    @Override
    public void publish(String flow, List<HistoryEvent> events) {
        publisher.publish(flow, events);
    }

    /**
     * Sends a batch through one connection in one transaction: one commit (and one turn of
     * PostgreSQL's notification lock) for all its notifications, which listeners receive in order.
     */
    private void send(List<Publish> batch) {
        publisher.waitingFor("waits for a connection from its data source");
        try (Connection connection = connections.connect(dataSource)) {
            publisher.waitingFor("waits for the database to take its notifications");
            connection.setAutoCommit(false);
            try {
                for (String message : messages(batch)) {
                    send(connection, message);
                }
                publisher.sending(OrderedPublisher.ANY_KIND);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                if (connectionLost(e)) {
                    // Whatever it was sending: the next send of any kind that goes through shows it back.
                    publisher.sending(OrderedPublisher.ANY_KIND);
                }
                rollBackQuietly(connection);
                throw e;
            } finally {
                restoreAutoCommit(connection);
            }
            purgeNow(connection);
        } catch (SQLException e) {
            throw new NventException("could not publish " + what(batch) + " on channel " + options.channel() + ": "
                    + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /**
     * Whether a send failed because its connection was lost (SQLState class 08, or 57P: the server shut down or
     * terminated it), not because of what it sent.
     */
    private static boolean connectionLost(Exception e) {
        String state = e instanceof SQLException sql ? sql.getSQLState() : null;
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    /** A pooled connection goes back as it came; a broken one is the pool's to discard. */
    private static void restoreAutoCommit(Connection connection) {
        try {
            connection.setAutoCommit(true);
        } catch (SQLException | RuntimeException e) {
            // broken: the failure that broke it is the one to report
        }
    }

    private static void rollBackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException | RuntimeException e) {
            // the connection is broken: the pool discards it, and nothing was sent
        }
    }

    /** What a batch holds, for a message about it: worked out only when one is needed. */
    private static String what(List<Publish> batch) {
        int events = batch.stream().mapToInt(publish -> publish.events().size()).sum();
        return events + " event(s) of " + batch.size() + " publish(es), flow " + batch.get(0).flow()
                + (batch.stream().map(Publish::flow).distinct().count() > 1 ? " and others" : "");
    }

    /**
     * Packs the events of consecutive publishes into arrays that fit a notification, in order; an
     * oversized one stands alone. Each element names its flow, so publishes of several flows share one.
     */
    static List<String> messages(List<Publish> batch) {
        List<String> messages = new ArrayList<>();
        List<String> group = new ArrayList<>();
        int groupBytes = 2;
        for (Publish publish : batch) {
            for (HistoryEvent event : publish.events()) {
                String json = EventCodec.encode(new PublishedEvent(publish.flow(), event));
                int bytes = utf8Length(json) + 1;
                if (!group.isEmpty() && groupBytes + bytes > MAX_INLINE_BYTES) {
                    messages.add(EventCodec.array(group));
                    group = new ArrayList<>();
                    groupBytes = 2;
                }
                group.add(json);
                groupBytes += bytes;
            }
        }
        messages.add(EventCodec.array(group));
        return messages;
    }

    private void send(Connection connection, String message) throws SQLException {
        boolean inline = utf8Length(message) <= MAX_INLINE_BYTES;
        publisher.sending(inline ? OrderedPublisher.ANY_KIND : largeEvents);
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

    /**
     * {@inheritDoc}
     *
     * <p>While this instance's listening connection is not listening: {@code NVENT-0868}, since when, and the latest
     * failure to connect or listen with what to do; the database away or the connection killed (it reconnects by
     * itself), or connections that cannot LISTEN ({@code NVENT-0801}: it stopped trying). Empty again once it listens.
     * Besides, or alone while it listens: sends that have failed for {@link OrderedPublisher#FAILING_SENDS_DOWN_AFTER}
     * with none of their kind going through ({@code NVENT-0872}; events over NOTIFY's limit, which go through a table,
     * are a kind of their own: events under it going through do not clear their failures), and publishes dropped from
     * the full backlog for that long ({@code NVENT-0876}), which keep every instance's live views from this
     * instance's events; before that {@link #working()} says them.
     */
    @Override
    public Optional<String> problem() {
        if (closed) {
            return Optional.of("NVENT-0868 the live event stream on channel " + options.channel() + " is closed (the "
                    + "application stops)");
        }
        Optional<String> sends = publisher.down("NVENT-0872", "NVENT-0876", streamInChecks());
        return listenerProblem().map(problem -> problem + sends.map(failing -> "; " + failing).orElse(""))
                .or(() -> sends);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code postgres: listening on channel …}, and sends that failed since the last one of their kind went through,
     * for less than {@link OrderedPublisher#FAILING_SENDS_DOWN_AFTER} ({@code NVENT-0872}: since when, how many, the
     * last cause), and publishes dropped from the full backlog, until a minute after the last, for less than that
     * ({@code NVENT-0876}: since when, how many): a warning, until they stop or go on that long.
     */
    @Override
    public String working() {
        return "postgres: listening on channel " + options.channel() + publisher.warnings("NVENT-0872", "NVENT-0876",
                streamInChecks());
    }

    private String streamInChecks() {
        return "the live event stream on channel " + options.channel();
    }

    private Optional<String> listenerProblem() {
        return listener.down().map(down -> "NVENT-0868 the live event stream on channel " + options.channel()
                + " has not been listening since " + down.since() + ": live views on this instance (the console, "
                + "WebSocket clients) stand still until it listens again, and then catch up from the store with a run's "
                + "next event; runs go on as before. " + down.cause() + (down.forGood()
                        ? "; it does not try again: " + NotificationListener.ONE_DRIVER + ", and restart the application"
                        : "; it reconnects by itself, every " + NotificationListener.MAX_BACKOFF_MILLIS / 1000
                                + " s at most: see that the database is up and reachable "
                                + "from this instance, and that the data source (nvent.stream.postgres.datasource) has "
                                + "a connection free"));
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

    /**
     * Deletes large events past their retention, at most once a minute, on the sender's connection:
     * the listener's thread takes no pooled connection, so an exhausted pool never stops deliveries.
     */
    private void purgeNow(Connection connection) {
        if (System.nanoTime() - lastPurge < PURGE_EVERY_NANOS) {
            return;
        }
        lastPurge = System.nanoTime();
        try (PreparedStatement purge = connection.prepareStatement(purgeSql)) {
            purge.setString(1, options.payloadRetention().toSeconds() + " seconds");
            purge.executeUpdate();
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "NVENT-0844 purging large events: " + e.getMessage() + " (SQLState "
                    + e.getSQLState() + ")");
        }
    }

    /** Stops listening, and drops what waits to be sent. */
    @Override
    public void close() {
        closed = true;
        publisher.close();
        listener.close();
        subscribers.clear();
    }
}
