package io.nvent.cdi.internal.registry;

import io.nvent.AwaitAfter;
import io.nvent.AwaitBefore;
import io.nvent.BackoffType;
import io.nvent.FlowStep;
import io.nvent.RetryDecider;
import io.nvent.StepRole;
import io.nvent.Trigger;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What one {@link FlowStep} annotation declares, before defaults from configuration apply. A class
 * annotated once per flow gives one declaration per annotation; its class-level annotations
 * ({@link AwaitBefore}, {@link AwaitAfter}, {@link Trigger}) are in each of them.
 */
public record StepDeclaration(Class<?> beanClass, String flow, String name, StepRole role, String queue,
                              List<String> subscribes, List<String> emits, int maxAttempts, BackoffType backoff,
                              long backoffDelayMs, long backoffMaxDelayMs, List<Long> retryDelaysMs,
                              double retryJitter, long timeoutMs, int priority,
                              Optional<AwaitBefore> awaitBefore, Optional<AwaitAfter> awaitAfter,
                              List<Trigger> triggers, List<Class<? extends Throwable>> noRetryFor,
                              Optional<Class<? extends RetryDecider>> retryDecider, long runTimeoutMs,
                              long heartbeatTimeoutMs, Optional<String> compensation) {

    public StepDeclaration {
        subscribes = List.copyOf(subscribes);
        emits = List.copyOf(emits);
        triggers = List.copyOf(triggers);
        noRetryFor = List.copyOf(noRetryFor);
        retryDelaysMs = List.copyOf(retryDelaysMs);
    }

    /** The declarations of a class, one per {@link FlowStep} on it (repeated or not), in their order. */
    public static List<StepDeclaration> allOf(Class<?> beanClass) {
        return of(beanClass, List.of(beanClass.getAnnotationsByType(FlowStep.class)));
    }

    /** The declarations of a class, one per annotation given. */
    public static List<StepDeclaration> of(Class<?> beanClass, List<FlowStep> steps) {
        return steps.stream().map(step -> of(beanClass, step)).toList();
    }

    /** The declaration read from a class's annotation. */
    public static StepDeclaration of(Class<?> beanClass, FlowStep step) {
        String name = step.name().isBlank() ? beanClass.getSimpleName() : step.name().trim();
        String queue = step.queue().isBlank() ? step.flow().trim() : step.queue().trim();
        return new StepDeclaration(beanClass, step.flow().trim(), name, step.role(), queue,
                List.of(step.subscribes()), List.of(step.emits()), step.maxAttempts(), step.backoff(),
                step.backoffDelayMs(), step.backoffMaxDelayMs(),
                Arrays.stream(step.retryDelaysMs()).boxed().toList(), step.retryJitter(), step.timeoutMs(),
                step.priority(),
                Optional.ofNullable(beanClass.getAnnotation(AwaitBefore.class)),
                Optional.ofNullable(beanClass.getAnnotation(AwaitAfter.class)),
                List.of(beanClass.getAnnotationsByType(Trigger.class)), List.of(step.noRetryFor()),
                Optional.<Class<? extends RetryDecider>>of(step.retryDecider()).filter(c -> c != RetryDecider.class),
                step.runTimeoutMs(), step.heartbeatTimeoutMs(),
                Optional.of(step.compensation().trim()).filter(c -> !c.isEmpty()));
    }

    /** Whether the step gives a backoff of its own: {@code backoff = FIXED}, a backoff delay or its maximum. */
    public boolean givesBackoff() {
        return backoff == BackoffType.FIXED || backoffDelayMs >= 0 || backoffMaxDelayMs >= 0;
    }

    /** How problems name this step: {@code step 'x' of flow 'y' (com.acme.X)}. */
    public String describe() {
        return "step '" + name + "' of flow '" + flow + "' (" + beanClass.getName() + ")";
    }
}
