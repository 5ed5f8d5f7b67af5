package io.nvent.postgres.internal;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * Takes connections from a data source for one thread that sends (the event stream's), and tells
 * an exhausted pool when it sees one: a connect still waiting after the patience while the database
 * answers otherwise (the stream's listener works), or refused after waiting that long, is the
 * pool's. One warning names the pool and what to raise; one line says when connections come again.
 * The connect itself is not bounded: nobody waits for it but the sending thread, and a pool that
 * refuses after its own max wait ends it anyway.
 */
public final class ConnectionWaits {

    private final System.Logger log;
    private final String who;
    private final String fix;
    private final long patienceNanos;
    private final BooleanSupplier databaseAnswers;
    /** {@link System#nanoTime()} when the connect under way began; 0 while none is. */
    private volatile long connectingSince;
    /** Whether the connect under way was reported already. */
    private volatile boolean noted;
    /** {@link System#nanoTime()} since which connects wait for the pool, 0 while they get through. */
    private final AtomicLong starvedSince = new AtomicLong();

    /**
     * @param log where the lines go (the owner's category)
     * @param who who connects, in messages, e.g. {@code the live event stream on channel nvent_events}
     * @param fix what makes the pool large enough, in messages
     * @param patience how long a connect may wait before it counts as waiting for the pool
     * @param databaseAnswers whether the database answers otherwise right now: a connect that waits
     *     while it does not is the database's, not the pool's
     */
    public ConnectionWaits(System.Logger log, String who, String fix, Duration patience,
                           BooleanSupplier databaseAnswers) {
        this.log = Objects.requireNonNull(log, "log");
        this.who = Objects.requireNonNull(who, "who");
        this.fix = Objects.requireNonNull(fix, "fix");
        this.patienceNanos = patience.toNanos();
        this.databaseAnswers = Objects.requireNonNull(databaseAnswers, "databaseAnswers");
    }

    /** Takes a connection on the calling thread, as long as the data source makes it wait. */
    public Connection connect(DataSource dataSource) throws SQLException {
        long start = nonZero(System.nanoTime());
        noted = false;
        connectingSince = start;
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException | RuntimeException e) {
            long waited = System.nanoTime() - start;
            if (waited >= patienceNanos && databaseAnswers.getAsBoolean()) {
                starved(start, "was refused one after waiting " + Duration.ofNanos(waited).toMillis() + " ms ("
                        + e.getMessage() + ")");
            }
            throw e;
        } finally {
            connectingSince = 0;
        }
        long since = starvedSince.getAndSet(0);
        if (since != 0) {
            log.log(Level.INFO, "NVENT-0849 " + who + " gets connections from its data source's pool again, after"
                    + " waiting for them " + Duration.ofNanos(System.nanoTime() - since).toSeconds() + " s");
        }
        return connection;
    }

    /**
     * Looks at the connect under way, from another thread that runs often (the stream's listener,
     * between its waits): one that has waited past the patience while the database answers is
     * reported then, not only once it ends.
     */
    public void lookOver() {
        long since = connectingSince;
        if (since == 0 || noted) {
            return;
        }
        long waited = System.nanoTime() - since;
        if (waited >= patienceNanos && databaseAnswers.getAsBoolean()) {
            noted = true;
            starved(since, "has waited " + Duration.ofNanos(waited).toMillis() + " ms for one while the database"
                    + " answers otherwise (its listener works)");
        }
    }

    /** Whether connects wait for the pool or were refused by it, until one gets through again. */
    public boolean starved() {
        return starvedSince.get() != 0;
    }

    private void starved(long sinceNanos, String how) {
        if (starvedSince.compareAndSet(0, sinceNanos)) {
            log.log(Level.WARNING, "NVENT-0848 " + who + " " + how + ": the pool of its data source has no connection"
                    + " free, the database is not what holds it up. " + fix
                    + " (one line here when connections come again)");
        }
    }

    private static long nonZero(long nanos) {
        return nanos == 0 ? 1 : nanos;
    }
}
