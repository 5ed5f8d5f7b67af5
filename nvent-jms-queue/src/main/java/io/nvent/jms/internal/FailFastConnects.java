package io.nvent.jms.internal;

import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connects to the broker for sends, failing at once for a while after a connect failed.
 *
 * <p>A connect to a broker that is away waits out the connection factory's reconnect attempts and
 * call timeout, and Artemis's factory makes one connect at a time: with the broker away, requests
 * that enqueue or publish queued up behind each other for 30–50 s (QA, Payara with an external
 * broker). After a failed connect, the connects of the next {@link #PROBE_EVERY} fail at once
 * instead; then one tries the broker again while the others still fail at once, and the first that
 * gets through ends it. What fails so is not lost: the engine enqueues a run's first job again from
 * its sweep, queues a step again, and live views catch up from the store.
 */
public final class FailFastConnects {

    private static final System.Logger LOG = System.getLogger(FailFastConnects.class.getName());
    /** How long connects fail at once after one failed, before one tries the broker again. */
    public static final Duration PROBE_EVERY = Duration.ofSeconds(5);

    private final String purpose;
    private final long probeEveryNanos;
    /** {@link System#nanoTime()} of the last failed connect or of the last probe; 0 while connects work. */
    private final AtomicLong failedAt = new AtomicLong();
    private volatile String lastFailure = "";

    /**
     * @param purpose what the connects are for, in messages, e.g. {@code enqueues}
     */
    public FailFastConnects(String purpose) {
        this(purpose, PROBE_EVERY);
    }

    FailFastConnects(String purpose, Duration probeEvery) {
        this.purpose = Objects.requireNonNull(purpose, "purpose");
        this.probeEveryNanos = probeEvery.toNanos();
    }

    /** Opens a connection or context. */
    @FunctionalInterface
    public interface Connect<T> {
        T open() throws JMSException;
    }

    /**
     * Connects, unless a connect failed within the last {@link #PROBE_EVERY} and another caller
     * tries the broker now.
     *
     * @throws JMSRuntimeException {@code NVENT-0652} without trying, or the connect's own failure
     * @throws JMSException the connect's own failure
     */
    public <T> T connect(Connect<T> connect) throws JMSException {
        long failed = failedAt.get();
        if (failed != 0) {
            long now = nonZero(System.nanoTime());
            if (now - failed < probeEveryNanos || !failedAt.compareAndSet(failed, now)) {
                throw new JMSRuntimeException("NVENT-0652 not trying the broker for " + purpose + ": a connect failed "
                        + Duration.ofNanos(now - failed).toMillis() + " ms ago (" + lastFailure + "); one connect every "
                        + Duration.ofNanos(probeEveryNanos) + " tries it again meanwhile");
            }
        }
        T connected;
        try {
            connected = connect.open();
        } catch (PoolWaits.Refused e) {
            // The pool had no connection free: the broker was not even asked, and may well be there.
            throw e;
        } catch (JMSException | RuntimeException e) {
            lastFailure = e.toString();
            if (failedAt.getAndSet(nonZero(System.nanoTime())) == 0) {
                LOG.log(Level.WARNING, "NVENT-0653 could not connect to the broker for " + purpose + " (" + e
                        + "); until one connects, one connect every " + Duration.ofNanos(probeEveryNanos)
                        + " tries and the others fail at once instead of each waiting for the broker");
            }
            throw e;
        }
        if (failed != 0 && failedAt.getAndSet(0) != 0) {
            LOG.log(Level.INFO, "NVENT-0654 connected to the broker for " + purpose + " again");
        }
        return connected;
    }

    /** Whether the last connect failed and none got through since: the broker cannot be reached. */
    public boolean failing() {
        return failedAt.get() != 0;
    }

    private static long nonZero(long nanos) {
        return nanos == 0 ? 1 : nanos;
    }
}
