package io.nvent.cdi.internal.registry;

import io.nvent.AwaitSpec;
import io.nvent.AwaitType;
import io.nvent.RetryPolicy;
import io.nvent.StepDefinition;
import io.nvent.TimeoutAction;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

/**
 * Configured defaults for what a {@code @FlowStep} leaves open.
 *
 * @param maxAttempts {@code nvent.step.max-attempts}, or one more than {@code retryDelays} if that is not set
 * @param backoffDelay {@code nvent.step.backoff-delay-ms}
 * @param backoffMaxDelay {@code nvent.step.backoff-max-delay-ms}
 * @param timeout {@code nvent.step.timeout-ms}
 * @param awaitTimeout {@code nvent.await.timeout-ms}: default timeout of webhook and event awaits
 * @param awaitTimeoutRetries {@code nvent.await.timeout-retries}: how many times a timed-out await
 *                            with {@code TimeoutAction.RETRY} is registered again by default
 * @param retryDelays {@code nvent.step.retry-delays-ms}: the retry schedule of steps that give no
 *                    backoff nor schedule of their own; empty for the backoff
 * @param retryJitter {@code nvent.step.retry-jitter}
 */
public record StepDefaults(int maxAttempts, Duration backoffDelay, Duration backoffMaxDelay, Duration timeout,
                           Duration awaitTimeout, int awaitTimeoutRetries, List<Duration> retryDelays,
                           double retryJitter) {

    /** Defaults used when nothing is configured. */
    public static final StepDefaults STANDARD = new StepDefaults(1, Duration.ofSeconds(1), Duration.ofMinutes(5),
            Duration.ofMinutes(5), Duration.ofHours(24), 3);

    public StepDefaults {
        retryDelays = List.copyOf(retryDelays);
    }

    /** Defaults without a configured list of retry delays nor jitter. */
    public StepDefaults(int maxAttempts, Duration backoffDelay, Duration backoffMaxDelay, Duration timeout,
                        Duration awaitTimeout, int awaitTimeoutRetries) {
        this(maxAttempts, backoffDelay, backoffMaxDelay, timeout, awaitTimeout, awaitTimeoutRetries, List.of(), 0);
    }

    StepDefinition apply(StepDeclaration d) {
        Duration stepTimeout = d.timeoutMs() > 0 ? Duration.ofMillis(d.timeoutMs()) : timeout;
        return new StepDefinition(d.name(), d.role(), d.queue(), d.subscribes(), d.emits(), retry(d), stepTimeout,
                d.priority(), d.beanClass().getName(),
                d.awaitBefore().map(a -> await(a.type(), a.delayMs(), a.cron(), a.timezone(), a.event(), a.filterKey(),
                        a.timeoutMs(), a.timeoutAction(), a.timeoutRetries())),
                d.awaitAfter().map(a -> await(a.type(), a.delayMs(), a.cron(), a.timezone(), a.event(), a.filterKey(),
                        a.timeoutMs(), a.timeoutAction(), a.timeoutRetries())),
                d.noRetryFor().stream().map(Class::getName).toList(),
                Optional.of(d.runTimeoutMs()).filter(ms -> ms > 0).map(Duration::ofMillis),
                d.retryDecider().map(Class::getName),
                Optional.of(d.heartbeatTimeoutMs()).filter(ms -> ms > 0).map(Duration::ofMillis), d.compensation());
    }

    /**
     * The step's retry policy: its own list of delays (and as many attempts as it gives, or one more than
     * the delays), else its own backoff, else the configured list (as far as the step's attempts reach), else
     * the configured backoff.
     */
    private RetryPolicy retry(StepDeclaration d) {
        RetryPolicy.Builder retry = RetryPolicy.newBuilder()
                .jitter(d.retryJitter() != -1 ? d.retryJitter() : retryJitter);
        if (!d.retryDelaysMs().isEmpty()) {
            if (d.maxAttempts() > 0) {
                retry.maxAttempts(d.maxAttempts());
            }
            return retry.delays(d.retryDelaysMs().stream().map(Duration::ofMillis).toList()).build();
        }
        int attempts = d.maxAttempts() > 0 ? d.maxAttempts() : maxAttempts;
        retry.maxAttempts(attempts);
        if (!d.givesBackoff() && !retryDelays.isEmpty() && attempts > 1) {
            return retry.delays(retryDelays.subList(0, Math.min(retryDelays.size(), attempts - 1))).build();
        }
        return retry.backoff(d.backoff())
                .initialDelay(d.backoffDelayMs() >= 0 ? Duration.ofMillis(d.backoffDelayMs()) : backoffDelay)
                .maxDelay(d.backoffMaxDelayMs() >= 0 ? Duration.ofMillis(d.backoffMaxDelayMs()) : backoffMaxDelay)
                .build();
    }

    private AwaitSpec await(AwaitType type, long delayMs, String cron, String zone, String event, String filterKey,
                            long timeoutMs, TimeoutAction action, int timeoutRetries) {
        Optional<Duration> timeout = timeoutMs > 0 ? Optional.of(Duration.ofMillis(timeoutMs))
                : (type == AwaitType.WEBHOOK || type == AwaitType.EVENT || type == AwaitType.CHILDREN
                        || type == AwaitType.DESCENDANTS
                        ? Optional.of(awaitTimeout) : Optional.empty());
        return new AwaitSpec(type, Duration.ofMillis(Math.max(0, delayMs)), blankToEmpty(cron), ZoneId.of(zone),
                blankToEmpty(event), blankToEmpty(filterKey), timeout, action,
                timeoutRetries >= 0 ? timeoutRetries : awaitTimeoutRetries);
    }

    private static Optional<String> blankToEmpty(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }
}
