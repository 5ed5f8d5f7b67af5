package io.nvent.cdi.internal.engine;

import io.nvent.HeartbeatTimeoutException;
import io.nvent.cdi.internal.ClockTimers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The engine's heartbeat watchdog ({@link io.nvent.FlowStep#heartbeatTimeoutMs()}): one per engine, on the engine's
 * clock timers, no thread per attempt. Each attempt of a step with a heartbeat timeout gets a {@link Heartbeat} that
 * its step beats ({@link io.nvent.StepContext#heartbeat()}, a progress report) with a volatile write, and one timer
 * planned for the moment it would time out: when that comes, the watchdog looks at the last heartbeat, and plans
 * itself again for the new moment if one came meanwhile; else it fails the attempt
 * ({@link StepExecutions.StepExecution#missedHeartbeat(HeartbeatTimeoutException)}), which interrupts the step's code. So a step that beats
 * often costs one timer per timeout, not one per beat. Nothing is stored: the lease covers an instance that died, the
 * heartbeat a live one whose step hangs.
 */
final class Heartbeats {

    private static final System.Logger LOG = System.getLogger(Heartbeats.class.getName());

    private final Clock clock;
    private final Supplier<Optional<ClockTimers>> timers;

    /**
     * @param clock the engine's clock, which times the heartbeats
     * @param timers the engine's timers, once it has them; without, heartbeats are kept but not watched
     */
    Heartbeats(Clock clock, Supplier<Optional<ClockTimers>> timers) {
        this.clock = clock;
        this.timers = timers;
    }

    /** The heartbeats of one attempt: the last one's time, and the watchdog's look planned for its timeout. */
    static final class Heartbeat {
        private final Clock clock;
        private final Duration timeout;
        private volatile long lastMillis;
        /** The watchdog's next look; null once the attempt ended. */
        private ClockTimers.Planned look;
        private boolean ended;
        /** When the attempt missed its heartbeat: its last one's time plus the timeout; null unless it did. */
        private volatile Instant missedAt;

        private Heartbeat(Clock clock, Duration timeout) {
            this.clock = clock;
            this.timeout = timeout;
            this.lastMillis = clock.millis();
        }

        /** The step is alive: a volatile write of the clock's time, nothing more. */
        void beat() {
            lastMillis = clock.millis();
        }

        /** {@return when the step last sent a heartbeat, the start of its code counting as the first} */
        Instant last() {
            return Instant.ofEpochMilli(lastMillis);
        }

        /** {@return when the attempt fails unless another heartbeat comes} */
        Instant failsBy() {
            return last().plus(timeout);
        }

        /** {@return when the attempt missed its heartbeat, if the watchdog found it did: its code was interrupted} */
        Optional<Instant> missedAt() {
            return Optional.ofNullable(missedAt);
        }

        /** {@return how long the attempt may go without a heartbeat} */
        Duration timeout() {
            return timeout;
        }

        /** The step's code ended (or its attempt did): the watchdog no longer looks at it. */
        void end() {
            ClockTimers.Planned planned;
            synchronized (this) {
                ended = true;
                planned = look;
                look = null;
            }
            if (planned != null) {
                planned.cancel();
            }
        }
    }

    /**
     * Watches the heartbeats of an attempt, with a heartbeat timeout of {@code timeout}, whose step's code begins now:
     * not when the attempt begins, as a start write that the store holds up is no heartbeat missed.
     *
     * @return the attempt's heartbeat, for its step to beat
     */
    Heartbeat watch(StepExecutions.StepExecution execution, String runId, String step, Duration timeout) {
        Heartbeat heartbeat = new Heartbeat(clock, timeout);
        timers.get().ifPresent(on -> planLook(on, heartbeat, execution, runId, step));
        return heartbeat;
    }

    private void planLook(ClockTimers on, Heartbeat heartbeat, StepExecutions.StepExecution execution, String runId,
                          String step) {
        synchronized (heartbeat) {
            if (heartbeat.ended) {
                return;
            }
            try {
                heartbeat.look = on.at(heartbeat.failsBy(), () -> look(on, heartbeat, execution, runId, step));
            } catch (RejectedExecutionException stopping) {
                heartbeat.look = null; // the engine stops: its queue ends the attempt
            }
        }
    }

    private void look(ClockTimers on, Heartbeat heartbeat, StepExecutions.StepExecution execution, String runId,
                      String step) {
        Instant last = heartbeat.last();
        if (clock.instant().isBefore(heartbeat.failsBy())) {
            planLook(on, heartbeat, execution, runId, step);
            return;
        }
        synchronized (heartbeat) {
            if (heartbeat.ended) {
                return;
            }
            heartbeat.look = null;
            heartbeat.missedAt = last.plus(heartbeat.timeout);
        }
        LOG.log(System.Logger.Level.WARNING, "NVENT-0434 step '" + step + "' of run " + runId + " sent no heartbeat"
                + " for " + heartbeat.timeout() + " (its heartbeat timeout; last heartbeat at " + last + "): its attempt "
                + execution.attempt() + " fails, and its code is interrupted");
        execution.missedHeartbeat(new HeartbeatTimeoutException(runId, step, heartbeat.timeout(), last));
    }
}
