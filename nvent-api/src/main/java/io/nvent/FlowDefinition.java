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

    /**
     * Checks the name and copies the steps, so the record stays immutable.
     *
     * @param name flow name
     * @param steps every step, the entry first
     * @throws NullPointerException if {@code name}, {@code steps} or a step is {@code null}
     */
    public FlowDefinition {
        Objects.requireNonNull(name, "name");
        steps = List.copyOf(steps);
    }

    /**
     * The entry step.
     *
     * @return the step with role {@link StepRole#ENTRY}
     * @throws IllegalStateException if the flow has none, which a deployed flow always has
     */
    public StepDefinition entry() {
        // A loop: every start of a run asks.
        for (StepDefinition step : steps) {
            if (step.role() == StepRole.ENTRY) {
                return step;
            }
        }
        throw new IllegalStateException("flow '" + name + "' has no entry step");
    }

    /**
     * The step with the given name.
     *
     * @param stepName step name
     * @return the step; empty if the flow has no step of that name
     */
    public Optional<StepDefinition> step(String stepName) {
        return steps.stream().filter(s -> s.name().equals(stepName)).findFirst();
    }

    /**
     * Steps that subscribe to the given event.
     *
     * @param event event name
     * @return the steps whose {@link StepDefinition#subscribes()} contains it, in flow order; empty if
     *     none
     */
    public List<StepDefinition> subscribersOf(String event) {
        return steps.stream().filter(s -> s.subscribes().contains(event)).toList();
    }
}
