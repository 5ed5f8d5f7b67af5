package io.nvent;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A registered flow: its steps and the events connecting them.
 *
 * @param name flow name
 * @param steps every step, the entry first
 * @since 0.1
 */
public record FlowDefinition(String name, List<StepDefinition> steps) {

    public FlowDefinition {
        Objects.requireNonNull(name, "name");
        steps = List.copyOf(steps);
    }

    /** The entry step. */
    public StepDefinition entry() {
        return steps.stream().filter(s -> s.role() == StepRole.ENTRY).findFirst()
                .orElseThrow(() -> new IllegalStateException("flow '" + name + "' has no entry step"));
    }

    /** The step with the given name. */
    public Optional<StepDefinition> step(String stepName) {
        return steps.stream().filter(s -> s.name().equals(stepName)).findFirst();
    }

    /** Steps that subscribe to the given event. */
    public List<StepDefinition> subscribersOf(String event) {
        return steps.stream().filter(s -> s.subscribes().contains(event)).toList();
    }
}
