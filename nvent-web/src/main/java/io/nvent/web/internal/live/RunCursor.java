package io.nvent.web.internal.live;

import io.nvent.HistoryEvent;
import io.nvent.RunNotFoundException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client's subscription to one run: sends the run's history after {@code afterSeq} in pages,
 * then its live entries, in sequence order, without gaps or duplicates.
 *
 * <p>Every run's history has gapless sequence numbers starting at 1, so {@code lastSeq} (the
 * last entry handed to the client) is the whole state of the seam:
 * <ul>
 *   <li>while the history is read ("catching up"), live entries are held in {@code pending};
 *       once the store has nothing more, held entries that continue the sequence are sent and
 *       the cursor goes live;</li>
 *   <li>live, an entry at or below {@code lastSeq} is a duplicate and dropped; the next one is
 *       sent at once; one further ahead means entries are missing (published out of order, or
 *       lost by the stream), so it is held, and if the gap is still open after a short delay the
 *       missing entries are read from the store.</li>
 * </ul>
 * So the stream needs no ordering or delivery guarantee: a stream adapter spanning instances can
 * deliver late, twice or never, and the client still sees each entry exactly once, in order.
 */
final class RunCursor {

    private static final System.Logger LOG = System.getLogger(RunCursor.class.getName());
    /** Rough upper bound of the entries' JSON in one history message. */
    static final long MAX_MESSAGE_CHARS = 256 * 1024;

    private final LiveClient client;
    private final LiveRuntime runtime;
    private final String runId;
    private final TreeMap<Long, HistoryEvent> pending = new TreeMap<>();
    private String flow;
    private long lastSeq;
    private boolean catchingUp;
    private boolean backfill;
    private boolean overflowed;
    private boolean parked;
    private boolean closed;
    private ScheduledFuture<?> repair;
    /** The steps started and not ended in the entries handed to the client ({@link #mayHaveRunningSteps}). */
    private final Set<String> runningSteps = new HashSet<>();
    /**
     * Whether a step may run that started in an entry the client skipped (it subscribed after a sequence number),
     * until the run ends.
     */
    private boolean startsSkipped;

    RunCursor(LiveClient client, LiveRuntime runtime, String runId, String flow, long afterSeq) {
        this.client = client;
        this.runtime = runtime;
        this.runId = runId;
        this.flow = flow;
        this.lastSeq = afterSeq;
        this.startsSkipped = afterSeq > 0;
        this.catchingUp = true;   // live entries are held from the moment the cursor exists
        this.backfill = true;
    }

    String runId() {
        return runId;
    }

    /** {@return the flow of the run} */
    synchronized String flow() {
        return flow;
    }

    synchronized long lastSeq() {
        return lastSeq;
    }

    /**
     * Whether the run may have a running step, whose progress is worth reading ({@link ProgressFeed}): one started
     * in the entries handed to the client and not ended since, or, for a subscription after a sequence number,
     * one started before it, until the run ends. Not while the history is read for the first time.
     */
    synchronized boolean mayHaveRunningSteps() {
        return !closed && !backfill && (!runningSteps.isEmpty() || startsSkipped);
    }

    /** Follows which steps run, from an entry handed to the client. */
    private void handed(HistoryEvent event) {
        switch (event.type()) {
            case STEP_STARTED -> event.step().ifPresent(runningSteps::add);
            case STEP_COMPLETED, STEP_RETRY, STEP_FAILED, STEP_STALLED, STEP_CANCELED ->
                    event.step().ifPresent(runningSteps::remove);
            case FLOW_COMPLETED, FLOW_FAILED, FLOW_CANCEL -> startsSkipped = false;
            default -> {
            }
        }
    }

    /** Starts the backfill. */
    void start() {
        runtime.executor().execute(this::catchUp);
    }

    /** A live entry of this run. */
    synchronized void onLive(HistoryEvent event) {
        if (closed || event.seq() <= lastSeq) {
            return;
        }
        if (catchingUp) {
            hold(event);
            return;
        }
        if (event.seq() == lastSeq + 1) {
            List<HistoryEvent> batch = new ArrayList<>();
            batch.add(event);
            lastSeq = event.seq();
            drainPending(batch);
            batch.forEach(this::handed);
            batch.forEach(e -> client.enqueue(Messages.event(flow, e)));
            return;
        }
        hold(event);
        if (repair == null) {
            repair = runtime.timer().schedule(this::repairGap, runtime.limits().repairDelay().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    private void hold(HistoryEvent event) {
        if (pending.size() < runtime.limits().maxPending()) {
            pending.put(event.seq(), event);
        } else {
            overflowed = true;   // re-read from the store instead of holding more
        }
    }

    private void drainPending(List<HistoryEvent> batch) {
        HistoryEvent next;
        while ((next = pending.remove(lastSeq + 1)) != null) {
            batch.add(next);
            lastSeq = next.seq();
        }
        pending.headMap(lastSeq, true).clear();
    }

    private void repairGap() {
        synchronized (this) {
            repair = null;
            if (closed || catchingUp || pending.isEmpty()) {
                return;
            }
            catchingUp = true;
        }
        LOG.log(System.Logger.Level.DEBUG, "run {0}: entries after {1} missing from the stream, reading the store",
                runId, lastSeq);
        catchUp();
    }

    /** Resumes a backfill that waited for the client to drain its messages. */
    void resume() {
        synchronized (this) {
            if (!parked || closed) {
                return;
            }
            parked = false;
        }
        catchUp();
    }

    private void catchUp() {
        for (int round = 0; ; round++) {
            long from;
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (client.backlog() >= runtime.limits().pauseBackfillAt()) {
                    parked = true;
                    client.park(this);
                    return;
                }
                from = lastSeq;
            }
            List<HistoryEvent> page;
            try {
                page = runtime.history().read(runId, from, runtime.limits().pageSize());
            } catch (RunNotFoundException gone) {
                client.dropRun(runId, 404, gone.getMessage());
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0720 could not read the history of run " + runId
                        + "; retrying in 1 s", e);
                runtime.timer().schedule(() -> runtime.executor().execute(this::catchUp), 1, TimeUnit.SECONDS);
                return;
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
                List<HistoryEvent> batch = new ArrayList<>();
                for (HistoryEvent event : page) {
                    if (event.seq() == lastSeq + 1) {
                        batch.add(event);
                        lastSeq = event.seq();
                    }
                }
                boolean exhausted = page.size() < runtime.limits().pageSize();
                boolean done = false;
                if (exhausted) {
                    drainPending(batch);
                    // Entries held beyond a gap the store could not fill yet: read once more, then leave
                    // it to the repair timer. An overflow means entries were not held: read again.
                    done = !overflowed && (pending.isEmpty() || round >= 3);
                    overflowed = false;
                }
                batch.forEach(this::handed);
                if (backfill) {
                    List<List<HistoryEvent>> chunks = chunks(batch);
                    for (int i = 0; i < chunks.size(); i++) {
                        client.enqueue(Messages.history(runId, flow, chunks.get(i), done && i == chunks.size() - 1));
                    }
                } else {
                    batch.forEach(e -> client.enqueue(Messages.event(flow, e)));
                }
                if (done) {
                    catchingUp = false;
                    backfill = false;
                    if (!pending.isEmpty() && repair == null) {
                        repair = runtime.timer().schedule(this::repairGap,
                                runtime.limits().repairDelay().toMillis(), TimeUnit.MILLISECONDS);
                    }
                    return;
                }
            }
        }
    }

    /**
     * Splits a page so that no message carries much more than {@link #MAX_MESSAGE_CHARS} of
     * payload (entries may hold up to {@code nvent.payload.max-bytes} each); at least one entry,
     * and an empty page stays one (empty) message.
     */
    static List<List<HistoryEvent>> chunks(List<HistoryEvent> batch) {
        List<List<HistoryEvent>> chunks = new ArrayList<>();
        List<HistoryEvent> current = new ArrayList<>();
        long size = 0;
        for (HistoryEvent event : batch) {
            long eventSize = event.data().length() + 200L;
            if (!current.isEmpty() && size + eventSize > MAX_MESSAGE_CHARS) {
                chunks.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(event);
            size += eventSize;
        }
        chunks.add(current);
        return chunks;
    }

    /** Stops the subscription. */
    synchronized void close() {
        closed = true;
        pending.clear();
        if (repair != null) {
            repair.cancel(false);
        }
    }
}
