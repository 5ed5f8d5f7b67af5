package io.nvent.jms.internal;

import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Takes a connection and its session from a connection factory for sends, and tells a pool that has
 * none to give from a broker that holds sends back.
 *
 * <p>A container's pool makes a caller wait for a free connection up to its max-wait-time and then
 * refuses it; with Artemis's resource adapter the pool is hit when the session is created, not the
 * connection. Bounded together with the send, such a wait was reported as the broker holding sends
 * back ({@code NVENT-0648}, "the broker's disk"), while the broker took every message it was given
 * (QA, Payara: the workers' pool exhausted, each publish waited 10 s). Here a connect still waiting
 * after the patience while the broker answers otherwise, or refused in the words of a full pool
 * (see {@link WorkerConnections}), is the pool's: one warning names the pool and what to raise, one
 * line says when connects get through again. The connect is not interrupted: nobody waits for it
 * but the thread of the sends. A connect so reported that then fails to reach the broker was the
 * broker's after all, which is said too ({@code NVENT-0669}).
 */
public final class PoolWaits {

    private static final System.Logger LOG = System.getLogger(PoolWaits.class.getName());
    private static final Duration MIN_SCAN = Duration.ofMillis(10);
    private static final Duration MAX_SCAN = Duration.ofSeconds(1);

    private final String who;
    private final String fix;
    private final long patienceNanos;
    private final BooleanSupplier brokerAnswers;
    private final Set<Waiting> waiting = ConcurrentHashMap.newKeySet();
    /** {@link System#nanoTime()} since which connects wait for the pool, 0 while they get through. */
    private final AtomicLong starvedSince = new AtomicLong();

    /** A connect the pool refused: no sign of the broker either way. */
    public static final class Refused extends JMSRuntimeException {

        private static final long serialVersionUID = 1L;

        Refused(String message, Exception cause) {
            super(message, null, cause);
        }
    }

    /**
     * @param watchdog looks over the connects under way a few times per patience
     * @param patience how long a connect may wait before it counts as waiting for the pool
     * @param who who connects, in messages, e.g. {@code the live event stream}
     * @param fix what makes the pool large enough, in messages
     * @param brokerAnswers whether the broker answers otherwise right now: a connect that waits
     *     while it does not is the broker's, not the pool's
     */
    public PoolWaits(ScheduledExecutorService watchdog, Duration patience, String who, String fix,
                     BooleanSupplier brokerAnswers) {
        this.who = Objects.requireNonNull(who, "who");
        this.fix = Objects.requireNonNull(fix, "fix");
        this.patienceNanos = patience.toNanos();
        this.brokerAnswers = Objects.requireNonNull(brokerAnswers, "brokerAnswers");
        long every = Math.min(Math.max(patienceNanos / 10, MIN_SCAN.toNanos()), MAX_SCAN.toNanos());
        watchdog.scheduleWithFixedDelay(this::lookOverConnectsUnderWay, every, every, TimeUnit.NANOSECONDS);
    }

    /**
     * Connects on the calling thread, as long as it takes.
     *
     * @param connect takes a connection and creates its session, where either kind of pool is hit
     * @return what the connect returned
     * @throws Refused when the pool refused it for want of a free connection
     * @throws JMSException the connect's own failure
     */
    public <T> T connect(FailFastConnects.Connect<T> connect) throws JMSException {
        Waiting underWay = new Waiting(System.nanoTime());
        waiting.add(underWay);
        T connected;
        try {
            connected = connect.open();
        } catch (JMSException | RuntimeException e) {
            if (WorkerConnections.saysPoolExhausted(e)) {
                starved(System.nanoTime() - underWay.startNanos, "was refused one (" + e.getMessage() + ")");
                throw new Refused(who + " could not get a JMS connection from its connection factory's pool: "
                        + e.getMessage(), e);
            }
            if (underWay.noted.get()) {
                BrokerReach.connectionFailure(e).ifPresent(failure -> notThePool(failure));
            }
            throw e;
        } finally {
            waiting.remove(underWay);
        }
        long since = starvedSince.getAndSet(0);
        if (since != 0) {
            LOG.log(Level.INFO, "NVENT-0666 " + who + " gets JMS connections from its connection factory's pool again,"
                    + " after waiting for them " + Duration.ofNanos(System.nanoTime() - since).toSeconds() + " s");
        }
        return connected;
    }

    private void lookOverConnectsUnderWay() {
        try {
            long now = System.nanoTime();
            for (Waiting connect : waiting) {
                long waited = now - connect.startNanos;
                if (waited >= patienceNanos && brokerAnswers.getAsBoolean() && connect.noted.compareAndSet(false, true)) {
                    starved(waited, "has waited " + Duration.ofNanos(waited).toMillis() + " ms for one while the broker"
                            + " answers otherwise (its subscription works)");
                }
            }
        } catch (RuntimeException e) {
            // A task of a scheduled executor that throws is never run again: no wait would be noticed.
            LOG.log(Level.WARNING, "could not look over the connects under way; trying again", e);
        }
    }

    private void starved(long waitedNanos, String how) {
        if (starvedSince.compareAndSet(0, nonZero(System.nanoTime() - waitedNanos))) {
            LOG.log(Level.WARNING, "NVENT-0664 " + who + " " + how + ": the pool of its connection factory has no "
                    + "connection or session free, the broker is not what holds it up. " + fix
                    + " (one line here when connections come again)");
        }
    }

    /**
     * A connect taken for waiting for the pool ({@code NVENT-0664}) ended in a connection failure: it
     * waited for a broker that cannot be reached, as a client reconnecting does while its other
     * connections (the subscription's) have not noticed yet. Said, so that nobody raises the pool for it.
     */
    private void notThePool(Throwable failure) {
        if (starvedSince.getAndSet(0) != 0) {
            LOG.log(Level.WARNING, "NVENT-0669 " + who + " waited for the broker, not for its connection factory's"
                    + " pool, as NVENT-0664 took it: its connect failed to reach the broker (" + failure + "); the"
                    + " pool need not be raised for it");
        }
    }

    /** Whether a connect waits for the pool or was refused by it, until one gets through again. */
    public boolean starved() {
        return starvedSince.get() != 0;
    }

    private static long nonZero(long nanos) {
        return nanos == 0 ? 1 : nanos;
    }

    private static final class Waiting {
        final long startNanos;
        final AtomicBoolean noted = new AtomicBoolean();

        Waiting(long startNanos) {
            this.startNanos = startNanos;
        }
    }
}
