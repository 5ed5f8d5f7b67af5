package io.nvent;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
 * @param awaitBefore pause before the step runs, if any
 * @param awaitAfter pause after it completed, before its events take effect, if any
 * @param noRetryFor names of the exception types after which the step is not retried
 *     ({@link FlowStep#noRetryFor()}; since 0.2)
 * @param runTimeout of the entry step: how long each run of the flow may take, start to end, unless its start gives
 *     a timeout of its own ({@link FlowStep#runTimeoutMs()}, {@link StartOptions#timeout()}); empty for no deadline,
 *     and always for a step that is not the entry step (since 0.2)
 * @param retryDecider the class name of the {@link RetryDecider} that decides each retry of the step
 *     ({@link FlowStep#retryDecider()}), if it has one; empty when {@link #retry()} alone decides (since 0.2)
 * @param heartbeatTimeout how long an attempt may go without a heartbeat before it fails
 *     ({@link FlowStep#heartbeatTimeoutMs()}); empty for none (since 0.2)
 * @param compensation the {@link StepRole#COMPENSATION} step of the flow that undoes this step once it completed, if
 *     a later step of its run fails for good ({@link FlowStep#compensation()}); empty for none (since 0.2)
 * @since 0.1
 */
public record StepDefinition(String name, StepRole role, String queue, List<String> subscribes, List<String> emits,
                             RetryPolicy retry, Duration timeout, int priority, String beanClass,
                             Optional<AwaitSpec> awaitBefore, Optional<AwaitSpec> awaitAfter,
                             List<String> noRetryFor, Optional<Duration> runTimeout,
                             Optional<String> retryDecider, Optional<Duration> heartbeatTimeout,
                             Optional<String> compensation) {

    /**
     * Checks that every object component is given and copies the lists, so the record stays immutable.
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
     * @param awaitBefore pause before the step runs, if any
     * @param awaitAfter pause after it completed, before its events take effect, if any
     * @param noRetryFor names of the exception types after which the step is not retried
     * @param runTimeout of the entry step: how long each run of the flow may take; empty for no deadline
     * @param retryDecider the class name of the step's retry decider, if any
     * @param heartbeatTimeout how long an attempt may go without a heartbeat before it fails; empty for none
     * @param compensation the compensation step that undoes this one, if any
     * @throws NullPointerException if an object component, or an element of the lists, is {@code null}
     * @since 0.2
     */
    public StepDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(queue, "queue");
        subscribes = List.copyOf(subscribes);
        emits = List.copyOf(emits);
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(beanClass, "beanClass");
        Objects.requireNonNull(awaitBefore, "awaitBefore");
        Objects.requireNonNull(awaitAfter, "awaitAfter");
        noRetryFor = List.copyOf(noRetryFor);
        Objects.requireNonNull(runTimeout, "runTimeout");
        Objects.requireNonNull(retryDecider, "retryDecider");
        Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
        Objects.requireNonNull(compensation, "compensation");
    }

    /**
     * A step without a {@linkplain #compensation() compensation}, as every step was before
     * {@link FlowStep#compensation()}.
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
     * @param awaitBefore pause before the step runs, if any
     * @param awaitAfter pause after it completed, before its events take effect, if any
     * @param noRetryFor names of the exception types after which the step is not retried
     * @param runTimeout of the entry step: how long each run of the flow may take; empty for no deadline
     * @param retryDecider the class name of the step's retry decider, if any
     * @param heartbeatTimeout how long an attempt may go without a heartbeat before it fails; empty for none
     * @since 0.2
     */
    public StepDefinition(String name, StepRole role, String queue, List<String> subscribes, List<String> emits,
                          RetryPolicy retry, Duration timeout, int priority, String beanClass,
                          Optional<AwaitSpec> awaitBefore, Optional<AwaitSpec> awaitAfter,
                          List<String> noRetryFor, Optional<Duration> runTimeout, Optional<String> retryDecider,
                          Optional<Duration> heartbeatTimeout) {
        this(name, role, queue, subscribes, emits, retry, timeout, priority, beanClass, awaitBefore, awaitAfter,
                noRetryFor, runTimeout, retryDecider, heartbeatTimeout, Optional.empty());
    }

    /**
     * A step without a {@linkplain #heartbeatTimeout() heartbeat timeout}, as every step was before
     * {@link FlowStep#heartbeatTimeoutMs()}.
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
     * @param awaitBefore pause before the step runs, if any
     * @param awaitAfter pause after it completed, before its events take effect, if any
     * @param noRetryFor names of the exception types after which the step is not retried
     * @param runTimeout of the entry step: how long each run of the flow may take; empty for no deadline
     * @param retryDecider the class name of the step's retry decider, if any
     * @throws NullPointerException if an object component, or an element of the lists, is {@code null}
     * @since 0.2
     */
    public StepDefinition(String name, StepRole role, String queue, List<String> subscribes, List<String> emits,
                          RetryPolicy retry, Duration timeout, int priority, String beanClass,
                          Optional<AwaitSpec> awaitBefore, Optional<AwaitSpec> awaitAfter,
                          List<String> noRetryFor, Optional<Duration> runTimeout, Optional<String> retryDecider) {
        this(name, role, queue, subscribes, emits, retry, timeout, priority, beanClass, awaitBefore, awaitAfter,
                noRetryFor, runTimeout, retryDecider, Optional.empty());
    }

    /**
     * A step that sets no deadline for the runs of its flow, and has no {@linkplain #retryDecider() retry decider},
     * as every step did before {@link #runTimeout()} and {@link FlowStep#retryDecider()}.
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
     * @param awaitBefore pause before the step runs, if any
     * @param awaitAfter pause after it completed, before its events take effect, if any
     * @param noRetryFor names of the exception types after which the step is not retried
     * @throws NullPointerException if an object component, or an element of the lists, is {@code null}
     * @since 0.2
     */
    public StepDefinition(String name, StepRole role, String queue, List<String> subscribes, List<String> emits,
                          RetryPolicy retry, Duration timeout, int priority, String beanClass,
                          Optional<AwaitSpec> awaitBefore, Optional<AwaitSpec> awaitAfter, List<String> noRetryFor) {
        this(name, role, queue, subscribes, emits, retry, timeout, priority, beanClass, awaitBefore, awaitAfter,
                noRetryFor, Optional.empty(), Optional.empty());
    }

    /**
     * A step retried after any failure, as every step was before {@link #noRetryFor()}.
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
     * @param awaitBefore pause before the step runs, if any
     * @param awaitAfter pause after it completed, before its events take effect, if any
     * @throws NullPointerException if an object component, or an element of the lists, is {@code null}
     */
    public StepDefinition(String name, StepRole role, String queue, List<String> subscribes, List<String> emits,
                          RetryPolicy retry, Duration timeout, int priority, String beanClass,
                          Optional<AwaitSpec> awaitBefore, Optional<AwaitSpec> awaitAfter) {
        this(name, role, queue, subscribes, emits, retry, timeout, priority, beanClass, awaitBefore, awaitAfter,
                List.of());
    }

    /**
     * The await at the given position, if any.
     *
     * @param position before or after the step
     * @return {@link #awaitBefore()} or {@link #awaitAfter()}
     */
    public Optional<AwaitSpec> await(AwaitPosition position) {
        return position == AwaitPosition.BEFORE ? awaitBefore : awaitAfter;
    }
}
