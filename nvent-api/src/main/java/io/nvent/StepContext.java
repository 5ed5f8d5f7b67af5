package io.nvent;

import java.util.List;
import java.util.Optional;

/**
 * What a step knows about, and can do to, the run it executes in. Valid only during
 * {@link Step#execute}.
 *
 * <p>JSON read into a {@code String} (a step's input, {@link RunState#get}) is a JSON string's
 * value, or the raw JSON text of any other value ({@code {"a":1}}, {@code 42}); JSON {@code null}
 * is {@code null} (empty for state). Trigger and await data are raw JSON text.
 *
 * <p>A write (an emit, a state change, a log entry, a cancel, a child run) throws
 * {@link StaleExecutionException} once this execution no longer holds its step: its lease ran out
 * and another execution took the step over.
 *
 * @since 0.1
 */
public interface StepContext {

    /** {@return the id of the current run} */
    String runId();

    /**
     * {@return the name of the current flow; for a class that is a step of several flows, the one this
     *     execution belongs to}
     */
    String flow();

    /** {@return the name of the executing step, as {@link FlowStep#name()} gives it} */
    String step();

    /** {@return the id of the queue job executing this step, as the queue's job inspector shows it} */
    String jobId();

    /** {@return the name of the queue the job was taken from} */
    String queue();

    /** {@return the 1-based number of this attempt: greater than 1 when the step is retried} */
    int attempt();

    /**
     * The data that resolved this step's {@link AwaitBefore} (a webhook's body, an event's payload,
     * {@code {"scheduledAt": ...}} for schedules, {@code {}} for a time await) as JSON; for the entry
     * step of a run started later ({@link StartOptions#delayed}), the data of the time await that
     * held it back: {@code {}} when it came due, an operator's data when resolved sooner. Empty
     * without await or after a timeout that continued. Read from the store on the first call.
     *
     * <p>The text is the JSON the store keeps, which it may have written again in its own form (a
     * PostgreSQL {@code jsonb} column orders an object's members and drops whitespace): parse it and
     * compare the values, not the text with what was sent.
     *
     * @return the resolution data as JSON text, or empty
     */
    java.util.Optional<String> triggerData();

    /**
     * The data that resolved the {@link AwaitAfter} of a step of this run, as JSON: e.g. the body of
     * the approval webhook that let the run go on past {@code step}, for the steps that follow it.
     * Empty if that step's await has not resolved (yet), or timed out and the run continued without
     * it; a step that ran more than once gives the data of its latest await.
     *
     * @param step the name of a step of this run's flow that has an {@link AwaitAfter}
     * @return the resolution data as JSON text, or empty
     * @throws IllegalArgumentException if the flow has no such step, or the step no after-await
     */
    default java.util.Optional<String> afterAwaitData(String step) {
        return java.util.Optional.empty();
    }

    /**
     * The engine's clock: what a step reads the current time from when it computes a due date, a
     * deadline or an expiry, instead of {@link java.time.Instant#now()}. In production it is the
     * system clock (UTC); in a flow test ({@code io.nvent:nvent-test}) it is the test's virtual clock, so
     * a step's "three days from now" moves with {@code advanceTime} as the engine's timers do.
     *
     * @return the clock the engine schedules this run's timers, awaits and retries by
     * @since 0.2
     */
    default java.time.Clock clock() {
        return java.time.Clock.systemUTC();
    }

    /**
     * The name of the trigger whose firing started this run (a schedule, webhook, event or manual
     * trigger); empty for a run started through {@link FlowService} or the REST API, or as a child run.
     * A restarted or rerun run was started by an operator, not by the trigger of its original.
     *
     * @return the trigger's name, or empty
     */
    default java.util.Optional<String> startedByTrigger() {
        return java.util.Optional.empty();
    }

    /** {@return the logger whose entries become {@code log} events in the run's history} */
    StepLogger logger();

    /** {@return the key/value state shared by all steps of this run} */
    RunState state();

    /**
     * Emits an event in this run. Steps subscribed to it are scheduled once this step completes.
     * The step must declare the event in {@link FlowStep#emits()}: an event it does not declare
     * (a misspelt name would leave its subscribers waiting while the run completes) is refused, and
     * the attempt fails with that error even if the step catches it.
     *
     * @param event event name, one of the step's {@code emits}
     * @param payload payload, converted to JSON with JSON-B; may be {@code null}
     * @throws UndeclaredEventException if the step does not declare the event in its {@code emits}
     * @throws InvalidPayloadException if the payload cannot be converted or is too large
     * @throws EmittedPayloadsTooLargeException if the run would keep more of its emitted events than
     *     {@code nvent.payload.max-run-emitted-bytes} allows (checked against the run as this attempt
     *     read it, with the attempt's earlier emits); the emit is not recorded, and the attempt fails
     *     unless the step catches it. The step's completion checks its emits again, against the run as
     *     it is then, and fails the attempt with this exception if a step running beside it took the
     *     room first
     */
    void emit(String event, Object payload);

    /**
     * Starts another, independent run whose parent is the current run, once per execution of this
     * step's attempt: the step's code may run again as the same attempt (its instance died while it
     * ran, or its lease ran out and another instance took the step over), and such a re-execution's
     * {@code startFlow} returns the child run the earlier execution started instead of starting
     * another. The n-th start of a flow in one execution is matched with the n-th start of that flow
     * in the other, under an idempotency key nvent derives from the run, the step, the attempt, the
     * flow and n, recorded in the child's {@link EventType#FLOW_START} entry ({@code idempotencyKey},
     * beginning with {@code nvent-child/}; it is not a key of the caller's, so
     * {@link FlowService#runByIdempotencyKey} does not find the child by it, nor does a start with
     * that text reach it). A re-execution that gives another input (one holding a timestamp, say)
     * gets the earlier child all the same, with the input it was started with. A later attempt (a
     * retry after a failure, the queue's or an operator's) is new work and starts a new child; to
     * start one child across attempts, give a key of your own ({@link #startFlow(String, Object,
     * StartOptions)}).
     *
     * <p>Since 0.2 a re-execution of the same attempt gets the earlier child; before, every call
     * started a run.
     *
     * @param flow name of the flow to start
     * @param input input of its entry step, converted to JSON with JSON-B; may be {@code null}
     * @return the child run's id
     * @throws FlowNotFoundException if no flow has that name
     * @throws InvalidPayloadException if the input cannot be converted or is too large
     */
    String startFlow(String flow, Object input);

    /**
     * Starts another, independent run whose parent is the current run, with options, as
     * {@link FlowService#start(String, Object, StartOptions)} does: with an idempotency key of the
     * step's choosing (an order number), the first start with the key creates the child and every
     * later one with the key and the same input, from this attempt, a later one or another run, returns
     * that run ({@link StartedRun#created()} {@code false}); the same key with another input is refused
     * with {@link IdempotencyKeyConflictException}. Such a key is an ordinary key of the flow's:
     * {@link FlowService#runByIdempotencyKey} finds the child by it, and a run that a
     * {@link FlowService#start} with the key created earlier is returned (though it is no child of this
     * run). With a delay only, the child starts later ({@link StartOptions#delayed}) and is started
     * once per execution of this attempt, as {@link #startFlow(String, Object)} starts it.
     *
     * @param flow name of the flow to start
     * @param input input of its entry step, converted to JSON with JSON-B; may be {@code null}
     * @param options an idempotency key and/or a delay; {@link StartOptions#DEFAULTS} for neither, which
     *     starts the child as {@link #startFlow(String, Object)} does
     * @return the child run, and whether this call created it
     * @throws FlowNotFoundException if no flow has that name
     * @throws InvalidPayloadException if the input cannot be converted or is too large
     * @throws IdempotencyKeyConflictException if the key already started a run of the flow with another
     *     input
     * @throws IllegalArgumentException if the options carry a delay and the flow's entry step waits
     *     before it runs already ({@code @AwaitBefore})
     * @throws UnsupportedOperationException from an implementation of this interface that predates it
     *     and does not override it (nvent's own does)
     * @since 0.2
     */
    default StartedRun startFlow(String flow, Object input, StartOptions options) {
        throw new UnsupportedOperationException("this StepContext (" + getClass().getName()
                + ") does not start runs with StartOptions");
    }

    /**
     * Cancels the current run: no further steps are scheduled. Other steps of the run running at the
     * time are asked to stop (see {@link #isCancelRequested()}); this attempt is not interrupted, it
     * goes on and its result is recorded. The child runs it started go on; to cancel them with it, cancel
     * the run through {@link FlowService#cancel(String, CancelOptions)}, which asks this attempt to stop too.
     */
    void cancel();

    /**
     * Whether the run was canceled while this attempt runs, so the step should stop. A cancel
     * ({@link FlowService#cancel}, REST {@code POST /runs/{runId}/cancel}) also interrupts the thread
     * running the attempt, as its timeout does: a step blocked in an interruptible call (a sleep, a
     * lock, a blocking queue, most HTTP clients) stops at once; a step that loops or blocks in a call
     * that ignores interrupts (classic socket I/O) should check this between units of work and
     * return or throw. An attempt that stops after a cancel ends as canceled ({@link
     * EventType#STEP_CANCELED}) and frees its worker; one that ignores both keeps its worker until it
     * returns or its timeout, and one that returns normally is recorded with its result (its emits
     * schedule nothing, the run stays canceled). On another instance than the one that received the
     * cancel, it is seen within about two seconds.
     *
     * @return {@code true} once the run was canceled; {@code false} while it goes on, and for an
     *     implementation that cannot tell
     * @since 0.2
     */
    default boolean isCancelRequested() {
        return false;
    }

    /**
     * Tells the engine that this attempt is alive and making progress, for a step that declares a
     * {@link FlowStep#heartbeatTimeoutMs()}: an attempt that sends none for that long fails and is retried.
     * Cheap enough to call in every loop: it only keeps the time in memory on the instance running the attempt,
     * which watches it; nothing is stored. Every {@link #reportProgress} counts as a heartbeat too. For a step
     * without a heartbeat timeout it does nothing.
     *
     * @since 0.2
     */
    default void heartbeat() {
    }

    /**
     * Reports how far this attempt has come: {@code done} of {@code total} units of work, e.g. rows
     * imported, so that an operator can tell a slow step from a stuck one. The same as
     * {@link #reportProgress(long, long, String)} without a message.
     *
     * @param done units done, from 0 to {@code total}
     * @param total units in all, at least 1
     * @throws IllegalArgumentException if {@code done} is negative or greater than {@code total}, or
     *     {@code total} is less than 1
     * @since 0.2
     */
    default void reportProgress(long done, long total) {
        reportProgress(done, total, null);
    }

    /**
     * Reports how far this attempt has come, with a short message: {@code done} of {@code total} units
     * of work. Cheap enough to call for every row: the engine keeps the latest report in memory and
     * stores it at most once a second (per step), with the step's lease, which the write also renews;
     * it writes no history entry. The run's view shows it while the attempt runs
     * ({@link StepWait#progress()}, {@link FlowService#progress}, the console's progress bar), on every
     * instance that shares the store; the attempt's end removes it with its lease, and a completed
     * step's {@code step.completed} entry keeps the last value reported. The numbers may go down (a
     * step that starts a second pass); each report replaces the one before. A report is also a
     * {@linkplain #heartbeat() heartbeat}.
     *
     * <p>An implementation that shows no progress checks the arguments and ignores the report.
     *
     * @param done units done, from 0 to {@code total}
     * @param total units in all, at least 1
     * @param message what the step is at, in words, at most {@link StepProgress#MAX_MESSAGE_LENGTH}
     *     characters; {@code null} for none
     * @throws IllegalArgumentException if {@code done} is negative or greater than {@code total},
     *     {@code total} is less than 1, or the message is too long or holds a control character
     * @since 0.2
     */
    default void reportProgress(long done, long total, String message) {
        new StepProgress(done, total, java.util.Optional.ofNullable(message), java.time.Instant.EPOCH);
    }

    /**
     * Whether the given run of the given flow is running, awaiting or (since 0.2) compensating.
     *
     * @param flow flow name
     * @param runId the run
     * @return {@code false} also if the run does not exist or belongs to another flow
     */
    boolean isRunning(String flow, String runId);

    /**
     * Whether any run of the given flow other than the current one is running, awaiting or (since 0.2)
     * compensating, e.g. to skip an import while another is still under way.
     *
     * @param flow flow name
     * @return {@code true} if {@link #runningFlows} is not empty
     */
    default boolean isRunning(String flow) {
        return !runningFlows(flow).isEmpty();
    }

    /**
     * Runs of the given flow that are running, awaiting or (since 0.2) compensating, the current run excluded:
     * all of them, read from the store page by page (a run that changes status meanwhile may be missed or
     * included). For a mere "is another one active?" prefer {@link #isRunning(String)}, which reads
     * at most a few runs.
     *
     * @param flow flow name
     * @return those runs; empty if there are none
     */
    List<RunInfo> runningFlows(String flow);

    /**
     * What this attempt undoes, when its step runs as a {@link StepRole#COMPENSATION} step of a run that failed
     * ({@link RunStatus#COMPENSATING}): the step it compensates and the failure that started the compensation.
     *
     * @return the compensation this attempt makes; empty for every other step
     * @since 0.2
     */
    default Optional<Compensating> compensating() {
        return Optional.empty();
    }
}
