package io.nvent.web.internal.live;

import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.web.internal.rest.Representations;
import jakarta.json.stream.JsonParser;
import java.io.StringReader;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Which run started the run of a history entry that changes its status, for the clients that follow a run's children
 * ({@code {"type":"subscribe","parentRunId":…}}, the console's "Runs below" panel). A {@code flow.start} names it in
 * its data; for the run's later entries it is remembered from there, or, for a run started before (or on an instance
 * whose start this one did not see), read once from the store and remembered: the {@link #REMEMBERED} runs seen last.
 * Entries that change no run's status (a step's, a log) are not looked at, and none is while no client follows
 * children.
 */
final class ChildFeed {

    /** The entries that change the status a run shows (started, awaiting, running again, ended, stalled...). */
    static final Set<EventType> STATUS_CHANGES = EnumSet.of(EventType.FLOW_START, EventType.FLOW_COMPLETED,
            EventType.FLOW_FAILED, EventType.FLOW_CANCEL, EventType.FLOW_STALLED, EventType.RUN_COMPENSATING,
            EventType.RUN_COMPENSATED, EventType.AWAIT_REGISTERED, EventType.AWAIT_RESOLVED, EventType.AWAIT_TIMEOUT);

    /** How many runs' parents are remembered (the last seen). */
    static final int REMEMBERED = 10_000;

    private final Function<String, Optional<String>> storedParent;
    private final Map<String, Optional<String>> parents = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Optional<String>> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** @param storedParent the parent of a run as stored (a read of the store), empty for none or no such run */
    ChildFeed(Function<String, Optional<String>> storedParent) {
        this.storedParent = storedParent;
    }

    /** Whether an entry of this type may change the status its run shows. */
    static boolean changesStatus(EventType type) {
        return STATUS_CHANGES.contains(type);
    }

    /** The run that started the entry's run, if the entry changes its status and a run started it. */
    Optional<String> parentOf(HistoryEvent event) {
        if (!changesStatus(event.type())) {
            return Optional.empty();
        }
        Optional<String> parent = event.type() == EventType.FLOW_START ? startedBy(event.data()) : null;
        if (parent == null) {
            synchronized (parents) {
                parent = parents.get(event.runId());
            }
            if (parent != null) {
                return parent;
            }
            parent = storedParent.apply(event.runId());
        }
        synchronized (parents) {
            parents.put(event.runId(), parent);
        }
        return parent;
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
