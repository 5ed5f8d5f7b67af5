package io.nvent.cdi.internal.registry;

import io.nvent.BackoffType;
import io.nvent.FlowStep;
import io.nvent.StepRole;
import java.util.List;

/**
 * What one {@link FlowStep} annotation declares, before defaults from configuration apply.
 */
public record StepDeclaration(Class<?> beanClass, String flow, String name, StepRole role, String queue,
                              List<String> subscribes, List<String> emits, int maxAttempts, BackoffType backoff,
                              long backoffDelayMs, long backoffMaxDelayMs, long timeoutMs, int priority) {

    public StepDeclaration {
        subscribes = List.copyOf(subscribes);
        emits = List.copyOf(emits);
    }

    /** The declaration read from a class's annotation. */
    public static StepDeclaration of(Class<?> beanClass, FlowStep step) {
        String name = step.name().isBlank() ? beanClass.getSimpleName() : step.name().trim();
        String queue = step.queue().isBlank() ? step.flow().trim() : step.queue().trim();
        return new StepDeclaration(beanClass, step.flow().trim(), name, step.role(), queue,
                List.of(step.subscribes()), List.of(step.emits()), step.maxAttempts(), step.backoff(),
                step.backoffDelayMs(), step.backoffMaxDelayMs(), step.timeoutMs(), step.priority());
    }

    /** How problems name this step: {@code step 'x' of flow 'y' (com.acme.X)}. */
    public String describe() {
        return "step '" + name + "' of flow '" + flow + "' (" + beanClass.getName() + ")";
    }
}
