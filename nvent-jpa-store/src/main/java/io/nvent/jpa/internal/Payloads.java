package io.nvent.jpa.internal;

import io.nvent.InvalidPayloadException;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunRecord;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Refuses payloads that are not JSON or larger than the configured limit, before anything is written. */
final class Payloads {

    /** Longest id, flow, step or key: the width of the key columns. */
    static final int MAX_NAME_LENGTH = 255;

    private final int maxBytes;

    Payloads(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    void check(String json, String what) {
        check(json, () -> what);
    }

    /**
     * @param what says what the payload is; only asked for when it is refused, so that the
     *     thousands of payloads that pass build no message
     */
    void check(String json, Supplier<String> what) {
        if (json == null) {
            throw new InvalidPayloadException(what.get() + " is missing");
        }
        // A char is 1 to 3 UTF-8 bytes (a surrogate pair 4 for 2): only lengths in between need a scan.
        if (json.length() > maxBytes
                || (json.length() > maxBytes / 3 && Json.utf8Length(json, maxBytes) > maxBytes)) {
            throw new InvalidPayloadException(what.get() + " is larger than the limit of " + maxBytes
                    + " bytes (nvent.store.max-payload-bytes)");
        }
        try {
            Json.check(json);
        } catch (Json.NotJsonException e) {
            throw new InvalidPayloadException(what.get() + " is not valid JSON: " + e.getMessage());
        }
    }

    /** Checks the payloads of a run that differ from {@code before} (all of them if there is none). */
    void checkRun(RunRecord run, RunRecord before) {
        checkName(run.runId(), "run id");
        checkName(run.flow(), "flow name");
        run.parentRunId().ifPresent(id -> checkName(id, "parent run id"));
        if (before == null || !run.input().equals(before.input())) {
            // A run refused at its start never exists: name its flow rather than an id nobody can look up.
            check(run.input(), () -> before == null ? "input of the new run of flow '" + run.flow() + "'"
                    : "input of run '" + run.runId() + "'");
        }
        if (run.result().isPresent() && (before == null || !run.result().equals(before.result()))) {
            check(run.result().get(), () -> "result of run '" + run.runId() + "'");
        }
        for (Map.Entry<String, String> emitted : run.emitted().entrySet()) {
            if (before == null || !emitted.getValue().equals(before.emitted().get(emitted.getKey()))) {
                check(emitted.getValue(), () -> "payload of event '" + emitted.getKey() + "' in run '" + run.runId() + "'");
            }
        }
    }

    void checkEvents(String runId, List<EventDraft> events) {
        for (int i = 0; i < events.size(); i++) {
            EventDraft draft = events.get(i);
            draft.step().ifPresent(step -> checkName(step, "step name"));
            int entry = i + 1;
            check(draft.data(), () -> "data of " + draft.type().wireName() + " entry #" + entry + " for run '" + runId + "'");
        }
    }

    static void checkName(String name, String what) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException(what + " must have 1.." + MAX_NAME_LENGTH + " characters, was "
                    + (name == null ? "null" : name.length() + " characters"));
        }
    }
}
