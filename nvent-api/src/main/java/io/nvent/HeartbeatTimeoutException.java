package io.nvent;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * Why an attempt failed that sent no heartbeat for its step's {@link FlowStep#heartbeatTimeoutMs()}: what the step's
 * {@code step.retry} / {@code step.failed} entry says, and what a {@link RetryDecider} is given
 * ({@link FailedAttempt#error()}) to tell a hung attempt from others by type. A {@link TimeoutException}, as an
 * attempt past its timeout fails with one: it is retried whatever {@link FlowStep#noRetryFor()} lists. What the
 * step's code threw once interrupted, if anything, is {@linkplain #getSuppressed() suppressed} by it.
 *
 * <p>The engine throws it, not the step: a {@code TimeoutException} the step's own code throws is the step's failure.
 *
 * @since 0.2
 */
public class HeartbeatTimeoutException extends TimeoutException {

    private static final long serialVersionUID = 1L;

    /** The run of the attempt. */
    private final String runId;
    /** The step of the attempt. */
    private final String step;
    /** The step's heartbeat timeout. */
    private final Duration heartbeatTimeout;
    /** When the attempt last sent a heartbeat, the start of its step's code counting as one. */
    private final Instant lastHeartbeatAt;

    /**
     * The failure of an attempt of {@code step} in {@code runId} that sent no heartbeat for {@code heartbeatTimeout}
     * since {@code lastHeartbeatAt}.
     *
     * @param runId the run
     * @param step the step
     * @param heartbeatTimeout the step's heartbeat timeout
     * @param lastHeartbeatAt when the attempt last sent a heartbeat
     * @throws NullPointerException if an argument is {@code null}
     */
    public HeartbeatTimeoutException(String runId, String step, Duration heartbeatTimeout, Instant lastHeartbeatAt) {
        super("NVENT-0237 step '" + Objects.requireNonNull(step, "step") + "' of run "
                + Objects.requireNonNull(runId, "runId") + " sent no heartbeat for "
                + Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout") + " (its heartbeat timeout; last"
                + " heartbeat at " + Objects.requireNonNull(lastHeartbeatAt, "lastHeartbeatAt") + ")");
        this.runId = runId;
        this.step = step;
        this.heartbeatTimeout = heartbeatTimeout;
        this.lastHeartbeatAt = lastHeartbeatAt;
    }

    /** {@return the run of the attempt that missed its heartbeat} */
    public String runId() {
        return runId;
    }

    /** {@return the step of the attempt that missed its heartbeat} */
    public String step() {
        return step;
    }

    /** {@return the step's heartbeat timeout, {@link FlowStep#heartbeatTimeoutMs()}} */
    public Duration heartbeatTimeout() {
        return heartbeatTimeout;
    }

    /** {@return when the attempt last sent a heartbeat, the start of its step's code counting as one} */
    public Instant lastHeartbeatAt() {
        return lastHeartbeatAt;
    }
}
