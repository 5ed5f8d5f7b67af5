package io.nvent;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Why a step of an unfinished run has not started, or a running one makes no progress, as the
 * engine sees it at the moment of the question: the answer to "what is this run waiting for?"
 * ({@link FlowService#waits}).
 *
 * @param step the step
 * @param status its status: {@link StepStatus#QUEUED}, {@link StepStatus#RETRYING} or
 *               {@link StepStatus#AWAITING}; {@link StepStatus#RUNNING} for {@link Reason#LEASE_EXPIRED}
 *               and {@link Reason#NOT_DEPLOYED}
 * @param reason what it waits for
 * @param queue the queue of the step's job; empty for an await of a step or flow the deployment lacks,
 *              or a {@link Reason#NOT_DEPLOYED} step whose job was found in no queue
 * @param until when the wait ends by itself: a delayed attempt's due time (a handed-back job's too),
 *              a time or schedule await's resolution, or else an await's timeout
 * @param awaitId the await, for {@link Reason#AWAIT}
 * @param detail the same in words for an operator
 * @param progress for a running step ({@link Reason#RUNNING}, {@link Reason#LEASE_EXPIRED}), how far its
 *                 attempt has come as it last reported it ({@link StepContext#reportProgress}) and the store
 *                 keeps it; empty for every other wait, and for a step that reported none (since 0.2)
 * @param awaitType the type of the await, with {@code awaitId}: a {@link AwaitType#CONCURRENCY_KEY} await cannot
 *                  be resolved by hand (since 0.2)
 * @param runDeadline when the run times out ({@link RunInfo#deadline()}), where that comes first: before
 *                    {@code until}, or for a wait that has no {@code until}; the {@code detail} then ends with
 *                    "the run times out at … first" (or, without {@code until}, "the run times out at …"). Empty
 *                    for a run without a deadline and for a wait that ends by itself before it (since 0.2)
 * @param lastHeartbeatAt for a running step ({@link Reason#RUNNING}) that declares a
 *                        {@link FlowStep#heartbeatTimeoutMs()}, when its attempt last sent a heartbeat
 *                        ({@link StepContext#heartbeat()}, a progress report, or the start of its code): as the instance
 *                        running it knows it, or, asked elsewhere, the latest stored, a heartbeat (stored at most once
 *                        per a quarter of the heartbeat timeout, at least a second apart) or a progress report; the
 *                        {@code detail} then says how long ago, and by when the attempt fails without another. For a
 *                        running step without a heartbeat timeout, its last stored heartbeat, if it sent one (no
 *                        deadline). Empty for every other wait, and where it is not known (since 0.2)
 * @param awaitTimeoutAt for {@link Reason#AWAIT}, when the await times out, if it has a timeout: also where
 *                       {@code until} is a time or schedule await's resolution, which says nothing of a timeout.
 *                       Empty for an await without a timeout and for every other wait (since 0.2)
 * @since 0.1
 */
public record StepWait(String step, StepStatus status, Reason reason, String queue, Optional<Instant> until,
                       Optional<String> awaitId, String detail, Optional<StepProgress> progress,
                       Optional<AwaitType> awaitType, Optional<Instant> runDeadline,
                       Optional<Instant> lastHeartbeatAt, Optional<Instant> awaitTimeoutAt) {

    /** What a step waits for. */
    public enum Reason {
        /**
         * Its job waits for a free worker of its queue; or for workers at all, when an operator set the queue's
         * workers to 0 at run time: the detail says so then, and how to raise them.
         */
        WORKER,
        /** Its queue is paused: nothing of it runs until it is resumed. */
        QUEUE_PAUSED,
        /**
         * Its job waits in a queue with a rate limit ({@link io.nvent.spi.RateLimit}): for a start
         * the limit allows, or for a free worker.
         */
        RATE_LIMIT,
        /** Its next attempt is due later: a retry's backoff, or a delay. */
        DUE_LATER,
        /**
         * During a rolling deploy, an instance whose deployment lacks the step took its job and handed
         * it back to the queue under a new id, counting no attempt, for an instance that has the step:
         * {@code until} says when it is due again, the detail names the job and how often it was handed
         * back. Also when the queue shows no delayed job (the JMS broker, on an instance that did not
         * send it): the step's history says so, from the job's first hand-back, which alone it records:
         * since when and until when the hand-backs go on, and once the first is past due, {@code until}
         * says the latest they may be due.
         *
         * @since 0.2
         */
        HANDED_BACK,
        /** A worker has taken its job and is starting it. */
        STARTING,
        /** An await: a time, a schedule tick, a webhook call or an event. */
        AWAIT,
        /**
         * The queue holds no waiting job for it under its usual id: it runs under a recovery job, or
         * its job was lost and the engine's sweep queues it again.
         */
        NO_JOB,
        /**
         * A step recorded running whose instance stopped renewing its lease (it died or hangs): the
         * engine's sweep marks the run stalled and, with stall recovery on, queues the step again.
         */
        LEASE_EXPIRED,
        /**
         * A step recorded running whose instance still holds its lease: it runs. The detail says since
         * when, on which instance and in which attempt, {@code until} when its timeout lets the attempt
         * run, and, once its run was canceled, that it was asked to stop (interrupted; a step that
         * ignores interrupts and {@link StepContext#isCancelRequested()} runs on until it returns or
         * times out).
         *
         * @since 0.2
         */
        RUNNING,
        /**
         * The step, or its whole flow, is not deployed on the instance that answers (removed or
         * renamed in the version deployed there): its job waits in a queue no deployed step takes
         * from, or fails there, until the step is deployed again or the run is canceled. Also for a
         * step recorded running, which an instance of another version may still execute.
         *
         * @since 0.1
         */
        NOT_DEPLOYED;

        /**
         * The name in JSON: {@code worker}, {@code queue_paused}, ...
         *
         * @return the lower-case name
         */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Checks that every component is given ({@code Optional.empty()} where there is none).
     *
     * @param step the step
     * @param status its status: {@link StepStatus#QUEUED}, {@link StepStatus#RETRYING} or {@link
     *     StepStatus#AWAITING}; {@link StepStatus#RUNNING} for {@link Reason#RUNNING}, {@link
     *     Reason#LEASE_EXPIRED} and {@link Reason#NOT_DEPLOYED}
     * @param reason what it waits for
     * @param queue the queue of the step's job; empty for an await of a step or flow the deployment
     *     lacks, or a {@link Reason#NOT_DEPLOYED} step whose job was found in no queue
     * @param until when the wait ends by itself: a delayed attempt's due time, a time or schedule
     *     await's resolution, or else an await's timeout; for a running step, when its attempt's
     *     timeout ends it
     * @param awaitId the await, for {@link Reason#AWAIT}
     * @param detail the same in words for an operator
     * @param progress how far a running step's attempt has come, as it last reported it; empty if not
     * @param awaitType the type of the await, with {@code awaitId}; empty if not
     * @param runDeadline when the run times out, where that comes before {@code until} or there is none; empty if not
     * @param lastHeartbeatAt when a running step last sent a heartbeat, as far as this instance knows; empty if not
     * @param awaitTimeoutAt when an await times out, for one with a timeout; empty if not
     * @throws NullPointerException if a component is {@code null}
     * @since 0.2
     */
    public StepWait {
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(until, "until");
        Objects.requireNonNull(awaitId, "awaitId");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(awaitType, "awaitType");
        Objects.requireNonNull(runDeadline, "runDeadline");
        Objects.requireNonNull(lastHeartbeatAt, "lastHeartbeatAt");
        Objects.requireNonNull(awaitTimeoutAt, "awaitTimeoutAt");
    }

    /**
     * A wait without an await's timeout: any but that of an await with a timeout.
     *
     * @param step the step
     * @param status its status
     * @param reason what it waits for
     * @param queue the queue of the step's job, or empty
     * @param until when the wait ends by itself
     * @param awaitId the await, for {@link Reason#AWAIT}
     * @param detail the same in words for an operator
     * @param progress how far a running step's attempt has come, as it last reported it; empty if not
     * @param awaitType the type of the await, with {@code awaitId}; empty if not
     * @param runDeadline when the run times out, where that comes before {@code until} or there is none; empty if not
     * @param lastHeartbeatAt when a running step last sent a heartbeat, as far as this instance knows; empty if not
     * @throws NullPointerException if a component is {@code null}
     * @since 0.2
     */
    public StepWait(String step, StepStatus status, Reason reason, String queue, Optional<Instant> until,
                    Optional<String> awaitId, String detail, Optional<StepProgress> progress,
                    Optional<AwaitType> awaitType, Optional<Instant> runDeadline, Optional<Instant> lastHeartbeatAt) {
        this(step, status, reason, queue, until, awaitId, detail, progress, awaitType, runDeadline, lastHeartbeatAt,
                Optional.empty());
    }

    /**
     * A wait without a heartbeat: any but that of a running step with a heartbeat timeout.
     *
     * @param step the step
     * @param status its status
     * @param reason what it waits for
     * @param queue the queue of the step's job, or empty
     * @param until when the wait ends by itself
     * @param awaitId the await, for {@link Reason#AWAIT}
     * @param detail the same in words for an operator
     * @param progress how far a running step's attempt has come, as it last reported it; empty if not
     * @param awaitType the type of the await, with {@code awaitId}; empty if not
     * @param runDeadline when the run times out, where that comes before {@code until} or there is none; empty if not
     * @throws NullPointerException if a component is {@code null}
     * @since 0.2
     */
    public StepWait(String step, StepStatus status, Reason reason, String queue, Optional<Instant> until,
                    Optional<String> awaitId, String detail, Optional<StepProgress> progress,
                    Optional<AwaitType> awaitType, Optional<Instant> runDeadline) {
        this(step, status, reason, queue, until, awaitId, detail, progress, awaitType, runDeadline, Optional.empty());
    }

    /**
     * A wait without the run's deadline: a run without one, or a wait that ends by itself before it.
     *
     * @param step the step
     * @param status its status
     * @param reason what it waits for
     * @param queue the queue of the step's job, or empty
     * @param until when the wait ends by itself
     * @param awaitId the await, for {@link Reason#AWAIT}
     * @param detail the same in words for an operator
     * @param progress how far a running step's attempt has come, as it last reported it; empty if not
     * @param awaitType the type of the await, with {@code awaitId}; empty if not
     * @throws NullPointerException if a component is {@code null}
     * @since 0.2
     */
    public StepWait(String step, StepStatus status, Reason reason, String queue, Optional<Instant> until,
                    Optional<String> awaitId, String detail, Optional<StepProgress> progress,
                    Optional<AwaitType> awaitType) {
        this(step, status, reason, queue, until, awaitId, detail, progress, awaitType, Optional.empty());
    }

    /**
     * This wait as it reads on a run that times out at {@code deadline}: with {@link #runDeadline()} and the
     * detail saying so, where the deadline comes before {@link #until()} or there is none; else this wait.
     *
     * @param deadline when the run times out
     * @return the wait that says it, or this one
     * @throws NullPointerException if {@code deadline} is {@code null}
     * @since 0.2
     */
    public StepWait beforeRunDeadline(Instant deadline) {
        Objects.requireNonNull(deadline, "deadline");
        if (until.isPresent() && !deadline.isBefore(until.get())) {
            return this;
        }
        String said = detail + "; the run times out at " + deadline + (until.isPresent() ? " first" : "");
        return new StepWait(step, status, reason, queue, until, awaitId, said, progress, awaitType,
                Optional.of(deadline), lastHeartbeatAt, awaitTimeoutAt);
    }

    /**
     * A wait without the await's type: a step waiting for no await, or an await whose type is not known.
     *
     * @param step the step
     * @param status its status
     * @param reason what it waits for
     * @param queue the queue of the step's job, or empty
     * @param until when the wait ends by itself
     * @param awaitId the await, for {@link Reason#AWAIT}
     * @param detail the same in words for an operator
     * @param progress how far a running step's attempt has come, as it last reported it; empty if not
     * @throws NullPointerException if a component is {@code null}
     * @since 0.2
     */
    public StepWait(String step, StepStatus status, Reason reason, String queue, Optional<Instant> until,
                    Optional<String> awaitId, String detail, Optional<StepProgress> progress) {
        this(step, status, reason, queue, until, awaitId, detail, progress, Optional.empty());
    }

    /**
     * A wait without progress: the components of 0.1.
     *
     * @param step the step
     * @param status its status
     * @param reason what it waits for
     * @param queue the queue of the step's job, or empty
     * @param until when the wait ends by itself
     * @param awaitId the await, for {@link Reason#AWAIT}
     * @param detail the same in words for an operator
     * @throws NullPointerException if a component is {@code null}
     */
    public StepWait(String step, StepStatus status, Reason reason, String queue, Optional<Instant> until,
                    Optional<String> awaitId, String detail) {
        this(step, status, reason, queue, until, awaitId, detail, Optional.empty());
    }
}
