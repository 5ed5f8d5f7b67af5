package io.nvent.cdi.internal.engine;

import io.nvent.EventQuery;
import io.nvent.EventType;
import io.nvent.HistoryEvent;
import io.nvent.spi.FlowStore;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.util.Optional;
import java.util.Set;

/**
 * What a run's stored history says about one of its steps, read from the store: its newest entry of a
 * kind, the job of its latest start. The engine and the resolution of awaits both ask it: kept apart from
 * each of them, in one place.
 */
final class StepHistory {

    private final FlowStore store;

    StepHistory(FlowStore store) {
        this.store = store;
    }

    /** The job of the step's latest start, from its {@code step.started} entry. */
    Optional<String> lastJobOf(String runId, String step) {
        return latestEntryOfStep(runId, EventType.STEP_STARTED, step)
                .map(started -> Json.PROVIDER.createReader(new StringReader(started.data())).readObject())
                .filter(data -> data.get("jobId") instanceof JsonString)
                .map(data -> data.getString("jobId"));
    }

    /** The newest history entry of this type for the step; read only for an operator, a timeout or a stall. */
    Optional<HistoryEvent> latestEntryOfStep(String runId, EventType type, String step) {
        return store.readEvents(runId, new EventQuery(Set.of(type), 0, EventQuery.MAX_LIMIT, true)).stream()
                .filter(e -> e.step().filter(step::equals).isPresent()).findFirst();
    }
}
