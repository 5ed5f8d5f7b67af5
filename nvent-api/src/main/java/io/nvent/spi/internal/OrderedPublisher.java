package io.nvent.spi.internal;

import io.nvent.HistoryEvent;
import java.lang.System.Logger.Level;
import java.time.Duration;
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
 * fails is counted, not retried, in a warning at most once a minute.
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
                drops.flush(dropped -> droppedId + " " + stream + " sends again; it dropped " + dropped + " more "
                        + (dropped == 1 ? "publish" : "publishes") + " of live events since the last report while "
                        + capacity + " waited to be sent");
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                // No caller is left to tell. Live listeners catch up from the store.
                failures.add(1, failed -> failedId + " " + failed + (failed == 1 ? " send" : " sends")
                        + " of live events failed since the last report (at most one a minute); runs go on, live"
                        + " listeners catch up from the store. The last: " + e.getMessage());
            } finally {
                waitingFor = null;
                batch.clear();
            }
        }
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
