package io.nvent.cdi.internal.registry;

import io.nvent.RetryPolicy;
import io.nvent.StepDefinition;
import java.time.Duration;

/**
 * Configured defaults for what a {@code @FlowStep} leaves open.
 *
 * @param maxAttempts {@code nvent.step.max-attempts}
 * @param backoffDelay {@code nvent.step.backoff-delay-ms}
 * @param backoffMaxDelay {@code nvent.step.backoff-max-delay-ms}
 * @param timeout {@code nvent.step.timeout-ms}
 */
public record StepDefaults(int maxAttempts, Duration backoffDelay, Duration backoffMaxDelay, Duration timeout) {

    /** Defaults used when nothing is configured. */
    public static final StepDefaults STANDARD =
            new StepDefaults(1, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(5));

    StepDefinition apply(StepDeclaration d) {
        Duration delay = d.backoffDelayMs() >= 0 ? Duration.ofMillis(d.backoffDelayMs()) : backoffDelay;
        Duration maxDelay = d.backoffMaxDelayMs() >= 0 ? Duration.ofMillis(d.backoffMaxDelayMs()) : backoffMaxDelay;
        RetryPolicy retry = RetryPolicy.newBuilder()
                .maxAttempts(d.maxAttempts() > 0 ? d.maxAttempts() : maxAttempts)
                .backoff(d.backoff())
                .initialDelay(delay)
                .maxDelay(maxDelay)
                .build();
        Duration stepTimeout = d.timeoutMs() > 0 ? Duration.ofMillis(d.timeoutMs()) : timeout;
        return new StepDefinition(d.name(), d.role(), d.queue(), d.subscribes(), d.emits(), retry, stepTimeout,
                d.priority(), d.beanClass().getName());
    }
}
