package io.nvent.cdi.internal.registry;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.BackoffType;
import io.nvent.FlowStep;
import io.nvent.StepRole;
import io.nvent.Trigger;
import java.util.List;
import java.util.Optional;

/**
 * What one {@link FlowStep} annotation declares, before defaults from configuration apply.
 */
public record StepDeclaration(Class<?> beanClass, String flow, String name, StepRole role, String queue,
                              List<String> subscribes, List<String> emits, int maxAttempts, BackoffType backoff,
                              long backoffDelayMs, long backoffMaxDelayMs, long timeoutMs, int priority,
                              Optional<AwaitBefore> awaitBefore, Optional<AwaitAfter> awaitAfter,
                              List<Trigger> triggers) {

    public StepDeclaration {
        subscribes = List.copyOf(subscribes);
        emits = List.copyOf(emits);
        triggers = List.copyOf(triggers);
    }

    /** The declaration read from a class's annotation. */
    public static StepDeclaration of(Class<?> beanClass, FlowStep step) {
        String name = step.name().isBlank() ? beanClass.getSimpleName() : step.name().trim();
        String queue = step.queue().isBlank() ? step.flow().trim() : step.queue().trim();
        return new StepDeclaration(beanClass, step.flow().trim(), name, step.role(), queue,
                List.of(step.subscribes()), List.of(step.emits()), step.maxAttempts(), step.backoff(),
                step.backoffDelayMs(), step.backoffMaxDelayMs(), step.timeoutMs(), step.priority(),
                Optional.ofNullable(beanClass.getAnnotation(AwaitBefore.class)),
                Optional.ofNullable(beanClass.getAnnotation(AwaitAfter.class)),
                List.of(beanClass.getAnnotationsByType(Trigger.class)));
    }

    /** How problems name this step: {@code step 'x' of flow 'y' (com.acme.X)}. */
    public String describe() {
        return "step '" + name + "' of flow '" + flow + "' (" + beanClass.getName() + ")";
    }
}
