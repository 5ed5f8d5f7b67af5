package io.nvent.cdi.internal.engine;

import io.nvent.AwaitPosition;
import io.nvent.EventType;
import io.nvent.FlowDefinition;
import io.nvent.RunStatus;
import io.nvent.StepDefinition;
import io.nvent.StepRole;
import io.nvent.StepStatus;
import io.nvent.spi.EventDraft;
import io.nvent.spi.RunRecord;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The pure rules that move a run forward: which steps are ready, which must wait first, and what
 * the run's status is. Free of I/O so the rules can be tested and reasoned about on their own.
 */
final class Orchestration {

    private Orchestration() {
    }

    /** A step that must start waiting, and where. */
    record AwaitStart(StepDefinition step, AwaitPosition position) {
    }

    /** A run advanced by the rules: steps to enqueue, awaits to register. */
    record Advance(RunRecord run, List<EventDraft> events, List<StepDefinition> ready, List<AwaitStart> awaits) {
    }

    /**
     * Schedules every step whose subscriptions are all satisfied and that was never scheduled
     * (or makes it wait for its {@code awaitBefore}), then derives the run's status.
     */
    static Advance advance(FlowDefinition flow, RunRecord run, List<EventDraft> events, Instant now) {
        List<EventDraft> allEvents = new ArrayList<>(events);
        List<StepDefinition> ready = new ArrayList<>();
        List<AwaitStart> awaits = new ArrayList<>();
        RunRecord next = run;
        if (!next.status().isTerminal() && next.status() != RunStatus.COMPENSATING) {
            for (StepDefinition step : flow.steps()) {
                if (step.role() == StepRole.STEP && !next.steps().containsKey(step.name())
                        && next.emitted().keySet().containsAll(step.subscribes())) {
                    if (step.awaitBefore().isPresent()) {
                        next = next.withStep(step.name(), StepStatus.AWAITING);
                        awaits.add(new AwaitStart(step, AwaitPosition.BEFORE));
                    } else {
                        next = next.withStep(step.name(), StepStatus.QUEUED);
                        ready.add(step);
                    }
                }
            }
            next = settleStatus(next, allEvents, now);
        }
        return new Advance(next, allEvents, ready, awaits);
    }

    /**
     * The status a live run has given its steps: running while anything is queued or executing,
     * awaiting while only awaits remain, completed when nothing remains.
     */
    static RunRecord settleStatus(RunRecord run, List<EventDraft> events, Instant now) {
        if (run.status().isTerminal() || run.status() == RunStatus.COMPENSATING) {
            return run;
        }
        // One plain pass: settled on every step a run takes, while the JVM may still interpret it.
        boolean inFlight = false;
        boolean awaiting = false;
        for (StepStatus s : run.steps().values()) {
            if (s == StepStatus.QUEUED || s == StepStatus.RUNNING || s == StepStatus.RETRYING) {
                inFlight = true;
                break;
            }
            awaiting |= s == StepStatus.AWAITING;
        }
        RunStatus target = inFlight ? RunStatus.RUNNING : awaiting ? RunStatus.AWAITING : RunStatus.COMPLETED;
        if (target == run.status() || !run.status().canTransitionTo(target)) {
            return run;
        }
        RunRecord next = run.withStatus(target, now);
        if (target == RunStatus.COMPLETED) {
            events.add(EventDraft.ofRun(EventType.FLOW_COMPLETED, now,
                    JsonText.object().raw("result", next.result().orElse("null")).build()));
        }
        return next;
    }

    /** The step and every step that (transitively) waits for something it emits. */
    static Set<String> downstreamOf(FlowDefinition flow, StepDefinition from) {
        Set<String> steps = new LinkedHashSet<>();
        Deque<StepDefinition> todo = new ArrayDeque<>(List.of(from));
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

    static StepDefinition stepOf(FlowDefinition flow, String stepName) {
        return flow.step(stepName).orElseThrow(() -> new IllegalArgumentException(
                "flow '" + flow.name() + "' has no step '" + stepName + "'"));
    }
}
