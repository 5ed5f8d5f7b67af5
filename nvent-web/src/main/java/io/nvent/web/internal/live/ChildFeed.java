package io.nvent.web.internal.live;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.spi.FlowStore;
import io.nvent.spi.PublishedEvent;
import io.nvent.spi.RunRecord;
import io.nvent.web.internal.rest.Representations;
import jakarta.json.stream.JsonParser;
import java.io.StringReader;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which run started the run of a history entry that changes its status, for the clients that follow a run's children
 * ({@code {"type":"subscribe","parentRunId":…}}, the console's "Runs below" panel), and the hand-over of the entry to
 * them. A {@code flow.start} names it in its data; for the run's later entries it is remembered from there, or, for a
 * run started before (or on an instance whose start this one did not see), read from the store and remembered: the
 * {@link #REMEMBERED} runs seen last. Entries wait to be handed over, the latest per run, until the one flush under way
 * at a time takes them all: the parents of all the runs among them not known are one read of the store (a
 * {@link #READ_AT_ONCE} at a time), so a burst of new children (another instance's fan-out, the first changes after a
 * restart) costs a read or a few per flush, not a read per child. Entries that change no run's status (a step's, a log)
 * are not looked at, and none is while no client follows children.
 */
final class ChildFeed {

    private static final System.Logger LOG = System.getLogger(ChildFeed.class.getName());

    /** The entries that change the status a run shows (started, awaiting, running again, ended, stalled...). */
    static final Set<EventType> STATUS_CHANGES = EnumSet.of(EventType.FLOW_START, EventType.FLOW_COMPLETED,
            EventType.FLOW_FAILED, EventType.FLOW_CANCEL, EventType.FLOW_STALLED, EventType.RUN_COMPENSATING,
            EventType.RUN_COMPENSATED, EventType.AWAIT_REGISTERED, EventType.AWAIT_RESOLVED, EventType.AWAIT_TIMEOUT);

    /** How many runs' parents are remembered (the last seen). */
    static final int REMEMBERED = 10_000;

    /** The most runs one read of the store asks for: a larger flush reads in several. */
    static final int READ_AT_ONCE = 500;

    private final Function<Set<String>, Map<String, Optional<String>>> storedParents;
    private final Executor executor;
    private final BiConsumer<String, PublishedEvent> toParent;
    private final Map<String, Optional<String>> parents = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Optional<String>> eldest) {
            return size() > REMEMBERED;
        }
    };
    /** The entries waiting for the next flush, the latest per run (a client keeps no more: {@link LiveClient}). */
    private final Map<String, PublishedEvent> waiting = new LinkedHashMap<>();
    /**
     * The entries of runs whose parent a failed read did not tell (the store away for a moment), the latest per run:
     * they wait again with the next entry offered, not at once, which would read a store that is away in a loop.
     */
    private final Map<String, PublishedEvent> unread = new LinkedHashMap<>();
    /** Whether a flush is under way or queued: there is one at a time. */
    private boolean flushing;

    /**
     * @param storedParents the parents of these runs as stored (one read of the store): a run with no parent, or
     *     not found, may be left out
     * @param executor where the flushes run, off the event stream's thread
     * @param toParent hands an entry to the clients following the children of the run (its first argument)
     */
    ChildFeed(Function<Set<String>, Map<String, Optional<String>>> storedParents, Executor executor,
              BiConsumer<String, PublishedEvent> toParent) {
        this.storedParents = storedParents;
        this.executor = executor;
        this.toParent = toParent;
    }

    /** The parents of runs as the store keeps them, read with one query for all ({@link FlowStore#readRuns}). */
    static Function<Set<String>, Map<String, Optional<String>>> parentsStoredIn(FlowStore store) {
        return runIds -> store.readRuns(runIds).stream().collect(Collectors.toMap(RunRecord::runId,
                RunRecord::parentRunId, (one, same) -> one));
    }

    /** Whether an entry of this type may change the status its run shows. */
    static boolean changesStatus(EventType type) {
        return STATUS_CHANGES.contains(type);
    }

    /**
     * An entry of any run: if it changes its run's status, it waits for the next flush (queued unless one is).
     * A start's parent is remembered at once, so that a child started and ended before the flush needs no read.
     */
    void offer(PublishedEvent published) {
        HistoryEvent event = published.event();
        if (!changesStatus(event.type())) {
            return;
        }
        if (event.type() == EventType.FLOW_START) {
            Optional<String> parent = startedBy(event.data());
            if (parent != null) {
                remember(event.runId(), parent);
            }
        }
        boolean queue;
        synchronized (waiting) {
            unread.values().forEach(again -> keepLatest(waiting, again));
            unread.clear();
            keepLatest(waiting, published);
            queue = !flushing;
            flushing = true;
        }
        if (queue) {
            executor.execute(this::flush);
        }
    }

    /** Hands the entries waiting to the followers of their runs' parents, and queues the next flush if more came. */
    private void flush() {
        List<PublishedEvent> batch;
        synchronized (waiting) {
            batch = List.copyOf(waiting.values());
            waiting.clear();
        }
        try {
            Map<String, Optional<String>> parentOf = parentsOf(batch.stream().map(p -> p.event().runId()).toList());
            synchronized (waiting) {
                // A run's end has no next change: dropped, it would never reach those following its parent.
                batch.stream().filter(p -> !parentOf.containsKey(p.event().runId()))
                        .forEach(p -> keepLatest(unread, p));
            }
            for (PublishedEvent published : batch) {
                parentOf.getOrDefault(published.event().runId(), Optional.empty())
                        .ifPresent(parent -> toParent.accept(parent, published));
            }
        } finally {
            boolean again;
            synchronized (waiting) {
                again = !waiting.isEmpty();
                flushing = again;
            }
            if (again) {
                executor.execute(this::flush);
            }
        }
    }

    /** Keeps the entry as its run's in the map, unless the run's there is a later one; call holding the lock. */
    private static void keepLatest(Map<String, PublishedEvent> entries, PublishedEvent published) {
        PublishedEvent before = entries.get(published.event().runId());
        if (before == null || published.event().seq() >= before.event().seq()) {
            entries.put(published.event().runId(), published);
        }
    }

    /**
     * The runs that started these runs (empty for none), by run id: remembered (a start told it), or read for all the
     * others at once; a run whose read failed is left out.
     */
    private Map<String, Optional<String>> parentsOf(List<String> runIds) {
        Map<String, Optional<String>> found = new HashMap<>();
        Set<String> unknown = new LinkedHashSet<>();
        for (String runId : runIds) {
            Optional<String> parent;
            synchronized (parents) {
                parent = parents.get(runId);
            }
            if (parent == null) {
                unknown.add(runId);
            } else {
                found.put(runId, parent);
            }
        }
        List<String> toRead = List.copyOf(unknown);
        for (int from = 0; from < toRead.size(); from += READ_AT_ONCE) {
            Set<String> ids = new LinkedHashSet<>(toRead.subList(from, Math.min(toRead.size(), from + READ_AT_ONCE)));
            try {
                Map<String, Optional<String>> stored = storedParents.apply(ids);
                ids.forEach(id -> found.put(id, stored.getOrDefault(id, Optional.empty())));
            } catch (RuntimeException e) {
                // These runs' changes wait for the next flush (read again then), those of the runs known go now.
                LOG.log(System.Logger.Level.DEBUG, "could not tell which runs started {0} runs: {1}", ids.size(),
                        e.toString());
            }
        }
        found.forEach(this::remember);
        return found;
    }

    private void remember(String runId, Optional<String> parent) {
        synchronized (parents) {
            parents.put(runId, parent);
        }
    }

    /**
     * The {@code parentRunId} a {@code flow.start}'s data names, read up to the run's input, which the engine writes
     * last and which is not parsed (it may be large); {@code null} for the start of a restart's or rerun's copy, whose
     * data names the run it copies, not its parent, or a start that cannot be read: the store tells.
     */
    @SuppressWarnings("java:S2789") // null: not known from the data
    private static Optional<String> startedBy(String startData) {
        try (JsonParser parser = Representations.JSON.createParser(new StringReader(startData))) {
            if (!parser.hasNext() || parser.next() != JsonParser.Event.START_OBJECT) {
                return null;
            }
            while (parser.hasNext() && parser.next() == JsonParser.Event.KEY_NAME) {
                String key = parser.getString();
                if (key.equals("input")) {
                    return Optional.empty();
                }
                JsonParser.Event value = parser.next();
                if (key.equals("parentRunId") && value == JsonParser.Event.VALUE_STRING) {
                    return Optional.of(parser.getString());
                } else if (key.equals("restartOf") || key.equals("rerunOf")) {
                    return null;
                } else if (value == JsonParser.Event.START_OBJECT) {
                    parser.skipObject();
                } else if (value == JsonParser.Event.START_ARRAY) {
                    parser.skipArray();
                }
            }
            return Optional.empty();
        } catch (RuntimeException unreadable) {
            return null;
        }
    }
}
