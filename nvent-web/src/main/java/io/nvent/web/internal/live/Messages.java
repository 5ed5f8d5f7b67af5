package io.nvent.web.internal.live;

import jakarta.json.spi.JsonProvider;
import io.nvent.web.internal.rest.Representations;
import io.nvent.HistoryEvent;
import io.nvent.StepProgress;
import io.nvent.web.internal.rest.Representations;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.time.Instant;
import java.util.List;

/** The server's messages of the live protocol (JSON text frames, each with a {@code type}). */
final class Messages {

    private static final JsonProvider JSON = Representations.JSON;


    /** Version of the protocol, sent in {@code connected}. */
    static final int PROTOCOL = 1;

    private Messages() {
    }

    static String connected(String clientId, long heartbeatMs) {
        return JSON.createObjectBuilder().add("type", "connected").add("protocol", PROTOCOL).add("client", clientId)
                .add("heartbeatMs", heartbeatMs).add("ts", Instant.now().toString()).build().toString();
    }

    static String event(String flow, HistoryEvent event) {
        return JSON.createObjectBuilder().add("type", "event").add("runId", event.runId()).add("flow", flow)
                .add("event", Representations.event(event)).build().toString();
    }

    /**
     * An entry that changed the status of a run started by a run the client follows the children of
     * ({@link ChildFeed}): the console's "Runs below" panel reads the level again.
     */
    static String child(String parentRunId, String flow, HistoryEvent event) {
        return JSON.createObjectBuilder().add("type", "child").add("parentRunId", parentRunId)
                .add("runId", event.runId()).add("flow", flow).add("event", Representations.event(event)).build()
                .toString();
    }

    /**
     * The children of a run changed faster than the client read ({@link LiveClient}): their changes not sent are
     * merged into this one, and the client reads the children again (the console's "Runs below" does on any change).
     */
    static String childrenChanged(String parentRunId) {
        return JSON.createObjectBuilder().add("type", "children.changed").add("parentRunId", parentRunId).build()
                .toString();
    }

    /** How far a running step has come ({@link ProgressFeed}). */
    static String progress(String runId, String flow, String step, StepProgress progress) {
        return JSON.createObjectBuilder().add("type", "progress").add("runId", runId).add("flow", flow)
                .add("step", step).add("progress", Representations.progress(progress)).build().toString();
    }

    /**
     * A step that showed progress shows none now ({@link ProgressFeed}): its own type, so that a client that knows
     * only {@code progress} messages, whose {@code progress} is always an object, passes it by.
     */
    static String progressCleared(String runId, String flow, String step) {
        return JSON.createObjectBuilder().add("type", "progress.cleared").add("runId", runId).add("flow", flow)
                .add("step", step).build().toString();
    }

    static String history(String runId, String flow, List<HistoryEvent> events, boolean complete) {
        JsonArrayBuilder array = JSON.createArrayBuilder();
        events.forEach(e -> array.add(Representations.event(e)));
        return JSON.createObjectBuilder().add("type", "history").add("runId", runId).add("flow", flow)
                .add("events", array).add("complete", complete).build().toString();
    }

    static String subscribed(String type, JsonObject topic) {
        JsonObjectBuilder body = JSON.createObjectBuilder().add("type", type);
        topic.forEach(body::add);
        return body.build().toString();
    }

    static String pong(JsonObject request) {
        JsonObjectBuilder body = JSON.createObjectBuilder().add("type", "pong").add("ts", Instant.now().toString());
        if (request.containsKey("id")) {
            body.add("id", request.get("id"));
        }
        return body.build().toString();
    }

    static String heartbeat() {
        return JSON.createObjectBuilder().add("type", "heartbeat").add("ts", Instant.now().toString()).build()
                .toString();
    }

    static String error(int status, String message, JsonObject request) {
        JsonObjectBuilder body = JSON.createObjectBuilder().add("type", "error").add("status", status)
                .add("message", message);
        if (request != null) {
            body.add("request", request);
        }
        return body.build().toString();
    }
}
