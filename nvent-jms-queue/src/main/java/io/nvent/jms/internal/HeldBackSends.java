package io.nvent.jms.internal;

import jakarta.jms.JMSException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Sends to a broker that may hold them back, each bounded in time, and which destinations it holds
 * back now.
 *
 * <p>A broker that cannot take more messages holds producers back instead of refusing them: Artemis
 * withholds producer credits while its disk is fuller than {@code max-disk-usage} (default 90 %) or
 * emptier than {@code min-disk-free}, and while an address with {@code address-full-policy} BLOCK
 * is at its {@code max-size-bytes}. Its client then waits for credits without a bound: it logs
 * {@code AMQ212054} every 10 s and its call timeout does not cover that wait. A send still under
 * way when the timeout is up is interrupted here and fails.
 *
 * <p>A send that must not fail half-way (a worker's, inside the transaction that consumes its job)
 * is {@linkplain #watch watched} instead: it waits as long as the broker holds it back, and counts
 * as held back once it waited longer than the timeout.
 *
 * <p>A destination is held back from the first send that waited longer than the timeout until one
 * goes through again; the log gets one line for each (not one per send). While a watched send still
 * waits it stays held back; otherwise, while nothing is sent to it, it counts as held back for
 * {@link #memory()} after its last held-back send, so that health turns back by itself and lets
 * new sends find out.
 *
 * <p>A send also waits that long for a broker that cannot be reached (a client reconnecting): such a
 * wait is told apart ({@link BrokerReach}) and reported as the broker being unreachable, not as one
 * that holds sends back for its disk ({@code NVENT-0667} instead of {@code NVENT-0648}).
 */
public final class HeldBackSends {

    private static final System.Logger LOG = System.getLogger(HeldBackSends.class.getName());
    /** Why a broker holds sends back, and where to look: said by every message about it. */
    private static final String LIKELY_CAUSE = "a broker does that while its disk or memory limit is reached"
            + " (ActiveMQ Artemis: its disk fuller than max-disk-usage, default 90 %, or an address with"
            + " address-full-policy BLOCK full); see the broker's log";
    /** What a broker that cannot be reached means, said by every message about it. */
    private static final String UNREACHABLE = "the broker is away or does not answer (a connection failure, or this"
            + " node's workers or connects cannot reach it), not holding sends back for its disk or memory";
    private static final Duration MIN_MEMORY = Duration.ofSeconds(30);
    private static final Duration MIN_SCAN = Duration.ofMillis(10);
    private static final Duration MAX_SCAN = Duration.ofSeconds(1);

    private final Duration timeout;
    private final long timeoutNanos;
    private final Clock clock;
    private final BooleanSupplier unreachableElsewhere;
    private final Map<String, Episode> heldBack = new ConcurrentHashMap<>();
    /**
     * The sends under way, which the watchdog looks over a few times per timeout. Not a timer task
     * per send: scheduling and cancelling one around every send cost W1 on JMS ~3.5 %.
     */
    private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();

    /**
     * Since when a destination is held back, how many sends waited longer than the timeout, when
     * the last one did, and how many watched sends still wait.
     */
    private record Episode(Instant since, long sends, long lastNanos, int waiting, BrokerReach.Stall stall) {

        /** One more send waited; a broker found unreachable is so for the rest of the episode. */
        Episode plus(long nanos, int moreWaiting, BrokerReach.Stall why) {
            return new Episode(since, sends + 1, nanos, waiting + moreWaiting,
                    why == BrokerReach.Stall.UNREACHABLE ? why : stall);
        }

        boolean unreachable() {
            return stall == BrokerReach.Stall.UNREACHABLE;
        }
    }

    /**
     * Sends bounded by a timeout.
     *
     * @param watchdog interrupts a send whose time is up
     * @param timeout how long one send may wait for the broker
     * @param clock tells since when sends are held back
     * @param unreachableElsewhere whether another part of this node finds now that it cannot reach the
     *     broker: a send that waits then waits for the broker to be back, not for it to take messages
     */
    public HeldBackSends(ScheduledExecutorService watchdog, Duration timeout, Clock clock,
                         BooleanSupplier unreachableElsewhere) {
        Objects.requireNonNull(watchdog, "watchdog");
        this.unreachableElsewhere = Objects.requireNonNull(unreachableElsewhere, "unreachableElsewhere");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.timeoutNanos = timeout.toNanos();
        this.clock = Objects.requireNonNull(clock, "clock");
        long every = Math.min(Math.max(timeoutNanos / 10, MIN_SCAN.toNanos()), MAX_SCAN.toNanos());
        watchdog.scheduleWithFixedDelay(this::lookOverSendsUnderWay, every, every, TimeUnit.NANOSECONDS);
    }

    /** Finds the sends under way longer than the timeout: interrupts those that may fail, notes the others. */
    private void lookOverSendsUnderWay() {
        try {
            long now = System.nanoTime();
            for (InFlight send : inFlight) {
                if (now - send.startNanos >= timeoutNanos) {
                    send.overdue();
                }
            }
        } catch (RuntimeException e) {
            // A task of a scheduled executor that throws is never run again: no send would be bounded.
            LOG.log(Level.WARNING, "could not look over the sends under way; trying again", e);
        }
    }

    /** A send on a JMS context or session. */
    @FunctionalInterface
    public interface Send<T> {
        T run() throws JMSException;
    }

    /** A send that was still under way when its time was up: the broker held it back. */
    public static final class TimedOut extends Exception {

        private static final long serialVersionUID = 1L;

        TimedOut(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** How long one send may wait for the broker. */
    public Duration timeout() {
        return timeout;
    }

    /** How long a destination counts as held back after its last timed-out send, while none goes through. */
    public Duration memory() {
        Duration twice = timeout.multipliedBy(2);
        return twice.compareTo(MIN_MEMORY) > 0 ? twice : MIN_MEMORY;
    }

    /**
     * Runs a send on the calling thread; once {@link #timeout()} is up it interrupts it.
     *
     * @param destination what is sent to, for messages and health, e.g. {@code queue mail}
     * @return what the send returned
     * @throws TimedOut when the send was still under way after the timeout
     * @throws JMSException when the send failed on its own
     */
    public <T> T send(String destination, Send<T> send) throws JMSException, TimedOut {
        Instant start = clock.instant();
        InFlight underWay = new InFlight(destination, start, true);
        inFlight.add(underWay);
        T result;
        try {
            result = send.run();
        } catch (JMSException | RuntimeException e) {
            inFlight.remove(underWay);
            if (underWay.ended()) {
                throw heldBack(destination, start, e);
            }
            throw e;
        }
        inFlight.remove(underWay);
        // Interrupted just as the send went through: it went through.
        underWay.ended();
        flowing(destination);
        return result;
    }

    /**
     * Runs a send that must not be interrupted on the calling thread, as long as it takes; once it
     * waited longer than {@link #timeout()}, the destination counts as held back until it went
     * through.
     *
     * @param destination what is sent to, for messages and health, e.g. {@code queue mail}
     * @return what the send returned
     * @throws JMSException when the send failed
     */
    public <T> T watch(String destination, Send<T> send) throws JMSException {
        InFlight underWay = new InFlight(destination, clock.instant(), false);
        inFlight.add(underWay);
        boolean sent = false;
        try {
            T result = send.run();
            sent = true;
            return result;
        } finally {
            inFlight.remove(underWay);
            if (underWay.ended()) {
                heldBack.computeIfPresent(destination, (key, episode) -> new Episode(episode.since(), episode.sends(),
                        System.nanoTime(), episode.waiting() - 1, episode.stall()));
            }
            if (sent) {
                flowing(destination);
            }
        }
    }

    /** A send under way on a thread: interrupted once overdue if it may fail, else noted as held back. */
    private final class InFlight {
        private final Thread thread = Thread.currentThread();
        private final String destination;
        private final Instant start;
        private final long startNanos = System.nanoTime();
        private final boolean interrupt;
        private boolean running = true;
        private boolean overdue;

        InFlight(String destination, Instant start, boolean interrupt) {
            this.destination = destination;
            this.start = start;
            this.interrupt = interrupt;
        }

        synchronized void overdue() {
            if (!running || overdue) {
                return;
            }
            overdue = true;
            if (interrupt) {
                thread.interrupt();
            } else {
                record(destination, start, 1, Optional.empty());
            }
        }

        /**
         * The send ended.
         *
         * @return whether it was overdue; an interrupt it got for that is cleared, so JMS calls that
         *         follow on the thread are not hit
         */
        synchronized boolean ended() {
            running = false;
            if (overdue && interrupt) {
                Thread.interrupted();
            }
            return overdue;
        }
    }

    private TimedOut heldBack(String destination, Instant start, Exception cause) {
        if (record(destination, start, 0, Optional.of(cause)) == BrokerReach.Stall.UNREACHABLE) {
            return new TimedOut("the send to " + destination + " could not reach the broker within " + timeout + " ("
                    + BrokerReach.connectionFailure(cause).orElse(cause) + "); " + UNREACHABLE, cause);
        }
        return new TimedOut("the broker held the send to " + destination + " back for " + timeout + "; "
                + LIKELY_CAUSE, cause);
    }

    /** Notes a send that waited longer than the timeout, and says why it waited. */
    private BrokerReach.Stall record(String destination, Instant start, int waiting, Optional<Exception> failure) {
        BrokerReach.Stall why = BrokerReach.stall(failure, unreachableElsewhere.getAsBoolean());
        long now = System.nanoTime();
        Episode[] before = new Episode[1];
        Episode episode = heldBack.compute(destination, (key, current) -> {
            before[0] = current;
            return current == null ? new Episode(start, 1, now, waiting, why) : current.plus(now, waiting, why);
        });
        boolean newlyUnreachable = episode.unreachable() && (before[0] == null || !before[0].unreachable());
        if (newlyUnreachable) {
            LOG.log(Level.WARNING, "NVENT-0667 sends to " + destination + " cannot reach the broker: one waited "
                    + timeout + failure.map(e -> " and failed (" + BrokerReach.connectionFailure(e).orElse(e) + ")")
                    .orElse("") + "; " + UNREACHABLE
                    + ". While it lasts an enqueue or publish fails after " + timeout + " and a worker's send waits;"
                    + " health reports it (one line here when sends go through again)");
        } else if (before[0] == null) {
            LOG.log(Level.WARNING, "NVENT-0648 the broker holds back sends to " + destination + ": one waited "
                    + timeout + "; " + LIKELY_CAUSE + ". While it lasts an enqueue or publish fails after " + timeout
                    + " and a worker's send waits; health reports it (one line here when sends flow again)");
        }
        return episode.stall();
    }

    /** A send went through: the episode ends, unless watched sends still wait. */
    private void flowing(String destination) {
        if (heldBack.isEmpty()) {
            return;
        }
        Episode[] ended = new Episode[1];
        heldBack.computeIfPresent(destination, (key, episode) -> {
            if (episode.waiting() > 0) {
                return episode;
            }
            ended[0] = episode;
            return null;
        });
        if (ended[0] != null && ended[0].unreachable()) {
            LOG.log(Level.INFO, "NVENT-0668 sends to " + destination + " reach the broker again; they could not since "
                    + ended[0].since() + " (" + ended[0].sends() + (ended[0].sends() == 1 ? " send" : " sends")
                    + " waited longer than " + timeout + ")");
        } else if (ended[0] != null) {
            LOG.log(Level.INFO, "NVENT-0649 sends to " + destination + " flow again; the broker held them back since "
                    + ended[0].since() + " (" + ended[0].sends() + (ended[0].sends() == 1 ? " send" : " sends")
                    + " waited longer than " + timeout + ")");
        }
    }

    /** The destinations the broker holds back now, for health; empty when it holds back none. */
    public Optional<String> problem() {
        long now = System.nanoTime();
        return heldBack.entrySet().stream()
                .filter(held -> held.getValue().waiting() > 0 || now - held.getValue().lastNanos() < memory().toNanos())
                .min(Map.Entry.comparingByKey())
                .map(held -> {
                    Episode episode = held.getValue();
                    return "sends to " + held.getKey() + (episode.unreachable() ? " cannot reach the broker since "
                            : " are held back by the broker since ") + episode.since()
                            + " (" + episode.sends() + (episode.sends() == 1 ? " send" : " sends")
                            + " waited longer than " + timeout
                            + (episode.waiting() > 0 ? ", " + episode.waiting() + " of this node's workers still waiting"
                                    : ", the last " + (now - episode.lastNanos()) / 1_000_000_000 + " s ago")
                            + "): " + (episode.unreachable() ? UNREACHABLE : LIKELY_CAUSE);
                });
    }
}
