package io.nvent.web.internal.live;

import io.nvent.FlowNotFoundException;
import io.nvent.web.internal.rest.ControlCharacterGuard;
import jakarta.json.spi.JsonProvider;
import io.nvent.web.internal.rest.JsonInput;
import io.nvent.web.internal.rest.Representations;
import io.nvent.spi.PublishedEvent;
import jakarta.json.JsonNumber;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One connected client: its subscriptions and its outbox.
 *
 * <p>Nothing a client does can block the engine. Live entries are handed over in O(1) and
 * queued; messages are written one at a time with asynchronous sends. The outbox is bounded:
 * a client that falls {@link LiveLimits#maxQueued()} messages behind is closed with 1013 ("try
 * again later") rather than silently skipping entries, and catches up by re-subscribing with the
 * last {@code seq} it saw. Statistics and heartbeats are not queued but kept in one slot each,
 * so only the newest is sent. A child's status changes ({@code child}) are not queued either but merged: one waits per
 * child of a followed parent, the latest, sent once the outbox is empty; a parent with more children waiting than
 * {@link LiveLimits#maxQueued()} has them replaced by one {@code children.changed} ("read them again"), which
 * stands for every change of its children until it is sent. Backfill pauses while the outbox is not nearly empty.
 *
 * <p>Lock order: a cursor may call into its client while holding its own lock; the client never
 * calls a cursor while holding the client's lock.
 */
final class LiveClient {

    private static final JsonProvider JSON = Representations.JSON;


    private static final System.Logger LOG = System.getLogger(LiveClient.class.getName());

    /** Close code for a client that cannot keep up (RFC 6455 registry: "Try Again Later"). */
    static final int TRY_AGAIN_LATER = 1013;

    private final Outlet outlet;
    private final LiveRuntime runtime;
    private final Object lock = new Object();
    private final ArrayDeque<String> outbox = new ArrayDeque<>();
    private final Map<String, RunCursor> runs = new HashMap<>();
    private final Set<String> flows = new HashSet<>();
    /** The runs whose children's status changes this client follows ({@link ChildFeed}). */
    private final Set<String> parents = new HashSet<>();
    /**
     * The children's status changes not yet sent, in the order they first waited: the latest per child, and a parent's
     * {@code children.changed} under a {@code null} run id, which stands for all its children's changes.
     */
    private final LinkedHashMap<ChildKey, ChildChange> childChanges = new LinkedHashMap<>();
    /** The parents whose {@code children.changed} waits: their children's changes are in it. */
    private final Set<String> readAgain = new HashSet<>();
    private final List<RunCursor> parked = new ArrayList<>();
    private boolean all;
    private boolean stats;
    private String statsSlot;
    private boolean heartbeatDue;
    private boolean sending;
    private boolean closed;
    private long lastActivity = System.nanoTime();
    private final StatsRequests statsRequests;

    /** Gives a new stats subscriber the current statistics. */
    interface StatsRequests {
        void initialStats(LiveClient client);
    }

    LiveClient(Outlet outlet, LiveRuntime runtime, StatsRequests statsRequests) {
        this.outlet = outlet;
        this.runtime = runtime;
        this.statsRequests = statsRequests;
    }

    String id() {
        return outlet.id();
    }

    // ------------------------------------------------------------------ from the engine

    /** A live history entry of any run. */
    void offer(PublishedEvent published) {
        RunCursor cursor;
        boolean forward;
        synchronized (lock) {
            if (closed) {
                return;
            }
            cursor = runs.get(published.event().runId());
            forward = cursor == null && (all || flows.contains(published.flow()));
        }
        if (cursor != null) {
            cursor.onLive(published.event());
        } else if (forward) {
            enqueue(Messages.event(published.flow(), published.event()));
        }
    }

    /**
     * An entry that changed the status of a child of {@code parentRunId}, sent if the client follows its children: it
     * replaces the child's change not yet sent unless that one is later (by {@code seq}: the hub offers on several
     * threads, another instance's entries may come late), or waits after those of other children; the parent's
     * {@code children.changed} replaces them all when too many wait. A burst of changes never closes the connection.
     */
    void offerChild(String parentRunId, PublishedEvent published) {
        String message = Messages.child(parentRunId, published.flow(), published.event());
        synchronized (lock) {
            if (closed || !parents.contains(parentRunId) || readAgain.contains(parentRunId)) {
                return;
            }
            ChildKey key = new ChildKey(parentRunId, published.event().runId());
            ChildChange waiting = childChanges.get(key);
            long seq = published.event().seq();
            if (waiting != null) {
                if (seq >= waiting.seq()) {
                    childChanges.put(key, new ChildChange(seq, message));
                }
            } else if (childChanges.size() < runtime.limits().maxQueued()) {
                childChanges.put(key, new ChildChange(seq, message));
            } else {
                dropChildChanges(parentRunId);
                readAgain.add(parentRunId);
                childChanges.put(new ChildKey(parentRunId, null),
                        new ChildChange(Long.MAX_VALUE, Messages.childrenChanged(parentRunId)));
            }
        }
        pump();
    }

    /** Forgets the changes of the parent's children not yet sent; call holding the lock. */
    private void dropChildChanges(String parentRunId) {
        childChanges.keySet().removeIf(key -> key.parentRunId().equals(parentRunId));
        readAgain.remove(parentRunId);
    }

    /** Number of children's status changes waiting to be sent, a {@code children.changed} counted as one. */
    int pendingChildMessages() {
        synchronized (lock) {
            return childChanges.size();
        }
    }

    /**
     * The runs this client follows (subscribed to by id). Read a cursor outside this client's lock: a cursor calls
     * into the client holding its own monitor.
     */
    List<RunCursor> followedRuns() {
        synchronized (lock) {
            return closed ? List.of() : List.copyOf(runs.values());
        }
    }

    /** Sends a message about a run, if the client still follows it. */
    void aboutRun(String runId, String message) {
        synchronized (lock) {
            if (closed || !runs.containsKey(runId)) {
                return;
            }
        }
        enqueue(message);
    }

    boolean wantsStats() {
        synchronized (lock) {
            return stats && !closed;
        }
    }

    /** The newest statistics replace any not yet sent. */
    void stats(String message) {
        synchronized (lock) {
            if (!stats || closed) {
                return;
            }
            statsSlot = message;
        }
        pump();
    }

    /** Sends a heartbeat if nothing else was sent for a while. */
    void heartbeat() {
        synchronized (lock) {
            long idle = System.nanoTime() - lastActivity;
            if (closed || idle < runtime.limits().heartbeatInterval().toNanos() / 2) {
                return;
            }
            heartbeatDue = true;
        }
        pump();
    }

    // ------------------------------------------------------------------ from the client

    /** Handles one message of the client. */
    void receive(String text) {
        JsonValue value;
        try {
            value = JsonInput.read(text);
        } catch (JsonInput.TextAfterValueException e) {
            enqueue(Messages.error(400, e.refusal("message"), null));
            return;
        } catch (JsonException e) {
            refuse("messages must be JSON objects with a \"type\"; this one is " + JsonInput.whatIsWrong(e), null);
            return;
        } catch (RuntimeException tooDeep) {
            refuse("messages must be JSON objects with a \"type\"; this one is nested too deeply", null);
            return;
        }
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            refuse("messages must be JSON objects with a \"type\"; this one is " + JsonInput.kindOf(value), null);
            return;
        }
        JsonObject request = value.asJsonObject();
        // As the REST API refuses a body: of a member given twice the parser kept the last value.
        Optional<String> memberGivenTwice = JsonInput.memberGivenTwiceRefusal(text, "message");
        if (memberGivenTwice.isPresent()) {
            enqueue(Messages.error(400, memberGivenTwice.get(), request));
            return;
        }
        try {
            String type = string(request, "type").orElse("");
            switch (type) {
                case "subscribe" -> subscribe(request);
                case "unsubscribe" -> unsubscribe(request);
                case "subscribe.stats" -> subscribeStats(true, request);
                case "unsubscribe.stats" -> subscribeStats(false, request);
                case "ping" -> enqueue(Messages.pong(request));
                default -> refuse("unknown message type '" + type + "'; use subscribe, unsubscribe, subscribe.stats, "
                        + "unsubscribe.stats or ping", request);
            }
        } catch (IllegalArgumentException bad) {
            refuse(bad.getMessage(), request);
        } catch (io.nvent.NventException failed) {
            // Answered, or the client waits for ever; by id only, as a REST 500 is: the store's text names its SQL.
            LOG.log(System.Logger.Level.ERROR, "NVENT-0786 a live request failed", failed);
            enqueue(Messages.error(failed.isRetryable() ? 503 : 500, "NVENT-0786 the request failed on the server; "
                    + "its log has the details", request));
        }
    }

    private void subscribe(JsonObject request) {
        Optional<String> runId = string(request, "runId");
        Optional<String> flow = string(request, "flow");
        Optional<String> parentRunId = string(request, "parentRunId");
        boolean everything = all(request);
        if ((runId.isPresent() ? 1 : 0) + (flow.isPresent() ? 1 : 0) + (parentRunId.isPresent() ? 1 : 0)
                + (everything ? 1 : 0) > 1) {
            throw new IllegalArgumentException("subscribe to one of \"runId\", \"flow\", \"parentRunId\" or"
                    + " \"all\": true per message");
        }
        if (parentRunId.isPresent()) {
            subscribeChildren(parentRunId.get(), request);
        } else if (runId.isPresent()) {
            long afterSeq = number(request, "afterSeq");
            // No run id has a control character, and PostgreSQL fails a query given a NUL: not looked for.
            Optional<String> runFlow = ControlCharacterGuard.hasControlCharacter(runId.get()) ? Optional.empty()
                    : runtime.history().flowOf(runId.get());
            if (runFlow.isEmpty()) {
                enqueue(Messages.error(404, "NVENT-0202 run '" + runId.get() + "' does not exist", request));
                return;
            }
            RunCursor cursor = new RunCursor(this, runtime, runId.get(), runFlow.get(), afterSeq);
            RunCursor replaced;
            synchronized (lock) {
                if (!runs.containsKey(runId.get()) && runs.size() >= runtime.limits().maxRunsPerClient()) {
                    throw new IllegalArgumentException("at most " + runtime.limits().maxRunsPerClient()
                            + " run subscriptions per connection");
                }
                replaced = runs.put(runId.get(), cursor);
            }
            if (replaced != null) {
                replaced.close();
            }
            enqueue(Messages.subscribed("subscribed", JSON.createObjectBuilder().add("runId", runId.get())
                    .add("flow", runFlow.get()).add("afterSeq", afterSeq).build()));
            cursor.start();
        } else if (flow.isPresent()) {
            try {
                // The registry is in memory: a name with a control character is looked up like any other.
                runtime.history().requireFlow(flow.get());
            } catch (FlowNotFoundException unknown) {
                enqueue(Messages.error(404, unknown.getMessage(), request));
                return;
            }
            synchronized (lock) {
                flows.add(flow.get());
            }
            enqueue(Messages.subscribed("subscribed", JSON.createObjectBuilder().add("flow", flow.get()).build()));
        } else if (everything) {
            synchronized (lock) {
                all = true;
            }
            enqueue(Messages.subscribed("subscribed", JSON.createObjectBuilder().add("all", true).build()));
        } else {
            throw new IllegalArgumentException("subscribe needs \"runId\" (with optional \"afterSeq\"), \"flow\", "
                    + "\"parentRunId\" or \"all\": true");
        }
    }

    /**
     * Follows the status changes of the runs a run started ({@link ChildFeed}); as many runs as by {@code runId} at
     * most.
     */
    private void subscribeChildren(String parentRunId, JsonObject request) {
        Optional<String> parentFlow = ControlCharacterGuard.hasControlCharacter(parentRunId) ? Optional.empty()
                : runtime.history().flowOf(parentRunId);
        if (parentFlow.isEmpty()) {
            enqueue(Messages.error(404, "NVENT-0202 run '" + parentRunId + "' does not exist", request));
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (!parents.contains(parentRunId) && parents.size() >= runtime.limits().maxRunsPerClient()) {
                throw new IllegalArgumentException("at most " + runtime.limits().maxRunsPerClient()
                        + " parentRunId subscriptions per connection");
            }
            parents.add(parentRunId);
            runtime.childFollowers().follow(parentRunId, this);
        }
        enqueue(Messages.subscribed("subscribed", JSON.createObjectBuilder().add("parentRunId", parentRunId).build()));
    }

    private void unsubscribe(JsonObject request) {
        Optional<String> runId = string(request, "runId");
        Optional<String> flow = string(request, "flow");
        Optional<String> parentRunId = string(request, "parentRunId");
        RunCursor removed = null;
        boolean subscribed;
        synchronized (lock) {
            if (parentRunId.isPresent()) {
                subscribed = parents.remove(parentRunId.get());
                dropChildChanges(parentRunId.get());
                runtime.childFollowers().unfollow(parentRunId.get(), this);
            } else if (runId.isPresent()) {
                removed = runs.remove(runId.get());
                subscribed = removed != null;
            } else if (flow.isPresent()) {
                subscribed = flows.remove(flow.get());
            } else if (all(request)) {
                subscribed = all;
                all = false;
            } else {
                throw new IllegalArgumentException("unsubscribe needs \"runId\", \"flow\", \"parentRunId\" or"
                        + " \"all\": true");
            }
        }
        if (removed != null) {
            removed.close();
        }
        var topic = JSON.createObjectBuilder();
        runId.ifPresent(r -> topic.add("runId", r));
        flow.ifPresent(f -> topic.add("flow", f));
        parentRunId.ifPresent(p -> topic.add("parentRunId", p));
        if (runId.isEmpty() && flow.isEmpty() && parentRunId.isEmpty()) {
            topic.add("all", true);
        }
        JsonObject unsubscribed = topic.build();
        if (!subscribed) {
            enqueue(Messages.error(404, notSubscribed(unsubscribed.toString()), request));
            return;
        }
        enqueue(Messages.subscribed("unsubscribed", unsubscribed));
    }

    /**
     * The refusal of an unsubscribe from what this connection does not follow ({@code NVENT-0767}): answered
     * "unsubscribed", a client that misspelt a run id or flow believed it had stopped what it still follows.
     */
    private static String notSubscribed(String what) {
        return "NVENT-0767 this connection is not subscribed to " + what + ", so there is nothing to unsubscribe "
                + "from; unsubscribe with the keys the subscribe gave (its \"subscribed\" message repeats them)";
    }

    private void subscribeStats(boolean on, JsonObject request) {
        boolean wasOn;
        synchronized (lock) {
            wasOn = stats;
            stats = on;
            if (!on) {
                statsSlot = null;
            }
        }
        if (!on && !wasOn) {
            enqueue(Messages.error(404, notSubscribed("the statistics"), request));
            return;
        }
        enqueue(JSON.createObjectBuilder().add("type", on ? "stats.subscribed" : "stats.unsubscribed").build()
                .toString());
        if (on) {
            statsRequests.initialStats(this);
        }
    }

    /** Ends a run subscription that cannot continue, telling the client why. */
    void dropRun(String runId, int status, String message) {
        RunCursor removed;
        synchronized (lock) {
            removed = runs.remove(runId);
        }
        if (removed != null) {
            removed.close();
        }
        enqueue(Messages.error(status, message, JSON.createObjectBuilder().add("type", "subscribe")
                .add("runId", runId).build()));
    }

    // ------------------------------------------------------------------ sending

    /** Number of messages waiting to be sent. */
    int backlog() {
        synchronized (lock) {
            return outbox.size() + (sending ? 1 : 0);
        }
    }

    /** A backfill waits for the outbox to drain; it is resumed by {@link #pump()}. */
    void park(RunCursor cursor) {
        boolean resumeNow;
        synchronized (lock) {
            parked.add(cursor);
            resumeNow = !sending && outbox.isEmpty();
        }
        if (resumeNow) {
            pump();
        }
    }

    /** Queues a message; closes the client if it is too far behind. */
    void enqueue(String message) {
        boolean overflow = false;
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (outbox.size() >= runtime.limits().maxQueued()) {
                overflow = true;
            } else {
                outbox.add(message);
            }
        }
        if (overflow) {
            LOG.log(System.Logger.Level.WARNING, "NVENT-0721 live client {0} is {1} messages behind; closing it "
                    + "(it resumes by re-subscribing with afterSeq)", id(), runtime.limits().maxQueued());
            close(TRY_AGAIN_LATER, "client too slow: more than " + runtime.limits().maxQueued()
                    + " messages queued; reconnect and re-subscribe with afterSeq");
            return;
        }
        pump();
    }

    private void pump() {
        String next;
        List<RunCursor> resume = List.of();
        synchronized (lock) {
            if (sending || closed) {
                return;
            }
            next = outbox.poll();
            if (next == null && !childChanges.isEmpty()) {
                Iterator<Map.Entry<ChildKey, ChildChange>> first = childChanges.entrySet().iterator();
                Map.Entry<ChildKey, ChildChange> change = first.next();
                next = change.getValue().message();
                if (change.getKey().runId() == null) {
                    readAgain.remove(change.getKey().parentRunId());
                }
                first.remove();
            }
            if (next == null && statsSlot != null) {
                next = statsSlot;
                statsSlot = null;
            }
            if (next == null && heartbeatDue) {
                next = Messages.heartbeat();
            }
            heartbeatDue = false;
            if (outbox.size() <= 1 && !parked.isEmpty()) {
                resume = new ArrayList<>(parked);
                parked.clear();
            }
            if (next != null) {
                sending = true;
                lastActivity = System.nanoTime();
            }
        }
        for (RunCursor cursor : resume) {
            runtime.executor().execute(cursor::resume);
        }
        if (next == null) {
            return;
        }
        outlet.send(next, error -> {
            synchronized (lock) {
                sending = false;
            }
            if (error != null) {
                LOG.log(System.Logger.Level.DEBUG, "live client {0}: send failed: {1}", id(), error.toString());
                close(1011, "send failed");
            } else {
                runtime.executor().execute(this::pump);
            }
        });
    }

    // ------------------------------------------------------------------ lifecycle

    /** Closes the connection and drops every subscription. */
    void close(int code, String reason) {
        if (!release()) {
            return;
        }
        try {
            outlet.close(code, reason);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing live client {0}: {1}", id(), e.toString());
        }
    }

    /** The connection is gone: drops every subscription. Returns whether it was open. */
    boolean release() {
        List<RunCursor> cursors;
        synchronized (lock) {
            if (closed) {
                return false;
            }
            closed = true;
            outbox.clear();
            statsSlot = null;
            childChanges.clear();
            readAgain.clear();
            cursors = new ArrayList<>(runs.values());
            runs.clear();
            parked.clear();
            parents.forEach(parent -> runtime.childFollowers().unfollow(parent, this));
            parents.clear();
        }
        cursors.forEach(RunCursor::close);
        return true;
    }

    /** A child's status change waiting to be sent, or ({@code runId} null) the parent's {@code children.changed}. */
    private record ChildKey(String parentRunId, String runId) {
    }

    /** The message of a child's latest status change waiting to be sent, and that change's {@code seq}. */
    private record ChildChange(long seq, String message) {
    }

    /**
     * Answers a message the stream cannot take, with the one id of all such answers: its text says what
     * is wrong with the message.
     */
    private void refuse(String reason, JsonObject request) {
        enqueue(Messages.error(400, "NVENT-0783 " + reason, request));
    }

    /** {@code "all"}: true or false, false when absent; {@code "yes"} was taken for false. */
    private static boolean all(JsonObject o) {
        JsonValue value = o.get("all");
        if (value == null || value == JsonValue.NULL || value == JsonValue.FALSE) {
            return false;
        }
        if (value != JsonValue.TRUE) {
            throw new IllegalArgumentException("\"all\" must be true or false, was " + value);
        }
        return true;
    }

    private static Optional<String> string(JsonObject o, String key) {
        JsonValue value = o.get(key);
        if (value == null || value == JsonValue.NULL) {
            return Optional.empty();
        }
        if (!(value instanceof JsonString s) || s.getString().isBlank()) {
            throw new IllegalArgumentException("\"" + key + "\" must be a non-empty string");
        }
        return Optional.of(s.getString());
    }

    private static long number(JsonObject o, String key) {
        JsonValue value = o.get(key);
        if (value == null || value == JsonValue.NULL) {
            return 0;
        }
        try {
            if (value instanceof JsonNumber n && n.isIntegral() && n.longValueExact() >= 0) {
                return n.longValueExact();
            }
        } catch (ArithmeticException beyondLong) {
            // falls through to the same answer as any other number that is no sequence number
        }
        throw new IllegalArgumentException("\"" + key + "\" must be a sequence number >= 0");
    }
}
