package io.nvent.cdi.internal.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * Settings of one engine instance.
 *
 * @param instanceId unique id of this instance (owner of its step leases)
 * @param webhookBaseUrl public base URL that webhook-await URLs start with
 * @param leaseDuration how long a step lease lasts without renewal ({@code nvent.stall.timeout-ms});
 *     a running step whose lease ran out is considered stalled
 * @param recoverStalled re-enqueue a stalled step so another instance executes it
 * @param startWriteDelay how long a step may run before its start is stored on its own
 *     ({@code nvent.step.start-write-delay-ms}); a step that returns sooner stores its start with
 *     its result, in one write. Zero stores every start before the step runs.
 * @param continueInWorker a step that continues a run goes on in the worker that ran the step
 *     before it, where the queue adapter can do so ({@code nvent.step.continue-in-worker}); false
 *     sends every step through the queue
 * @param stateCleanup when a run's state is removed ({@code nvent.store.state.cleanup.*})
 * @param missingStepGrace how long after its first hand-back a job of a step this deployment lacks is
 *     still handed back to the queue rather than refused as an attempt of the step
 *     ({@code nvent.upgrade.missing-step-grace}); zero refuses it at once
 * @param requestKeyRetention how long the idempotency key of an emit or a publish is kept
 *     ({@code nvent.idempotency.request-key-retention}): a repeat within it is answered, not delivered again
 */
public record EngineSettings(String instanceId, String webhookBaseUrl, Duration leaseDuration, boolean recoverStalled,
                             Duration startWriteDelay, boolean continueInWorker, StateCleanup stateCleanup,
                             Duration missingStepGrace, Duration requestKeyRetention) {

    /** The default of {@link #startWriteDelay}: short enough that a step running longer shows as running at once. */
    public static final Duration DEFAULT_START_WRITE_DELAY = Duration.ofMillis(200);

    /** The default of {@link #missingStepGrace}: long enough for a rolling deploy to replace its instances. */
    public static final Duration DEFAULT_MISSING_STEP_GRACE = Duration.ofMinutes(10);

    /** The default of {@link #requestKeyRetention}: a client's retries of a day are answered, not delivered again. */
    public static final Duration DEFAULT_REQUEST_KEY_RETENTION = Duration.ofHours(24);

    public EngineSettings {
        Objects.requireNonNull(stateCleanup, "stateCleanup");
        Objects.requireNonNull(missingStepGrace, "missingStepGrace");
        Objects.requireNonNull(requestKeyRetention, "requestKeyRetention");
        if (requestKeyRetention.isNegative() || requestKeyRetention.isZero()) {
            throw new IllegalArgumentException("requestKeyRetention must be positive: " + requestKeyRetention);
        }
        if (missingStepGrace.isNegative()) {
            throw new IllegalArgumentException("missingStepGrace must not be negative: " + missingStepGrace);
        }
        if (startWriteDelay.isNegative()) {
            throw new IllegalArgumentException("startWriteDelay must not be negative: " + startWriteDelay);
        }
        if (!startWriteDelay.isZero() && startWriteDelay.compareTo(leaseDuration) >= 0) {
            throw new IllegalArgumentException("startWriteDelay (" + startWriteDelay
                    + ") must be shorter than the lease duration (" + leaseDuration + ")");
        }
    }

    /** Settings that keep keys of emits and publishes for {@link #DEFAULT_REQUEST_KEY_RETENTION}. */
    public EngineSettings(String instanceId, String webhookBaseUrl, Duration leaseDuration, boolean recoverStalled,
                          Duration startWriteDelay, boolean continueInWorker, StateCleanup stateCleanup,
                          Duration missingStepGrace) {
        this(instanceId, webhookBaseUrl, leaseDuration, recoverStalled, startWriteDelay, continueInWorker,
                stateCleanup, missingStepGrace, DEFAULT_REQUEST_KEY_RETENTION);
    }

    /** Settings in which a run's steps continue in their worker where the queue can do so. */
    public EngineSettings(String instanceId, String webhookBaseUrl, Duration leaseDuration, boolean recoverStalled,
                          Duration startWriteDelay) {
        this(instanceId, webhookBaseUrl, leaseDuration, recoverStalled, startWriteDelay, true);
    }

    /** Settings that keep a run's state until retention removes the run. */
    public EngineSettings(String instanceId, String webhookBaseUrl, Duration leaseDuration, boolean recoverStalled,
                          Duration startWriteDelay, boolean continueInWorker) {
        this(instanceId, webhookBaseUrl, leaseDuration, recoverStalled, startWriteDelay, continueInWorker,
                StateCleanup.NEVER);
    }

    /** Settings that hand back jobs of steps the deployment lacks for {@link #DEFAULT_MISSING_STEP_GRACE}. */
    public EngineSettings(String instanceId, String webhookBaseUrl, Duration leaseDuration, boolean recoverStalled,
                          Duration startWriteDelay, boolean continueInWorker, StateCleanup stateCleanup) {
        this(instanceId, webhookBaseUrl, leaseDuration, recoverStalled, startWriteDelay, continueInWorker,
                stateCleanup, DEFAULT_MISSING_STEP_GRACE);
    }

    /** These settings with steps that continue a run sent through the queue, or not. */
    public EngineSettings withContinueInWorker(boolean value) {
        return new EngineSettings(instanceId, webhookBaseUrl, leaseDuration, recoverStalled, startWriteDelay, value,
                stateCleanup, missingStepGrace, requestKeyRetention);
    }

    /** These settings with another cleanup of run state. */
    public EngineSettings withStateCleanup(StateCleanup value) {
        return new EngineSettings(instanceId, webhookBaseUrl, leaseDuration, recoverStalled, startWriteDelay,
                continueInWorker, value, missingStepGrace, requestKeyRetention);
    }

    /** These settings with another grace period for jobs of steps the deployment lacks. */
    public EngineSettings withMissingStepGrace(Duration value) {
        return new EngineSettings(instanceId, webhookBaseUrl, leaseDuration, recoverStalled, startWriteDelay,
                continueInWorker, stateCleanup, value, requestKeyRetention);
    }

    /** These settings with another retention of the keys of emits and publishes. */
    public EngineSettings withRequestKeyRetention(Duration value) {
        return new EngineSettings(instanceId, webhookBaseUrl, leaseDuration, recoverStalled, startWriteDelay,
                continueInWorker, stateCleanup, missingStepGrace, value);
    }

    /** Settings for tests and embedded use. */
    public static EngineSettings defaults() {
        return new EngineSettings(UUID.randomUUID().toString(), "http://localhost:8080", Duration.ofSeconds(60), true,
                DEFAULT_START_WRITE_DELAY);
    }
}
