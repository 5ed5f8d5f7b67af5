package io.nvent.jpa.internal;

import io.nvent.InvalidPayloadException;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunRecord;
import java.util.List;
import java.util.Map;

/** Refuses payloads that are not JSON or larger than the configured limit, before anything is written. */
final class Payloads {

    /** Longest id, flow, step or key: the width of the key columns. */
    static final int MAX_NAME_LENGTH = 255;

    private final int maxBytes;

    Payloads(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    void check(String json, String what) {
        if (json == null) {
            throw new InvalidPayloadException(what + " is missing");
        }
        // Every char is at least one UTF-8 byte, so long strings fail without a full scan.
        if (json.length() > maxBytes || Json.utf8Length(json, maxBytes) > maxBytes) {
            throw new InvalidPayloadException(what + " is larger than the limit of " + maxBytes
                    + " bytes (nvent.store.max-payload-bytes)");
        }
        try {
            Json.check(json);
        } catch (Json.NotJsonException e) {
            throw new InvalidPayloadException(what + " is not valid JSON: " + e.getMessage());
        }
    }

    /** Checks the payloads of a run that differ from {@code before} (all of them if there is none). */
    void checkRun(RunRecord run, RunRecord before) {
        checkName(run.runId(), "run id");
        checkName(run.flow(), "flow name");
        run.parentRunId().ifPresent(id -> checkName(id, "parent run id"));
        if (before == null || !run.input().equals(before.input())) {
            check(run.input(), "input of run '" + run.runId() + "'");
        }
        if (run.result().isPresent() && (before == null || !run.result().equals(before.result()))) {
            check(run.result().get(), "result of run '" + run.runId() + "'");
        }
        for (Map.Entry<String, String> emitted : run.emitted().entrySet()) {
            if (before == null || !emitted.getValue().equals(before.emitted().get(emitted.getKey()))) {
                check(emitted.getValue(), "payload of event '" + emitted.getKey() + "' in run '" + run.runId() + "'");
            }
        }
    }

    void checkEvents(String runId, List<EventDraft> events) {
        for (int i = 0; i < events.size(); i++) {
            EventDraft draft = events.get(i);
            draft.step().ifPresent(step -> checkName(step, "step name"));
            check(draft.data(), "data of " + draft.type().wireName() + " entry #" + (i + 1) + " for run '" + runId + "'");
        }
    }

    static void checkName(String name, String what) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException(what + " must have 1.." + MAX_NAME_LENGTH + " characters, was "
                    + (name == null ? "null" : name.length() + " characters"));
        }
    }
}
