package io.nvent.spi.internal;

import io.nvent.HistoryEvent;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadFactory;

/**
 * The publishing half of an {@link io.nvent.spi.EventStream} whose {@code publish} must never wait
 * for a connection, a broker or a database: a run start or a step publishes its entries, and a live
 * view is not worth holding either up for.
 *
 * <p>{@link #publish} puts the events in a bounded backlog and returns; one thread of the stream's
 * takes what waits, up to a batch, and hands it to the transport's {@link Sender}, in the order the
 * publishes were made, so one run's events keep theirs. A live event is best effort (the store's
 * history is the record): while the sender cannot send, publishes wait in the backlog, and once it is
 * full further ones are dropped, with a warning at most once a minute that says how many and what the
 * sender waits for (see {@link #waitingFor}); one more line when sending works again. A batch that
 * fails is counted, not retried, in a warning at most once a minute, and kept as {@link #failingSends()} (since
 * when, how many, the last cause) until a batch goes through: a stream's health check reports it, a warning while
 * the sends have failed for less than {@link #FAILING_SENDS_DOWN_AFTER}, DOWN after ({@link #sendsDown()}).
 *
 * <p>A publish inside a JTA transaction joins the backlog once that transaction committed, and not at
 * all if it rolled back (its entries were never stored): the sender never sends on the committing
 * thread nor inside anyone's transaction.
 *
 * @since 0.2
 */
public final class OrderedPublisher implements AutoCloseable {

    /** Failed and dropped publishes are logged at most this often. */
    private static final Duration REPORT_INTERVAL = Duration.ofMinutes(1);
    /**
     * How long sends must keep failing, from the first failure to the latest with none going through in between,
     * before the stream's health check is DOWN: one send that failed (a broker restarted, a connection the pool
     * handed out broken) is a warning, not an alert that flaps; sends that fail for half a minute are an outage that
     * other instances' live views do not see this instance's events through.
     */
    public static final Duration FAILING_SENDS_DOWN_AFTER = Duration.ofSeconds(30);
    /** How long {@link #close()} waits for the sender to end. */
    private static final long CLOSE_WAIT_MILLIS = 500;

    /**
     * The events of one publish.
     *
     * @param flow flow of the run
     * @param events the run's stored entries, in order
     */
    public record Publish(String flow, List<HistoryEvent> events) {

        /**
         * A publish; copies the events, which the caller may reuse.
         *
         * @param flow flow of the run
         * @param events the run's stored entries, in order
         */
        public Publish {
            Objects.requireNonNull(flow, "flow");
            events = List.copyOf(events);
        }
    }

    /**
     * Sends that failed since the last one that went through.
     *
     * @param since when the first of them failed (to the second)
     * @param last when the latest failed
     * @param count how many batches failed
     * @param cause the latest failure's message
     */
    public record FailingSends(Instant since, Instant last, long count, String cause) {

        /**
         * Whether the sends have kept failing for {@link #FAILING_SENDS_DOWN_AFTER}: from the first failure to the
         * latest, not to now, so that one failure followed by no publish at all stays a warning.
         *
         * @return whether the health check is DOWN for them
         */
        public boolean down() {
            return Duration.between(since, last).compareTo(FAILING_SENDS_DOWN_AFTER) >= 0;
        }

        /**
         * The failure in words, for the stream's health check.
         *
         * @param id the message id, one of the stream module's range
         * @param stream the stream, e.g. {@code the live event stream on topic nvent-events (broker …)}
         * @return e.g. {@code <id> sends of the live event stream on topic … fail since …}
         */
        public String describe(String id, String stream) {
            return id + " sends of " + stream + " fail since " + since.truncatedTo(ChronoUnit.SECONDS) + " (" + count + (count == 1 ? " send" : " sends")
                    + " failed, the last at " + last.truncatedTo(ChronoUnit.SECONDS) + "; DOWN once they have failed "
                    + "for " + FAILING_SENDS_DOWN_AFTER.toSeconds() + " s with none going through): the other "
                    + "instances' live views (and this one's) miss this instance's events until a send goes through, "
                    + "then catch up from the store with a run's next event; runs go on as before. The last: " + cause;
        }
    }

    /** Sends a batch through the transport, on the sender's thread. */
    @FunctionalInterface
    public interface Sender {

        /**
         * Sends the publishes, in order; may take as long as it must (nobody waits for it but later
         * publishes).
         *
         * @param batch one or more publishes, oldest first
         * @throws RuntimeException when the batch was not sent; its message ends the failure warning
         */
        void send(List<Publish> batch);
    }

    private final System.Logger log;
    private final String stream;
    private final String droppedId;
    private final String failedId;
    private final int capacity;
    private final int maxBatch;
    private final TransactionHooks transactions;
    private final Sender sender;
    /** Publishes waiting for {@link #thread}, in the order they were made (committed). */
    private final BlockingQueue<Publish> backlog;
    private final Thread thread;
    private final ThrottledWarning failures;
    private final ThrottledWarning drops;
    private final Clock clock;
    /** Sends failed since the last that went through, for the health check; {@code null} while they go through. */
    private volatile FailingSends failing;
    /** What the sender waits for now, for the warning about dropped publishes; {@code null} while it does not. */
    private volatile String waitingFor;
    private volatile boolean closed;

    /**
     * Starts the sender's thread.
     *
     * @param log where the warnings go (the stream's own category)
     * @param stream the stream in messages, e.g. {@code the live event stream on topic nvent.events}
     * @param droppedId the message id of the warning about dropped publishes, one of the stream module's range
     * @param failedId the message id of the warning about failed batches, also of that range
     * @param capacity most publishes waiting to be sent, beyond which more are dropped
     * @param maxBatch most publishes handed to the sender at once
     * @param transactions the caller's JTA transactions ({@link TransactionHooks#NONE} outside a container)
     * @param threads makes the sender's thread
     * @param threadName the name of that thread
     * @param sender sends a batch
     */
    public OrderedPublisher(System.Logger log, String stream, String droppedId, String failedId, int capacity,
                            int maxBatch, TransactionHooks transactions, ThreadFactory threads, String threadName,
                            Sender sender) {
        this(log, stream, droppedId, failedId, capacity, maxBatch, transactions, threads, threadName, sender,
                Clock.systemUTC());
    }

    /**
     * Starts the sender's thread, telling the time of failed sends by {@code clock}.
     *
     * @param log where the warnings go (the stream's own category)
     * @param stream the stream in messages, e.g. {@code the live event stream on topic nvent.events}
     * @param droppedId the message id of the warning about dropped publishes, one of the stream module's range
     * @param failedId the message id of the warning about failed batches, also of that range
     * @param capacity most publishes waiting to be sent, beyond which more are dropped
     * @param maxBatch most publishes handed to the sender at once
     * @param transactions the caller's JTA transactions ({@link TransactionHooks#NONE} outside a container)
     * @param threads makes the sender's thread
     * @param threadName the name of that thread
     * @param sender sends a batch
     * @param clock when sends failed, for {@link #failingSends()}
     */
    public OrderedPublisher(System.Logger log, String stream, String droppedId, String failedId, int capacity,
                            int maxBatch, TransactionHooks transactions, ThreadFactory threads, String threadName,
                            Sender sender, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.log = Objects.requireNonNull(log, "log");
        this.stream = Objects.requireNonNull(stream, "stream");
        this.droppedId = Objects.requireNonNull(droppedId, "droppedId");
        this.failedId = Objects.requireNonNull(failedId, "failedId");
        if (capacity < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("capacity and maxBatch must be at least 1, were " + capacity + " and "
                    + maxBatch);
        }
        this.capacity = capacity;
        this.maxBatch = maxBatch;
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.backlog = new ArrayBlockingQueue<>(capacity);
        this.failures = new ThrottledWarning(log, REPORT_INTERVAL);
        this.drops = new ThrottledWarning(log, REPORT_INTERVAL);
        this.thread = threads.newThread(this::sendBacklog);
        thread.setName(threadName);
        thread.start();
    }

    /**
     * Hands the events to the sender and returns at once; inside a JTA transaction once it committed.
     *
     * @param flow flow of the run
     * @param events the run's stored entries, in order; nothing happens for none
     */
    public void publish(String flow, List<HistoryEvent> events) {
        Objects.requireNonNull(flow, "flow");
        if (events.isEmpty()) {
            return;
        }
        Publish publish = new Publish(flow, events);
        if (!transactions.inTransaction()) {
            enqueue(publish);
            return;
        }
        transactions.afterCompletion(committed -> {
            if (committed) {
                enqueue(publish);
            }
        });
    }

    /**
     * Says what the sender waits for from now until its batch ends, for the warning about dropped
     * publishes; called by the {@link Sender}.
     *
     * @param what e.g. {@code waits for a connection from its connection factory}
     */
    public void waitingFor(String what) {
        waitingFor = what;
    }

    /**
     * The sends that failed since the last one that went through, for the stream's health check; empty while they go
     * through (and before any failed).
     *
     * @return since when, how many, the last cause
     */
    public Optional<FailingSends> failingSends() {
        return Optional.ofNullable(failing);
    }

    /**
     * The failing sends while they make the health check DOWN ({@link FailingSends#down()}).
     *
     * @return the failing sends, if they have failed for {@link #FAILING_SENDS_DOWN_AFTER}
     */
    public Optional<FailingSends> sendsDown() {
        return failingSends().filter(FailingSends::down);
    }

    /**
     * The failing sends while they are a warning only: failed for less than {@link #FAILING_SENDS_DOWN_AFTER}.
     *
     * @return the failing sends, if they have not failed that long yet
     */
    public Optional<FailingSends> sendsFailingBriefly() {
        return failingSends().filter(failing -> !failing.down());
    }

    /** Hands a publish to the sender; never waits, drops it when the backlog is full. */
    private void enqueue(Publish publish) {
        if (!backlog.offer(publish) && !closed) {
            drops.add(1, dropped -> droppedId + " dropped " + dropped + (dropped == 1 ? " publish" : " publishes")
                    + " of live events since the last report (at most one a minute): " + capacity + " wait to be sent"
                    + " already, while the stream "
                    + Optional.ofNullable(waitingFor).orElse("sends slower than they come")
                    + "; a publish never waits. Runs go on; live listeners catch up from the store");
        }
    }

    /** The sender's loop: takes what waits, up to {@link #maxBatch} publishes, and sends it. */
    private void sendBacklog() {
        List<Publish> batch = new ArrayList<>(Math.min(maxBatch, 1024));
        while (!closed) {
            try {
                batch.add(backlog.take());
            } catch (InterruptedException e) {
                return;
            }
            backlog.drainTo(batch, maxBatch - 1);
            try {
                sender.send(batch);
                failing = null;
                drops.flush(dropped -> droppedId + " " + stream + " sends again; it dropped " + dropped + " more "
                        + (dropped == 1 ? "publish" : "publishes") + " of live events since the last report while "
                        + capacity + " waited to be sent");
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                // No caller is left to tell. Live listeners catch up from the store.
                failed(e);
                failures.add(1, failed -> failedId + " " + failed + (failed == 1 ? " send" : " sends")
                        + " of live events failed since the last report (at most one a minute); runs go on, live"
                        + " listeners catch up from the store. The last: " + e.getMessage());
            } finally {
                waitingFor = null;
                batch.clear();
            }
        }
    }

    /** Records a failed batch; only the sender's thread writes {@link #failing}. */
    private void failed(RuntimeException e) {
        Instant now = clock.instant();
        FailingSends before = failing;
        failing = before == null
                ? new FailingSends(now, now, 1, String.valueOf(e.getMessage()))
                : new FailingSends(before.since(), now, before.count() + 1, String.valueOf(e.getMessage()));
    }

    /** Drops what waits to be sent and ends the sender, waiting for it briefly. */
    @Override
    public void close() {
        closed = true;
        // What still waits is dropped: live events are best effort, and a close must not wait for the transport.
        backlog.clear();
        thread.interrupt();
        try {
            thread.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.log(Level.DEBUG, () -> stream + ": the sender still sends its last batch after the close");
        }
    }
}
