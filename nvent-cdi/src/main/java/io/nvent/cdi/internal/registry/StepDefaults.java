package io.nvent.cdi.internal.registry;

import io.nvent.AwaitSpec;
import io.nvent.AwaitType;
import io.nvent.RetryPolicy;
import io.nvent.StepDefinition;
import io.nvent.TimeoutAction;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Optional;

/**
 * Configured defaults for what a {@code @FlowStep} leaves open.
 *
 * @param maxAttempts {@code nvent.step.max-attempts}
 * @param backoffDelay {@code nvent.step.backoff-delay-ms}
 * @param backoffMaxDelay {@code nvent.step.backoff-max-delay-ms}
 * @param timeout {@code nvent.step.timeout-ms}
 * @param awaitTimeout {@code nvent.await.timeout-ms}: default timeout of webhook and event awaits
 * @param awaitTimeoutRetries {@code nvent.await.timeout-retries}: how many times a timed-out await
 *                            with {@code TimeoutAction.RETRY} is registered again by default
 */
public record StepDefaults(int maxAttempts, Duration backoffDelay, Duration backoffMaxDelay, Duration timeout,
                           Duration awaitTimeout, int awaitTimeoutRetries) {

    /** Defaults used when nothing is configured. */
    public static final StepDefaults STANDARD = new StepDefaults(1, Duration.ofSeconds(1), Duration.ofMinutes(5),
            Duration.ofMinutes(5), Duration.ofHours(24), 3);

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
                d.priority(), d.beanClass().getName(),
                d.awaitBefore().map(a -> await(a.type(), a.delayMs(), a.cron(), a.timezone(), a.event(), a.filterKey(),
                        a.timeoutMs(), a.timeoutAction(), a.timeoutRetries())),
                d.awaitAfter().map(a -> await(a.type(), a.delayMs(), a.cron(), a.timezone(), a.event(), a.filterKey(),
                        a.timeoutMs(), a.timeoutAction(), a.timeoutRetries())),
                d.noRetryFor().stream().map(Class::getName).toList());
    }

    private AwaitSpec await(AwaitType type, long delayMs, String cron, String zone, String event, String filterKey,
                            long timeoutMs, TimeoutAction action, int timeoutRetries) {
        Optional<Duration> timeout = timeoutMs > 0 ? Optional.of(Duration.ofMillis(timeoutMs))
                : (type == AwaitType.WEBHOOK || type == AwaitType.EVENT ? Optional.of(awaitTimeout) : Optional.empty());
        return new AwaitSpec(type, Duration.ofMillis(Math.max(0, delayMs)), blankToEmpty(cron), ZoneId.of(zone),
                blankToEmpty(event), blankToEmpty(filterKey), timeout, action,
                timeoutRetries >= 0 ? timeoutRetries : awaitTimeoutRetries);
    }

    private static Optional<String> blankToEmpty(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }
}
