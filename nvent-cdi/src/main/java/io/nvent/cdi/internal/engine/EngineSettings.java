package io.nvent.cdi.internal.engine;

import java.time.Duration;
import java.util.UUID;

/**
 * Settings of one engine instance.
 *
 * @param instanceId unique id of this instance (owner of its step leases)
 * @param webhookBaseUrl public base URL that webhook-await URLs start with
 * @param leaseDuration how long a step lease lasts without renewal ({@code nvent.stall.timeout-ms});
 *     a running step whose lease ran out is considered stalled
 * @param recoverStalled re-enqueue a stalled step so another instance executes it
 */
public record EngineSettings(String instanceId, String webhookBaseUrl, Duration leaseDuration, boolean recoverStalled) {

    /** Settings for tests and embedded use. */
    public static EngineSettings defaults() {
        return new EngineSettings(UUID.randomUUID().toString(), "http://localhost:8080", Duration.ofSeconds(60), true);
    }
}
