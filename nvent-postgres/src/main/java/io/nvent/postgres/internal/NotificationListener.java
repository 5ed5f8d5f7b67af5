package io.nvent.postgres.internal;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * One connection that {@code LISTEN}s on a channel and hands each notification's payload to a
 * consumer, on its own thread, in the order PostgreSQL delivers them (commit order). When the
 * connection breaks it reconnects with backoff; notifications sent meanwhile are lost, so the
 * owner is told through {@code onConnected} to catch up.
 */
public final class NotificationListener implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NotificationListener.class.getName());
    /** How long one wait for notifications blocks; bounds how fast close() returns. */
    private static final int WAIT_MILLIS = 200;
    /** An idle connection is checked this often, so a silently dead one is noticed. */
    private static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** The longest wait between two tries to listen again. */
    public static final long MAX_BACKOFF_MILLIS = 5_000;

    private final DataSource dataSource;
    private final String channel;
    private final Consumer<Connection> onConnected;
    private final Handler handler;
    private final Runnable onIdle;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean connected;
    private final String withoutListen;
    private final Clock clock;
    /** Why LISTEN is not active, for {@link #down()}; {@code null} while it is. Only the listener thread writes it. */
    private volatile Down down;

    /** How to give the data source's connections and this module one PostgreSQL driver. */
    public static final String ONE_DRIVER = "Let the server's PostgreSQL driver be the only one the application sees"
            + " (on WildFly: leave the postgresql jar out of the WAR and depend on the driver's module in"
            + " jboss-deployment-structure.xml, e.g. <module name=\"org.postgresql.jdbc\"/>)";

    /**
     * Why LISTEN is not active.
     *
     * @param since when it stopped being (before the first LISTEN: when the listener started)
     * @param cause the latest failure to connect or listen
     * @param forGood whether the listener stopped trying (its connections cannot LISTEN, {@code NVENT-0801})
     */
    public record Down(Instant since, String cause, boolean forGood) {
    }

    /** Receives notifications; may run queries on the listening connection (e.g. to resolve a reference). */
    @FunctionalInterface
    public interface Handler {
        void onNotification(Connection connection, String payload) throws SQLException;
    }

    /**
     * Starts listening.
     *
     * @param withoutListen what its owner does if the connections cannot LISTEN, for the warning
     * @param onConnected called on the listener thread after each (re)connect, once LISTEN is active
     * @param onIdle called on the listener thread between waits (at least every {@value #WAIT_MILLIS} ms)
     * @param clock the time {@link #down()} says it stopped listening
     */
    public NotificationListener(DataSource dataSource, String channel, String withoutListen, ThreadFactory threads,
                                Consumer<Connection> onConnected, Handler handler, Runnable onIdle, Clock clock) {
        this.clock = clock;
        this.down = new Down(clock.instant().truncatedTo(ChronoUnit.SECONDS), "its first connect has not returned yet",
                false);
        this.dataSource = dataSource;
        this.withoutListen = withoutListen;
        this.channel = channel;
        this.onConnected = onConnected;
        this.handler = handler;
        this.onIdle = onIdle;
        this.thread = threads.newThread(this::run);
        this.thread.start();
    }

    /** Whether LISTEN is active right now. */
    public boolean isConnected() {
        return connected;
    }

    /** Why LISTEN is not active right now, as the listener last saw it; empty while it is. */
    public Optional<Down> down() {
        return Optional.ofNullable(down);
    }

    /** Records why LISTEN is not active, keeping since when it has not been. */
    private void lost(String cause, boolean forGood) {
        Down before = down;
        down = new Down(before == null ? clock.instant().truncatedTo(ChronoUnit.SECONDS) : before.since(), cause,
                forGood);
    }

    private void run() {
        long backoff = 100;
        try {
            while (running) {
                Connection connection = null;
                try {
                    connection = dataSource.getConnection();
                    PGConnection pg;
                    try {
                        pg = connection.unwrap(PGConnection.class);
                    } catch (SQLException notPostgres) {
                        String cause = "NVENT-0801 the data source's connections are not PostgreSQL JDBC "
                                + "connections (" + notPostgres.getMessage() + "); no LISTEN on " + channel;
                        lost(cause, true);
                        LOG.log(Level.WARNING, cause + ": " + withoutListen + ". " + ONE_DRIVER);
                        return;
                    }
                    connection.setAutoCommit(true);
                    try (Statement listen = connection.createStatement()) {
                        listen.execute("LISTEN " + channel);
                    }
                    connected = true;
                    down = null;
                    if (backoff > 100) {
                        LOG.log(Level.INFO, "NVENT-0803 listening on " + channel + " again");
                    }
                    backoff = 100;
                    onConnected.accept(connection);
                    listen(connection, pg);
                } catch (SQLException | RuntimeException e) {
                    connected = false;
                    if (!running) {
                        return;
                    }
                    lost(String.valueOf(e), false);
                    LOG.log(Level.WARNING, "NVENT-0802 listener connection on " + channel + " lost (" + e
                            + "); reconnecting in " + backoff + " ms");
                    revealBroken(connection);
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
                } finally {
                    Jdbc.closeQuietly(connection);
                }
            }
        } catch (Error e) {
            // Nothing listens again after it: say so to whoever asks, rather than a thread gone unseen.
            lost("its listener thread stopped for good: " + e, true);
            throw e;
        } finally {
            connected = false;
            stopped.countDown();
        }
    }

    private void listen(Connection connection, PGConnection pg) throws SQLException {
        long lastActivity = System.nanoTime();
        while (running) {
            PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
            if (notifications != null && notifications.length > 0) {
                lastActivity = System.nanoTime();
                for (PGNotification notification : notifications) {
                    try {
                        handler.onNotification(connection, notification.getParameter());
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "NVENT-0804 handling a notification on " + channel + " failed", e);
                    }
                }
            } else if (System.nanoTime() - lastActivity > CHECK_NANOS) {
                try (Statement check = connection.createStatement()) {
                    check.execute("SELECT 1");
                }
                lastActivity = System.nanoTime();
            }
            onIdle.run();
        }
    }

    /**
     * Runs a statement through the pool's wrapper of a connection that failed underneath it (the
     * listener talks to the unwrapped driver connection), so the pool sees the error and discards
     * the connection instead of handing it to the next caller.
     */
    private static void revealBroken(Connection connection) {
        if (connection == null) {
            return;
        }
        try (Statement probe = connection.createStatement()) {
            probe.execute("SELECT 1");
        } catch (SQLException | RuntimeException expected) {
            // the point: the pool has now seen the failure
        }
    }

    private void sleep(long millis) {
        try {
            closing.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            running = false;
            Thread.currentThread().interrupt();
        }
    }

    /** Stops listening and waits (briefly) for the thread to end. */
    @Override
    public void close() {
        running = false;
        closing.countDown();
        try {
            if (!stopped.await(Duration.ofSeconds(2).toMillis(), TimeUnit.MILLISECONDS)) {
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
