package io.nvent.cdi.internal.engine;

import io.nvent.EventType;
import io.nvent.FlowDefinition;
import io.nvent.RunStatus;
import io.nvent.StepDefinition;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The pure rules that move a run forward: which steps are ready, and when the run is done.
 * Kept free of I/O so the rules can be tested and reasoned about on their own.
 */
final class Orchestration {

    private Orchestration() {
    }

    /** A run advanced by the rules, with the steps that must now be enqueued. */
    record Advance(RunRecord run, List<EventDraft> events, List<StepDefinition> ready) {
    }

    /**
     * Schedules every step whose subscriptions are all satisfied and that was never scheduled,
     * then completes the run if nothing is left in flight.
     */
    static Advance advance(FlowDefinition flow, RunRecord run, List<EventDraft> events, Instant now) {
        List<EventDraft> allEvents = new ArrayList<>(events);
        List<StepDefinition> ready = new ArrayList<>();
        RunRecord next = run;
        if (!next.status().isTerminal()) {
            for (StepDefinition step : flow.steps()) {
                if (step.role() == StepRole.STEP && !next.steps().containsKey(step.name())
                        && next.emitted().keySet().containsAll(step.subscribes())) {
                    next = next.withStep(step.name(), StepStatus.QUEUED);
                    ready.add(step);
                }
            }
            if (ready.isEmpty() && nothingInFlight(next) && next.status().canTransitionTo(RunStatus.COMPLETED)) {
                next = next.withStatus(RunStatus.COMPLETED, now);
                allEvents.add(EventDraft.ofRun(EventType.FLOW_COMPLETED, now,
                        JsonText.object().raw("result", next.result().orElse("null")).build()));
            }
        }
        return new Advance(next, allEvents, ready);
    }

    /** The step and every step that (transitively) waits for something it emits. */
    static java.util.Set<String> downstreamOf(FlowDefinition flow, StepDefinition from) {
        java.util.Set<String> steps = new java.util.LinkedHashSet<>();
        java.util.Deque<StepDefinition> todo = new java.util.ArrayDeque<>(List.of(from));
        while (!todo.isEmpty()) {
            StepDefinition step = todo.pop();
            if (steps.add(step.name())) {
                for (String event : step.emits()) {
                    todo.addAll(flow.subscribersOf(event));
                }
            }
        }
        return steps;
    }

    static boolean nothingInFlight(RunRecord run) {
        return run.steps().values().stream().allMatch(StepStatus::isFinal);
    }
}
