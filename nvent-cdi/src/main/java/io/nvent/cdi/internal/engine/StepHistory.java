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
 * kind, the job of its latest start or of its requeue under a rate limit, how many of its attempts counted,
 * how often it failed for good. The engine, the resolution of awaits, the recovery of lost steps and a step's
 * context all ask it: kept apart from each of them, in one place.
 */
final class StepHistory {

    /** The entries of a step's history that tell how many of its attempts counted ({@link #attemptsCounted}). */
    private static final Set<EventType> ATTEMPT_ENTRIES = Set.of(EventType.STEP_STARTED, EventType.STEP_RETRY,
            EventType.STEP_FAILED);

    private final FlowStore store;

    StepHistory(FlowStore store) {
        this.store = store;
    }

    /**
     * How often a step failed for good in a run (its {@code step.failed} entries): an operator's retry
     * takes it up again after each, from its first attempt.
     */
    int failuresOf(String runId, String step) {
        return (int) store.readEvents(runId, new EventQuery(Set.of(EventType.STEP_FAILED), 0, EventQuery.MAX_LIMIT,
                false)).stream().filter(e -> e.step().filter(step::equals).isPresent()).count();
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

    /**
     * The job that queued a step again under its queue's rate limit, if the step's latest
     * {@code step.retry} entry says the limit did: found by that entry, which only the step's own
     * requeue writes.
     */
    Optional<String> rateLimitedJobOf(String runId, String step) {
        return latestEntryOfStep(runId, EventType.STEP_RETRY, step)
                .filter(entry -> EngineMetrics.isRateLimited(entry.data()))
                .map(entry -> StepJob.rateLimitedJobId(runId, step, entry.seq()));
    }

    /**
     * The attempts of a step that counted since it last began anew, from its history: a step queued
     * again after it lost its job or its execution goes on at the next attempt, with the attempts it
     * has left. An attempt counts once its failure is recorded with the attempt that follows it
     * ({@code nextAttempt} of a {@code step.retry} entry); every attempt before the latest start
     * counted, the latest one did not unless its failure says so (it was lost, or it gave way
     * because the store could not be reached or a rate limit allowed no start). The step began anew
     * after its newest {@code step.failed} entry: only a retry (an operator's, or the queue's) takes
     * a failed step up again, with all its attempts.
     */
    int attemptsCounted(String runId, String step) {
        int counted = 0;
        for (HistoryEvent entry : store.readEvents(runId, new EventQuery(ATTEMPT_ENTRIES, 0, EventQuery.MAX_LIMIT,
                true))) {
            if (entry.step().filter(step::equals).isEmpty()) {
                continue;
            }
            if (entry.type() == EventType.STEP_FAILED) {
                break;
            }
            int before = entry.type() == EventType.STEP_STARTED || !namesNextAttempt(entry) ? entry.attempt() - 1
                    : entry.attempt();
            counted = Math.max(counted, before);
        }
        return counted;
    }

    private static boolean namesNextAttempt(HistoryEvent retry) {
        return Json.PROVIDER.createReader(new StringReader(retry.data())).readObject().containsKey("nextAttempt");
    }
}
