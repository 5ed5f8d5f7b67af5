package io.nvent.spi.internal;

import io.nvent.HistoryEvent;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
 * <p>A transport whose messages of one kind can fail while the others go through (PostgreSQL's events over
 * NOTIFY's limit, stored in a table) says which kind it sends ({@link #sending}): a failure then counts against
 * that kind, and only a batch that sent that kind clears it, so events of the other kind going through do not hide
 * a stream that loses every event of that one. Publishes dropped from a full backlog are kept too
 * ({@link #droppedPublishes()}: since when, how many) while they go on, until the sender has taken all that waited,
 * for the same health check.
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
    /**
     * The kind of a send that names none ({@link #sending}): a failure of it (no connection, a broker away) is
     * every kind's, and any batch that goes through clears it.
     */
    public static final String ANY_KIND = "";
    /**
     * How long after the latest dropped publish the drops are still reported ({@link #droppedPublishes()}): as long as
     * the warning about them comes at most once, so that a backlog that fills again and again within it is one
     * episode, not a check that flickers.
     */
    public static final Duration DROPS_SHOWN_FOR = Duration.ofMinutes(1);
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
     * Sends that failed since the last one of their kind that went through.
     *
     * @param kind what they sent, in words, e.g. {@code events over NOTIFY's 8000-byte limit}; {@link #ANY_KIND}
     *     for a failure of no particular kind
     * @param since when the first of them failed
     * @param last when the latest failed
     * @param count how many batches failed
     * @param cause the latest failure's message
     */
    public record FailingSends(String kind, Instant since, Instant last, long count, String cause) {

        /**
         * Failing sends.
         *
         * @param kind what they sent, {@link #ANY_KIND} for no particular kind
         * @param since when the first of them failed
         * @param last when the latest failed
         * @param count how many batches failed
         * @param cause the latest failure's message
         */
        public FailingSends {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(last, "last");
        }

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
            return id + " sends of " + (kind.isEmpty() ? "" : kind + " of ") + stream + " fail since " + since.truncatedTo(ChronoUnit.SECONDS) + " (" + count + (count == 1 ? " send" : " sends")
                    + " failed, the last at " + last.truncatedTo(ChronoUnit.SECONDS) + "; DOWN once they have failed "
                    + "for " + FAILING_SENDS_DOWN_AFTER.toSeconds() + " s with none going through): the other "
                    + "instances' live views (and this one's) miss this instance's " + (kind.isEmpty() ? "events" : kind)
                    + " until a send " + (kind.isEmpty() ? "" : "of them ") + "goes through, then catch up from the store "
                    + "with a run's next event; runs go on as before. The last: " + cause;
        }
    }

    /**
     * Publishes dropped because the backlog was full, while they go on: from the first to the latest with no
     * {@link #DROPS_SHOWN_FOR} between two and the sender never finding its backlog empty between two, and for that
     * long after the latest.
     *
     * @param since when the first of them was dropped
     * @param last when the latest was dropped
     * @param count how many publishes were dropped since {@code since}
     * @param caughtUp whether the sender has taken all that waited since the latest drop: the drops are over
     */
    public record DroppedPublishes(Instant since, Instant last, long count, boolean caughtUp) {

        /**
         * Dropped publishes.
         *
         * @param since when the first of them was dropped
         * @param last when the latest was dropped
         * @param count how many publishes were dropped since {@code since}
         * @param caughtUp whether the sender has taken all that waited since the latest drop
         */
        public DroppedPublishes {
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(last, "last");
        }

        /**
         * Whether publishes have kept being dropped for {@link #FAILING_SENDS_DOWN_AFTER}, as failing sends must fail
         * that long, and still are: every instance's live views have missed this instance's events for that long. Once
         * the sender has caught up, as once a failing send goes through, they are a warning only: a stream that sends
         * everything again is not DOWN for the minute they are still told.
         *
         * @return whether the health check is DOWN for them
         */
        public boolean down() {
            return !caughtUp && Duration.between(since, last).compareTo(FAILING_SENDS_DOWN_AFTER) >= 0;
        }

        /**
         * The drops in words, for the stream's health check.
         *
         * @param id the message id, one of the stream module's range
         * @param stream the stream, as {@link FailingSends#describe} takes it
         * @param capacity how many publishes the backlog holds
         * @return e.g. {@code <id> the live event stream on topic … dropped 12 publishes of live events since …}
         */
        public String describe(String id, String stream, int capacity) {
            return id + " " + stream + " dropped " + count + (count == 1 ? " publish" : " publishes") + " of live events "
                    + "since " + since.truncatedTo(ChronoUnit.SECONDS) + ", the last at "
                    + last.truncatedTo(ChronoUnit.SECONDS) + ", because " + capacity + " waited to be sent already"
                    + (caughtUp ? " (it has taken all that waited since; told until " : " (DOWN once it has dropped for "
                    + FAILING_SENDS_DOWN_AFTER.toSeconds() + " s without sending all that waited; told until ")
                    + DROPS_SHOWN_FOR.toSeconds() + " s after the last): the live views of every instance miss these "
                    + "events and catch up from the store with a run's next event; runs go on as before";
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
    /**
     * Sends failed since the last of their kind that went through, by kind, for the health check; empty while they go
     * through. Only the sender's thread writes it, a new map each time.
     */
    private volatile Map<String, FailingSends> failing = Map.of();
    /** The kind the sender sends now ({@link #sending}); only the sender's thread uses it. */
    private String kind = ANY_KIND;
    /** The kinds the current batch sent; only the sender's thread uses it. */
    private final Set<String> kindsSent = new HashSet<>();
    /**
     * The current drops, for the health check; {@code null} before the first. Guarded by {@link #dropsLock}: the
     * publishing threads and the sender (once it caught up) write it.
     */
    private DroppedPublishes dropped;
    private final Object dropsLock = new Object();
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
     * Says what kind of message the sender sends from now until its batch ends or it names another: a failure counts
     * against that kind, and the batch, once it went through, clears that kind's failures, besides those of
     * {@link #ANY_KIND} (which any batch that goes through clears). Called by the {@link Sender}, on its thread; a sender
     * that never calls it has one kind.
     *
     * @param what the kind in words, e.g. {@code events over NOTIFY's 8000-byte limit}; {@link #ANY_KIND} for a step
     *     of no particular kind (connecting, committing)
     */
    public void sending(String what) {
        kind = Objects.requireNonNull(what, "what");
        kindsSent.add(what);
    }

    /**
     * The sends that failed since the last one of their kind went through, for the stream's health check, the oldest
     * first; empty while they go through (and before any failed).
     *
     * @return since when, how many, the last cause, of each kind that fails
     */
    public List<FailingSends> failingSends() {
        return failing.values().stream().sorted(Comparator.comparing(FailingSends::since)).toList();
    }

    /**
     * The failing sends that make the health check DOWN ({@link FailingSends#down()}).
     *
     * @return the failing sends of each kind that has failed for {@link #FAILING_SENDS_DOWN_AFTER}
     */
    public List<FailingSends> sendsDown() {
        return failingSends().stream().filter(FailingSends::down).toList();
    }

    /**
     * The failing sends that are a warning only: failed for less than {@link #FAILING_SENDS_DOWN_AFTER}.
     *
     * @return the failing sends of each kind that has not failed that long yet
     */
    public List<FailingSends> sendsFailingBriefly() {
        return failingSends().stream().filter(failing -> !failing.down()).toList();
    }

    /**
     * The publishes dropped from the full backlog, while it drops them and for {@link #DROPS_SHOWN_FOR} after the
     * latest, for the stream's health check.
     *
     * @return since when, how many; empty when none was dropped for that long
     */
    public Optional<DroppedPublishes> droppedPublishes() {
        DroppedPublishes now;
        synchronized (dropsLock) {
            now = dropped;
        }
        return Optional.ofNullable(now).filter(drops -> Duration.between(drops.last(), clock.instant())
                .compareTo(DROPS_SHOWN_FOR) < 0);
    }

    /**
     * What makes the stream's health check DOWN, in words: sends of each kind that have failed for
     * {@link #FAILING_SENDS_DOWN_AFTER}, and publishes dropped that long.
     *
     * @param failedId the message id of failing sends in the check, one of the stream module's range
     * @param droppedId the message id of dropped publishes in the check, also of that range
     * @param stream the stream in the check, e.g. {@code the live event stream on channel nvent_events}
     * @return each, joined by {@code "; "}; empty when nothing makes it DOWN
     */
    public Optional<String> down(String failedId, String droppedId, String stream) {
        List<String> down = new ArrayList<>();
        sendsDown().forEach(failing -> down.add(failing.describe(failedId, stream)));
        droppedPublishes().filter(DroppedPublishes::down)
                .ifPresent(drops -> down.add(drops.describe(droppedId, stream, capacity)));
        return down.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", down));
    }

    /**
     * What the stream's health check warns of while it is not {@link #down}: failing sends and dropped publishes not
     * that long yet.
     *
     * @param failedId the message id of failing sends in the check
     * @param droppedId the message id of dropped publishes in the check
     * @param stream the stream in the check
     * @return each, each after {@code "; "}, to follow what the stream says of itself; empty for none
     */
    public String warnings(String failedId, String droppedId, String stream) {
        StringBuilder warnings = new StringBuilder();
        sendsFailingBriefly().forEach(failing -> warnings.append("; ").append(failing.describe(failedId, stream)));
        droppedPublishes().filter(drops -> !drops.down())
                .ifPresent(drops -> warnings.append("; ").append(drops.describe(droppedId, stream, capacity)));
        return warnings.toString();
    }

    /** Hands a publish to the sender; never waits, drops it when the backlog is full. */
    private void enqueue(Publish publish) {
        if (!backlog.offer(publish) && !closed) {
            droppedOne();
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
            if (backlog.isEmpty()) {
                caughtUp();
            }
            try {
                sender.send(batch);
                wentThrough();
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
                kind = ANY_KIND;
                kindsSent.clear();
                batch.clear();
            }
        }
    }

    /** Records a failed batch against the kind it was sending; only the sender's thread writes {@link #failing}. */
    private void failed(RuntimeException e) {
        Instant now = clock.instant();
        Map<String, FailingSends> after = new HashMap<>(failing);
        FailingSends before = after.get(kind);
        after.put(kind, before == null
                ? new FailingSends(kind, now, now, 1, String.valueOf(e.getMessage()))
                : new FailingSends(kind, before.since(), now, before.count() + 1, String.valueOf(e.getMessage())));
        failing = Map.copyOf(after);
    }

    /** Clears the failures a batch that went through proves over: of no particular kind, and of each kind it sent. */
    private void wentThrough() {
        Map<String, FailingSends> before = failing;
        if (before.isEmpty()) {
            return;
        }
        Map<String, FailingSends> after = new HashMap<>(before);
        after.remove(ANY_KIND);
        after.keySet().removeAll(kindsSent);
        failing = Map.copyOf(after);
    }

    /** Records a dropped publish: the drops go on unless the latest was {@link #DROPS_SHOWN_FOR} ago. */
    private void droppedOne() {
        Instant now = clock.instant();
        synchronized (dropsLock) {
            dropped = dropped == null || dropped.caughtUp()
                    || Duration.between(dropped.last(), now).compareTo(DROPS_SHOWN_FOR) >= 0
                    ? new DroppedPublishes(now, now, 1, false)
                    : new DroppedPublishes(dropped.since(), now, dropped.count() + 1, false);
        }
    }

    /**
     * Ends the current drops, if any: the sender took all that waited, so the backlog has room for {@link #capacity}
     * publishes; drops after that are new ones, counted afresh. Only the sender's thread calls it.
     */
    private void caughtUp() {
        synchronized (dropsLock) {
            if (dropped != null && !dropped.caughtUp()) {
                dropped = new DroppedPublishes(dropped.since(), dropped.last(), dropped.count(), true);
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
