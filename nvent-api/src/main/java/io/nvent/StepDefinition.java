package io.nvent;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One step of a registered flow.
 *
 * @param name step name
 * @param role entry or downstream step
 * @param queue queue its jobs go to
 * @param subscribes events the step waits for (all of them)
 * @param emits events the step declares it emits
 * @param retry retry policy of its jobs
 * @param timeout time one attempt may take
 * @param priority job priority
 * @param beanClass class implementing the step
 * @since 0.1
 */
public record StepDefinition(String name, StepRole role, String queue, List<String> subscribes, List<String> emits,
                             RetryPolicy retry, Duration timeout, int priority, String beanClass) {

    public StepDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(queue, "queue");
        subscribes = List.copyOf(subscribes);
        emits = List.copyOf(emits);
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(beanClass, "beanClass");
    }
}
