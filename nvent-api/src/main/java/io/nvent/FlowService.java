package io.nvent;

import java.util.List;
import java.util.Optional;

/**
 * Starts, steers and inspects flow runs. Inject it into any CDI bean or EJB:
 *
 * <pre>{@code
 * @Inject FlowService flows;
 * String runId = flows.start("order", new Order("A-1", 3));
 * }</pre>
 *
 * <p>Inside a JTA transaction, with the JPA store ({@code nvent.store.adapter=jpa}) and a
 * transactional queue (JMS or PostgreSQL), what a call stores and schedules takes effect only if the
 * transaction commits: a run started in a transaction that rolls back does not exist. The in-memory
 * store and queue (the defaults) take no part in transactions: such a run exists and runs.
 *
 * <p>A {@code null} argument is refused with a {@link NullPointerException} that names the
 * parameter ({@code flow}, {@code runId} …), unless a method says otherwise: inputs, payloads and
 * data may be {@code null} (JSON {@code null}), JSON text may not ({@link InvalidPayloadException}),
 * and an event name that is {@code null} is refused as a blank one is.
 *
 * @since 0.1
 */
public interface FlowService {

    /**
     * Starts a run of a flow.
     *
     * @param flow flow name
     * @param input input of the entry step, converted to JSON with JSON-B; may be {@code null}
     * @return the new run's id
     * @throws FlowNotFoundException if no flow has that name
     * @throws InvalidPayloadException if the input cannot be converted or is too large
     */
    String start(String flow, Object input);

    /**
     * Starts a run with input that is already JSON text.
     *
     * @param flow flow name
     * @param jsonInput input of the entry step as JSON text; {@code "null"} for none ({@code null},
     *     empty or blank text is no JSON and refused)
     * @return the new run's id
     * @throws InvalidPayloadException if {@code jsonInput} is not valid JSON (empty text included) or is
     *     too large
     * @throws FlowNotFoundException if no flow has that name
     */
    String startWithJson(String flow, String jsonInput);

    /**
     * Starts a run of a flow with options; with an idempotency key, a repeated start (a client's
     * retry after a timeout, a redelivered message) returns the run the first one created instead
     * of starting another. See {@link StartOptions#idempotencyKey()}.
     *
     * @param input input of the entry step, converted to JSON with JSON-B; may be {@code null}
     * @param flow flow name
     * @param options the idempotency key and its scope; {@link StartOptions#DEFAULTS} for none
     * @return the run, and whether this call created it
     * @throws FlowNotFoundException if no flow has that name
     * @throws InvalidPayloadException if the input cannot be converted or is too large
     * @throws IdempotencyKeyConflictException if the key already started a run of this flow with
     *     another input, or with other labels (since 0.2)
     * @throws IllegalArgumentException if the options carry a delay and the flow's entry step waits
     *     before it runs already ({@code @AwaitBefore})
     * @throws UnsupportedByAdapterException (since 0.2) if the options carry labels and the store adapter, written
     *     for nvent 0.1, keeps none ({@link io.nvent.spi.FlowStore#keepsLabels()}); no run was started
     */
    StartedRun start(String flow, Object input, StartOptions options);

    /**
     * {@link #start(String, Object, StartOptions)} with input that is already JSON text; two inputs
     * are the same if they are equal as JSON values (spacing and the order of members do not count).
     *
     * @param flow flow name
     * @param jsonInput input of the entry step as JSON text; {@code "null"} for none ({@code null},
     *     empty or blank text is no JSON and refused)
     * @param options the idempotency key and its scope; {@link StartOptions#DEFAULTS} for none
     * @return the run, and whether this call created it
     * @throws InvalidPayloadException if {@code jsonInput} is not valid JSON (empty text included) or is
     *     too large
     * @throws IdempotencyKeyConflictException if the key already started a run of this flow with
     *     another input, or with other labels (since 0.2)
     * @throws IllegalArgumentException if the options carry a delay and the flow's entry step waits
     *     before it runs already ({@code @AwaitBefore})
     * @throws FlowNotFoundException if no flow has that name
     * @throws UnsupportedByAdapterException (since 0.2) if the options carry labels and the store adapter, written
     *     for nvent 0.1, keeps none; no run was started
     */
    StartedRun startWithJson(String flow, String jsonInput, StartOptions options);

    /**
     * Emits an event into a run from outside, as if a step had emitted it. The run's flow must
     * listen to it: a step subscribes to it, or an await of the run waits for it (to reach event
     * triggers and the awaits of other runs, {@link #publishEvent} it).
     *
     * @param runId the run
     * @param event event name, as steps subscribe to it
     * @param payload the event's payload, converted to JSON with JSON-B; may be {@code null}
     * @throws RunNotFoundException if the run does not exist
     * @throws FlowNotFoundException if the run's flow is not deployed here
     * @throws IllegalRunTransitionException if the run has ended
     * @throws IllegalArgumentException if the event's name is missing or blank
     * @throws UnexpectedEventException if no step of the run's flow subscribes to the event and no
     *     await of the run waits for it; nothing is recorded
     * @throws InvalidPayloadException if the payload cannot be converted or is too large
     * @throws EmittedPayloadsTooLargeException if the run would keep more of its emitted events than
     *     {@code nvent.payload.max-run-emitted-bytes} allows; nothing was recorded
     */
    void emit(String runId, String event, Object payload);

    /**
     * {@link #emit(String, String, Object)}, safe to repeat with an idempotency key
     * ({@link EventOptions#idempotencyKey()}): the first call with a key delivers the event into the run; a
     * repeated call with the same key, event and payload into the same run delivers nothing and answers
     * {@link Emitted#replayed()}, on any instance, also when the calls race, until the key expires
     * ({@code nvent.idempotency.request-key-retention}). A call that fails (the run has ended, no step listens to
     * the event) leaves the key unused; one that fails after the run recorded the event keeps it. The key is claimed before the event is delivered: a repeat that comes
     * while the first call still delivers is refused with an {@link IdempotencyKeyInUseException} that says when
     * to retry, and one that comes after the first call's instance stopped in the middle of it with one that says
     * the outcome is unknown (the key is refused until it expires). Without a key the same as
     * {@link #emit(String, String, Object)}.
     *
     * <p>nvent's engine implements it. The default, for a {@code FlowService} implemented outside nvent before
     * 0.2, emits as {@link #emit(String, String, Object)} without a key and refuses one with an
     * {@link UnsupportedOperationException} (NVENT-0282) rather than ignore it.
     *
     * @param runId the run
     * @param event event name, as steps subscribe to it
     * @param payload the event's payload, converted to JSON with JSON-B; may be {@code null}
     * @param options the idempotency key; {@link EventOptions#DEFAULTS} for none
     * @return whether this call delivered the event or an earlier one with the key had
     * @throws RunNotFoundException if the run does not exist
     * @throws FlowNotFoundException if the run's flow is not deployed here
     * @throws IllegalRunTransitionException if the run has ended
     * @throws IllegalArgumentException if the event's name is missing or blank
     * @throws UnexpectedEventException if no step of the run's flow subscribes to the event and no
     *     await of the run waits for it; nothing is recorded
     * @throws InvalidPayloadException if the payload cannot be converted or is too large
     * @throws EmittedPayloadsTooLargeException if the run would keep more of its emitted events than
     *     {@code nvent.payload.max-run-emitted-bytes} allows; nothing was recorded
     * @throws IdempotencyKeyConflictException if the key delivered another event or payload into the run; nothing
     *     was delivered
     * @throws IdempotencyKeyInUseException if the first call with the key has not answered: it is under way, or
     *     its outcome is unknown; nothing was delivered
     * @throws UnsupportedByAdapterException if the options carry a key and the scheduling store cannot keep keys
     *     of requests (one written before nvent 0.2)
     * @throws UnsupportedOperationException if this {@code FlowService} is a third party's implementation
     *     written before nvent 0.2 and the options carry a key
     * @since 0.2
     */
    default Emitted emit(String runId, String event, Object payload, EventOptions options) {
        requireNoEventKeyBefore02(options, "emit");
        emit(runId, event, payload);
        return new Emitted(false);
    }

    private void requireNoEventKeyBefore02(EventOptions options, String action) {
        if (java.util.Objects.requireNonNull(options, "options").idempotencyKey().isPresent()) {
            throw new UnsupportedOperationException("NVENT-0282 " + getClass().getName() + " cannot " + action
                    + " an event with an idempotency key: it implements FlowService as it was before nvent 0.2;"
                    + " nothing was delivered");
        }
    }

    /**
     * Cancels a run: nothing further is scheduled, and the run's running steps are asked to stop.
     * Their threads are interrupted (a step running on another instance within about 2 s) and
     * {@link StepContext#isCancelRequested()} turns {@code true}; an attempt that stops ends as
     * canceled ({@code step.canceled}), one that returns anyway is recorded with its result and
     * schedules nothing, and one that ignores both holds its worker until it returns or times out.
     * A step that cancels its own run ({@link StepContext#cancel()}) is not interrupted. The runs its steps
     * started ({@link StepContext#startFlow}) go on; {@link #cancel(String, CancelOptions)} cancels them too.
     *
     * @param runId the run
     * @return {@code true} if the run was canceled, {@code false} if it had already ended
     * @throws RunNotFoundException if the run does not exist
     */
    boolean cancel(String runId);

    /**
     * Cancels a run as {@link #cancel(String)} does, and with {@link CancelOptions#children()} every descendant
     * run under way too: the runs its steps started ({@link StepContext#startFlow}), the runs those started, and
     * so on; descendants that have ended are left alone (their own descendants under way are not). Each is
     * canceled as {@link #cancel(String)} cancels one (history entry, events, live messages, running steps asked
     * to stop, concurrency keys handed on), its {@code flow.cancel} entry saying {@code "reason":"parent canceled"}
     * and {@code "canceledWith"}, the run this call canceled. The run is canceled first, so that none of its steps
     * starts a child the sweep misses: a step that starts a child of a run canceled with its children finds the
     * child canceled at once (a step in a transaction of its own, once it returns); each descendant is canceled
     * after its own descendants under way. A descendant canceled alone before is marked as canceled with this run
     * (a second {@code flow.cancel} entry), and a child one of its steps starts later is canceled at once too.
     *
     * <p>One call cancels at most {@link CancelOptions#limit()} descendants, and reads about as many runs: the
     * descendants under way and those that ended with a descendant under way; beyond the limit the answer says more
     * remain ({@link CanceledRuns#moreDescendants()}) and a repeat of the call goes on, not reading again those
     * canceled before. Repeating is safe: runs canceled before have ended and are left alone. A run that had
     * ended already still has its descendants under way canceled.
     *
     * <p>With {@link CancelOptions#compensate()} a run under way whose completed steps name a
     * {@link FlowStep#compensation()} undoes them first: it goes {@link RunStatus#COMPENSATING} (its
     * {@code run.compensating} entry saying {@code "cancel":true} and the reason), its steps are stopped as a cancel
     * stops them, its compensations run newest first, and it ends {@link RunStatus#CANCELED} with
     * {@code run.compensated} and {@code flow.cancel} entries ({@link RunStatus#FAILED} if a compensation fails for
     * good). The answer says it was canceled at once. A run with nothing to undo is canceled as without it; a run
     * already compensating is left to go on, and the answer says it was not canceled. Descendants are canceled
     * plainly.
     *
     * <p>nvent's engine implements it. The default, for a {@code FlowService} implemented outside nvent before
     * 0.2, cancels the run alone as {@link #cancel(String)} and refuses {@link CancelOptions#children()} with an
     * {@link UnsupportedOperationException} (NVENT-0298) rather than leave the children running, and
     * {@link CancelOptions#compensate()} (NVENT-0218) rather than leave the completed steps not undone.
     *
     * @param runId the run
     * @param options whether its descendants are canceled with it, and how many per call;
     *     {@link CancelOptions#DEFAULTS} for the run alone
     * @return whether the run was canceled, how many descendants were, and whether more remain
     * @throws RunNotFoundException if the run does not exist
     * @throws UnsupportedOperationException if this {@code FlowService} is a third party's implementation
     *     written before nvent 0.2 and the options ask for the children or for compensation
     * @since 0.2
     */
    default CanceledRuns cancel(String runId, CancelOptions options) {
        if (java.util.Objects.requireNonNull(options, "options").children()) {
            throw new UnsupportedOperationException("NVENT-0298 " + getClass().getName() + " cannot cancel a run"
                    + " with its children: it implements FlowService as it was before nvent 0.2; nothing was canceled");
        }
        if (options.compensate()) {
            throw new UnsupportedOperationException("NVENT-0218 " + getClass().getName() + " cannot cancel a run"
                    + " compensating its completed steps: it implements FlowService as it was before nvent 0.2;"
                    + " nothing was canceled (cancel without compensate to cancel it plainly)");
        }
        return new CanceledRuns(cancel(runId), 0, false);
    }

    /**
     * Starts a new run of the same flow with the same input. An active original is canceled first.
     *
     * @param runId the run to restart, in any status
     * @return the new run's id
     * @throws RunNotFoundException if the run does not exist
     * @throws FlowNotFoundException if the run's flow is not deployed here
     * @throws InvalidPayloadException if the entry step, as deployed now, cannot read the run's input
     */
    String restart(String runId);

    /**
     * Starts a new run that re-executes the flow from one step: the new run begins with the
     * original's input and keeps what the original's steps outside the chosen step's downstream
     * (the step and every step that transitively waits for its events) completed and emitted, so
     * the chosen step and everything after it run again.
     *
     * @param runId the original run, in any status
     * @param step the step to execute again
     * @return the new run's id
     * @throws RunNotFoundException if the run does not exist
     * @throws FlowNotFoundException if the run's flow is not deployed here
     * @throws StepNotFoundException if the flow has no such step (the message names the run)
     * @throws IllegalArgumentException if the original run did not emit every event the step
     *     subscribes to, so it would never run
     * @throws InvalidPayloadException if {@code step} is the entry step and, as deployed now, it cannot read the
     *     run's input or the input breaks its constraints (a new start of the input, as a restart); nothing changed
     */
    String rerunFrom(String runId, String step);

    /**
     * {@link #restart(String)}, safe to repeat with an idempotency key ({@link RestartOptions#idempotencyKey()}):
     * the first call with a key cancels an active original and creates the new run, holding the key as a
     * start's run holds it; a repeated call (a client's retry after a timeout) with the same key returns
     * that run ({@link StartedRun#created()} {@code false}) and changes nothing, on any instance, also when
     * the calls race and once the original was deleted. Keys are per flow and shared with starts and reruns:
     * a key that started another request is refused, having changed nothing, also when another instance
     * took it during this call. The new run is stored, holding the key, before the original is canceled, and
     * its first step is queued after that: should the first call stop in between (its instance died), a
     * repeat finishes it, or, before any repeat, the engine does, on any instance, as the new run's first step
     * goes on (its lost job queued again, an await of it resolved): canceling an active original first, so
     * that it never starts the new run beside it. A new run waiting for the concurrency key that its active
     * original holds is left to a repeat: it gets the key only once the original ends.
     *
     * <p>nvent's engine implements it. The default, for a {@code FlowService} implemented outside nvent
     * before 0.2 (a decorator, a test double), restarts as {@link #restart(String)} without a key and
     * refuses one with an {@link UnsupportedOperationException} (NVENT-0277) rather than ignore it.
     *
     * @param runId the run to restart, in any status
     * @param options the idempotency key; {@link RestartOptions#DEFAULTS} for none
     * @return the new run, and whether this call created it
     * @throws RunNotFoundException if the run does not exist (and no run its restart with this key made does)
     * @throws FlowNotFoundException if the run's flow is not deployed here
     * @throws InvalidPayloadException if the entry step, as deployed now, cannot read the run's input
     * @throws IdempotencyKeyConflictException if the key already started a run of this flow that is no
     *     restart of {@code runId} (a start, a restart of another run, a rerun); nothing changed
     * @throws UnsupportedOperationException if this {@code FlowService} is a third party's implementation
     *     written before nvent 0.2 and the options carry a key
     * @since 0.2
     */
    default StartedRun restart(String runId, RestartOptions options) {
        requireNoKeyBefore02(options, "restart");
        return new StartedRun(restart(runId), true);
    }

    /**
     * {@link #rerunFrom(String, String)}, safe to repeat with an idempotency key
     * ({@link RestartOptions#idempotencyKey()}): the first call with a key creates the new run, holding the
     * key as a start's run holds it; a repeated call with the same key, the same run and the same step
     * returns that run ({@link StartedRun#created()} {@code false}), on any instance, also when the calls
     * race and once the original was deleted. Keys are per flow and shared with starts and restarts: a key
     * that started another request is refused, having changed nothing.
     *
     * <p>nvent's engine implements it. The default, for a {@code FlowService} implemented outside nvent
     * before 0.2, reruns as {@link #rerunFrom(String, String)} without a key and refuses one with an
     * {@link UnsupportedOperationException} (NVENT-0277) rather than ignore it.
     *
     * @param runId the original run, in any status
     * @param step the step to execute again
     * @param options the idempotency key; {@link RestartOptions#DEFAULTS} for none
     * @return the new run, and whether this call created it
     * @throws RunNotFoundException if the run does not exist (and no run its rerun with this key made does)
     * @throws FlowNotFoundException if the run's flow is not deployed here
     * @throws StepNotFoundException if the flow has no such step (the message names the run)
     * @throws IllegalArgumentException if the original run did not emit every event the step
     *     subscribes to, so it would never run
     * @throws InvalidPayloadException if {@code step} is the entry step and, as deployed now, it cannot read the
     *     run's input or the input breaks its constraints; nothing changed
     * @throws IdempotencyKeyConflictException if the key already started a run of this flow that is no
     *     rerun of {@code runId} from {@code step} (a start, a restart, a rerun of another run or from
     *     another step); nothing changed
     * @throws UnsupportedOperationException if this {@code FlowService} is a third party's implementation
     *     written before nvent 0.2 and the options carry a key
     * @since 0.2
     */
    default StartedRun rerunFrom(String runId, String step, RestartOptions options) {
        requireNoKeyBefore02(options, "rerun");
        return new StartedRun(rerunFrom(runId, step), true);
    }

    private void requireNoKeyBefore02(RestartOptions options, String action) {
        if (java.util.Objects.requireNonNull(options, "options").idempotencyKey().isPresent()) {
            throw new UnsupportedOperationException("NVENT-0277 " + getClass().getName() + " cannot " + action
                    + " a run with an idempotency key: it implements FlowService as it was before nvent 0.2;"
                    + " nothing was started");
        }
    }

    /**
     * Retries a step that failed finally: the step is queued with a fresh set of attempts and the
     * run is running again. A step that failed because one of its awaits timed out is not executed
     * by the retry: it waits for that await again, registered anew with a fresh count of timeout
     * retries, and the run is awaiting meanwhile. Behind a before-await the step runs once the
     * await resolves; after an after-await (the step ran already) its emissions stay held until the
     * await resolves, so its effects (a charge, a mail) do not happen twice.
     *
     * @param runId the run
     * @param step the step that failed
     * @throws RunNotFoundException if the run does not exist
     * @throws FlowNotFoundException if the run's flow is not deployed here
     * @throws StepNotFoundException if the flow has no such step (the message names the run)
     * @throws IllegalRunTransitionException if that step has not failed
     */
    void retryStep(String runId, String step);

    /**
     * Retries the failed steps of many failed runs at once, after a downstream outage: every run of
     * the selection's flow that failed finally (and whose failed step is the selection's, if it names
     * one) is retried as {@link #retryStep} retries one step, with the same history entries, events
     * and live messages, each failed step of the run.
     *
     * <p>One call works through at most {@link BulkRetry#limit()} failed runs in the run list's order
     * (newest first) and answers where the next call goes on ({@link BulkResult#next()}), so that a
     * caller pages through any number of runs in calls of bounded size, holding nothing between them.
     * Each run is retried on its own: a run whose retry fails is counted ({@link BulkResult#failed()})
     * and logged, and the others are retried all the same. Repeating a call (after a cut connection) is
     * safe: runs it retried before are no longer failed and are not retried again, unless they have
     * failed again since.
     *
     * @param selection the flow, optionally the failed step and the window of starts, the page
     * @return how many runs matched, were retried, were skipped and why, or failed, and where to go on
     * @throws FlowNotFoundException if no flow of the selection's name is deployed
     * @throws IllegalArgumentException if the selection names a step the flow does not have
     * @since 0.2
     */
    BulkResult retryFailed(BulkRetry selection);

    /**
     * Cancels many runs at once: every run of the selection's flow in one of its statuses is canceled
     * as {@link #cancel} cancels one, with the same history entry, events and live messages.
     *
     * <p>One call works through at most {@link BulkCancel#limit()} runs in the run list's order (newest
     * first) and answers where the next call goes on ({@link BulkResult#next()}). A run whose cancel
     * fails is counted ({@link BulkResult#failed()}) and logged, and the others are canceled all the
     * same. Repeating a call is safe: runs it canceled before have ended and are left alone.
     *
     * <p>With {@link BulkCancel#children()} each run is canceled as {@link #cancel(String, CancelOptions)}
     * cancels it with {@link CancelOptions#withChildren()}, its descendants under way with it
     * ({@link BulkResult#descendantsCanceled()}), at most {@link CancelOptions#MAX_LIMIT} descendants per call
     * in all: once a run's cancel leaves some under way, the call stops after that run, and the next call, from
     * {@link BulkResult#next()}, goes on with them before the runs listed after it.
     *
     * @param selection the flow, the statuses and the window of starts, the page
     * @return how many runs matched, were canceled, were skipped and why, or failed, and where to go on
     * @throws FlowNotFoundException if no flow of the selection's name is deployed
     * @since 0.2
     */
    BulkResult cancelRuns(BulkCancel selection);

    /**
     * Publishes a named event to every flow: event triggers of that name start their flows (those
     * with a {@link TriggerSpec#filter() filter} only if the payload contains it), and runs awaiting it
     * ({@link AwaitType#EVENT}) resume. Events emitted by steps are published the
     * same way when the step completes.
     *
     * @param event event name
     * @param payload the event's payload, converted to JSON with JSON-B; may be {@code null}
     * @return the runs the event started and how many awaits it resolved
     * @throws IllegalArgumentException if the event's name is missing or blank
     * @throws InvalidPayloadException if the payload cannot be converted or is too large
     */
    EventDelivery publishEvent(String event, Object payload);

    /**
     * {@link #publishEvent(String, Object)}, safe to repeat with an idempotency key
     * ({@link EventOptions#idempotencyKey()}): the first call with a key delivers the event; a repeated call
     * with the same key, event and payload delivers nothing and answers what the first did
     * ({@link EventDelivery#replayed()}), on any instance, also when the calls race, until the key expires
     * ({@code nvent.idempotency.request-key-retention}). Keys are per event name. A call that fails leaves the key
     * unused. The key is claimed before the event is delivered: a repeat that comes while the first call still
     * delivers is refused with an {@link IdempotencyKeyInUseException} that says when to retry, and one that comes
     * after the first call's instance stopped in the middle of it with one that says the outcome is unknown (the
     * key is refused until it expires). Without a key the same as {@link #publishEvent(String, Object)}.
     *
     * <p>nvent's engine implements it. The default, for a {@code FlowService} implemented outside nvent before
     * 0.2, publishes as {@link #publishEvent(String, Object)} without a key and refuses one with an
     * {@link UnsupportedOperationException} (NVENT-0282) rather than ignore it.
     *
     * @param event event name
     * @param payload the event's payload, converted to JSON with JSON-B; may be {@code null}
     * @param options the idempotency key; {@link EventOptions#DEFAULTS} for none
     * @return the runs the event started and how many awaits it resolved, and whether an earlier call delivered it
     * @throws IllegalArgumentException if the event's name is missing or blank
     * @throws InvalidPayloadException if the payload cannot be converted or is too large
     * @throws IdempotencyKeyConflictException if the key delivered another payload of the event; nothing was
     *     delivered
     * @throws IdempotencyKeyInUseException if the first call with the key has not answered: it is under way, or
     *     its outcome is unknown; nothing was delivered
     * @throws UnsupportedByAdapterException if the options carry a key and the scheduling store cannot keep keys
     *     of requests (one written before nvent 0.2)
     * @throws UnsupportedOperationException if this {@code FlowService} is a third party's implementation
     *     written before nvent 0.2 and the options carry a key
     * @since 0.2
     */
    default EventDelivery publishEvent(String event, Object payload, EventOptions options) {
        requireNoEventKeyBefore02(options, "publish");
        return publishEvent(event, payload);
    }

    /**
     * Awaits, newest first; only those still waiting if {@code pendingOnly}.
     *
     * @param pendingOnly {@code true} to leave out resolved, timed-out and canceled awaits
     * @param limit the most awaits returned, at least 1
     * @return up to {@code limit} awaits by registration time, newest first
     * @throws IllegalArgumentException if {@code limit} is below 1
     */
    List<AwaitInfo> awaits(boolean pendingOnly, int limit);

    /**
     * Resolves a waiting await by its id, as an operator.
     *
     * @param data resolution data, converted to JSON
     * @param awaitId the await's id, as {@link AwaitInfo#awaitId()} shows it
     * @throws AwaitNotFoundException if there is no such await
     * @throws AwaitClosedException if it no longer waits, or its run ended (NVENT-0212: nothing resumes)
     * @throws InvalidPayloadException if the data cannot be converted or is too large
     */
    void resolveAwait(String awaitId, Object data);

    /**
     * The longest an await's timeout may be moved ahead of now ({@link #moveAwaitTimeout}): 366 days, as other
     * durations an operator gives (a run's timeout, a trigger's interval).
     *
     * @since 0.2
     */
    java.time.Duration LONGEST_AWAIT_TIMEOUT_MOVE = java.time.Duration.ofDays(366);

    /**
     * How far in the past a new timeout may lie ({@link #moveAwaitTimeout}): a console's or script's clock a little
     * behind the server's. Such a timeout, as one at now, times the await out at the maintenance sweep's next look.
     *
     * @since 0.2
     */
    java.time.Duration AWAIT_TIMEOUT_MOVE_TOLERANCE = java.time.Duration.ofMinutes(1);

    /**
     * Moves the timeout of a waiting await, as an operator: later ("the approver is on holiday, give it three more
     * days") or earlier ("time it out in an hour"). The await keeps waiting, its URL and everything else unchanged; at
     * the new time its timeout action applies as it would have at the old one, on whichever instance's maintenance
     * sweep finds it due (never at the old time). The run's history gets an {@link EventType#AWAIT_TIMEOUT_MOVED}
     * entry ({@code "from"}, {@code "to"}); call it through {@link #actingAs} to record who and why.
     *
     * <p>A time a little in the past ({@link #AWAIT_TIMEOUT_MOVE_TOLERANCE}, or now) times the await out at the
     * sweep's next look; more in the past, or more than {@link #LONGEST_AWAIT_TIMEOUT_MOVE} ahead, is refused.
     *
     * @param awaitId the await's id, as {@link AwaitInfo#awaitId()} shows it
     * @param timeoutAt the new timeout, cut to the microsecond, as PostgreSQL and the built-in stores keep instants (an
     *     adapter's store that keeps less, milliseconds say, reads back less than was answered)
     * @return the await as it waits now, with its new timeout as stored (and as read back later)
     * @throws AwaitNotFoundException if there is no such await
     * @throws IllegalArgumentException if {@code timeoutAt} is too far in the past or the future;
     *     nothing changed
     * @throws IllegalRunTransitionException if the await no longer waits, or has no timeout (a time await, a
     *     schedule await), or its run ended; nothing changed
     * @throws UnsupportedByAdapterException if the scheduling store cannot move timeouts
     * @throws UnsupportedOperationException if this {@code FlowService} is a third party's implementation written before
     *     nvent 0.2
     * @since 0.2
     */
    default AwaitInfo moveAwaitTimeout(String awaitId, java.time.Instant timeoutAt) {
        throw new UnsupportedOperationException("NVENT-1109 " + getClass().getName() + " cannot move an await's"
                + " timeout: it implements FlowService as it was before nvent 0.2; nothing was done");
    }

    /**
     * Resolves a webhook await by the secret token of its URL.
     *
     * @param jsonBody the request body (JSON), which becomes the step's trigger data
     * @param token the secret token from the webhook URL
     * @throws AwaitNotFoundException if no await has that token
     * @throws AwaitClosedException if it no longer waits (resolved: 409; timed out or canceled: 410), or its
     *     run ended (NVENT-0212, 410)
     * @throws InvalidPayloadException if the body is not valid JSON or is too large; {@code null}, empty
     *     or blank text is refused too (send {@code "{}"} for no data, as the REST webhook does for an
     *     empty request body)
     */
    void resolveWebhook(String token, String jsonBody);

    /**
     * The webhook await whose URL carries this token, in whatever state it is now: what a person
     * who opens the URL is about to answer.
     *
     * @param token the secret token from the webhook URL
     * @return the await; empty if no webhook await has that token
     */
    Optional<AwaitInfo> webhookAwait(String token);

    /**
     * One run, if it exists.
     *
     * @param runId the run
     * @return the run; empty if there is none with that id (never started, or deleted)
     */
    Optional<RunInfo> run(String runId);

    /**
     * The run a start of {@code flow} with this idempotency key created (see
     * {@link StartOptions#idempotent}), while it is stored: for a caller that lost the answer to its
     * start and wants the run without sending the input again. Keys of trigger fires are the
     * trigger's own and are not found here.
     *
     * @param flow flow name
     * @param idempotencyKey the key the caller passed in its {@link StartOptions}
     * @return the run; empty if no stored run of that flow holds the key
     * @since 0.1
     */
    Optional<RunInfo> runByIdempotencyKey(String flow, String idempotencyKey);

    /**
     * What the steps of a run that have not started are waiting for, right now: a worker, a paused
     * queue, a retry's backoff, an await. Steps that run or have finished are left out, and a run that
     * has ended waits for nothing.
     *
     * @param runId the run
     * @return one entry per waiting step; empty if no step waits
     * @throws RunNotFoundException if the run does not exist
     */
    List<StepWait> waits(String runId);

    /**
     * How far the running steps of a run have come, as their attempts last reported it
     * ({@link StepContext#reportProgress}) and the store keeps it (it stores a report within about a
     * second), e.g. for a progress bar. {@link #waits} gives the same with each running step. Only the progress of
     * the attempt that the run shows running: the progress is read, then the run, then the progress again, and a
     * step's is kept only where the run shows the step running and both reads return the same report. A store may
     * keep a finished step's progress for a moment after the finish, and a failed attempt's until just before its
     * retry starts; neither shows. Cost: one read of the progress while no step reported some; else two of it and
     * one of the run (with its input: the SPI has no lighter read of a step's status).
     *
     * @param runId the run
     * @return the progress of each running step that reported some, by step name; empty if none did,
     *     also for a run that does not exist
     * @since 0.2
     */
    default java.util.Map<String, StepProgress> progress(String runId) {
        java.util.Objects.requireNonNull(runId, "runId");
        return java.util.Map.of();
    }

    /**
     * Runs matching a query, newest first.
     *
     * @param query filters (flow, status, parent run, label) and page
     * @return the matching runs by start time, newest first
     * @throws UnsupportedByAdapterException (since 0.2) if the query names a parent run or a label and the store
     *     adapter, written for nvent 0.1, cannot list the runs of one parent or of one label
     */
    List<RunInfo> runs(RunQuery query);

    /**
     * Clears a flow's history: deletes its finished runs (completed, failed, canceled) with their
     * history and state. Runs under way are kept. Works for a flow no longer deployed whose runs
     * are still stored.
     *
     * <p>It deletes them all, chunk by chunk, each chunk a transaction of its own: on a flow with
     * tens of thousands of finished runs it takes a while (a minute or more), which
     * {@link #clearHistory(String, int)} divides into calls of a bounded size.
     *
     * @param flow flow name
     * @return how many runs were deleted
     * @throws FlowNotFoundException if the flow is neither deployed nor has runs
     */
    int clearHistory(String flow);

    /**
     * Clears part of a flow's history: deletes at most {@code limit} of its finished runs as
     * {@link #clearHistory(String)} deletes them (chunk by chunk, runs under way kept), and says how
     * many remain, so that a caller bound in time, such as a web request behind a proxy, repeats it
     * until none do. It also begins no further chunk once it has been deleting for about 10 seconds,
     * as a run goes with its whole history, however long. Which finished runs go first is the store's
     * choice.
     *
     * @param flow flow name
     * @param limit the most runs to delete, at least 1
     * @return how many runs were deleted and the flow's counts after it, with the finished runs left
     * @throws FlowNotFoundException if the flow is neither deployed nor has runs
     * @throws IllegalArgumentException if {@code limit} is less than 1
     * @since 0.2
     */
    ClearedHistory clearHistory(String flow, int limit);

    /**
     * Deletes one run that has ended (completed, failed or canceled) with its history and state, as
     * {@link #clearHistory(String)} deletes runs, and leaves the rest of its flow's history as it is:
     * a run that holds personal data, or a test run started by mistake. An idempotency key the run held is free afterwards: a start with
     * it starts a new run. A job of the run still queued (a retry's delay, a paused queue) ends
     * without running, as jobs of runs deleted by {@link #clearHistory(String)} or retention do.
     *
     * <p>A run under way (running, awaiting or stalled) is refused: {@link #cancel} it first. So is an
     * ended run one of whose steps still runs (another branch of a failed run, or a step of a canceled
     * run until its interrupt lands: it holds its lease), naming the step: delete it once the step has
     * ended. A run that a retry or restart of its step brings back under way while it is being deleted
     * is either deleted before (the retry then finds no run) or kept as retried (and the deletion
     * refused), never half deleted. A {@link #restart} or {@link #rerunFrom} of the run racing the
     * deletion either comes first (its new run, started with the input of this one, stays: deleting a
     * run never deletes the runs restarted from it) or finds the run gone
     * ({@link RunNotFoundException}) and starts nothing.
     *
     * <p>What the deletion leaves: the {@code trigger.fired} entries of the trigger that started the
     * run (each keeps the fire's payload, i.e. the run's input, and the run's id) and the server's
     * log lines that named the run. Runs restarted or rerun from it are runs of their own.
     *
     * <p>No history entry can record the deletion, as the history goes with the run: the engine logs
     * it instead (one line at INFO), naming the run, its flow and who asked: here the
     * application; {@link #deleteRun(String, String)} names a user.
     *
     * @param runId the run
     * @return the run's id and flow, how it had ended and how many history entries went with it
     * @throws RunNotFoundException if the run does not exist (never started, or deleted already)
     * @throws IllegalRunTransitionException if the run has not ended, or a step of it still runs;
     *     nothing is deleted
     * @throws UnsupportedByAdapterException if the store adapter cannot delete a single run (one written
     *     for nvent 0.1): clear the flow's history or let retention delete it instead
     * @throws UnsupportedOperationException if this {@code FlowService} is a third party's implementation
     *     written before nvent 0.2 (a decorator, a test double), which does not override
     *     {@link #deleteRun(String, String)}
     * @since 0.2
     */
    default DeletedRun deleteRun(String runId) {
        return deleteRun(runId, "the application");
    }

    /**
     * {@link #deleteRun(String)}, saying who asked for the deletion: the log line that records it
     * names them (the REST API passes the signed-in user).
     *
     * <p>nvent's engine implements it. The default, for a {@code FlowService} implemented outside
     * nvent before 0.2 (a decorator, a test double), refuses with an
     * {@link UnsupportedOperationException} (NVENT-0262).
     *
     * @param runId the run
     * @param requestedBy who asked, in words, e.g. {@code "user 'alice' (REST)"}
     * @return the run's id and flow, how it had ended and how many history entries went with it
     * @throws RunNotFoundException if the run does not exist (never started, or deleted already)
     * @throws IllegalRunTransitionException if the run has not ended, or a step of it still runs;
     *     nothing is deleted
     * @throws UnsupportedByAdapterException if the store adapter cannot delete a single run
     * @throws UnsupportedOperationException if this {@code FlowService} is a third party's implementation
     *     written before nvent 0.2, which does not override this method (the default)
     * @since 0.2
     */
    default DeletedRun deleteRun(String runId, String requestedBy) {
        throw new UnsupportedOperationException("NVENT-0262 " + getClass().getName()
                + " cannot delete a single run: it implements FlowService as it was before nvent 0.2");
    }

    /**
     * Counts every run below this one, at any depth (its children, theirs, and so on down), by how far they got: one
     * call of the flow store ({@link io.nvent.spi.FlowStore#descendantRunCounts}; on the JPA store one recursive query
     * down the index of the runs by parent, some 15 to 30 ms for 10,000 grandchildren on PostgreSQL), and, only for a
     * tree of at least {@link io.nvent.spi.FlowStore#DESCENDANT_DEPTH_LIMIT} runs, a second one asking whether the walk
     * stopped at that many generations ({@link DescendantRuns#depthLimitReached()}).
     *
     * <p>nvent's engine implements it. The default, for a {@code FlowService} implemented outside nvent before 0.2,
     * refuses with an {@link UnsupportedOperationException} (NVENT-0264).
     *
     * @param runId the run
     * @return the counts; all zero for a run without children
     * @throws RunNotFoundException if the run does not exist
     * @throws UnsupportedByAdapterException if the flow store counts no descendant runs
     *     ({@link io.nvent.spi.FlowStore#countsDescendantRuns()})
     * @throws UnsupportedOperationException if this {@code FlowService} is a third party's implementation written before
     *     nvent 0.2
     * @since 0.2
     */
    default DescendantRuns descendants(String runId) {
        throw new UnsupportedOperationException("NVENT-0264 " + getClass().getName() + " cannot count the runs below"
                + " run " + runId + ": it implements FlowService as it was before nvent 0.2");
    }

    /**
     * Entries of a run's history.
     *
     * @param runId the run
     * @param query which entries: sequence range, types, limit and order (filter by step on the
     *     entries' {@link HistoryEvent#step()})
     * @return the matching entries in sequence order
     * @throws RunNotFoundException if the run does not exist
     */
    List<HistoryEvent> events(String runId, EventQuery query);

    /**
     * Every registered flow, with its steps and event edges.
     *
     * @return the flows deployed on this instance
     */
    List<FlowDefinition> flows();

    /**
     * One registered flow.
     *
     * @param name flow name
     * @return the flow; empty if none of that name is deployed
     */
    Optional<FlowDefinition> flow(String name);

    /**
     * One registered flow, for a caller that answers an unknown name with the engine's message: the
     * {@link FlowNotFoundException} that {@link #start(String, Object)} throws (NVENT-0201), which names the
     * deployed flows and asks {@code did you mean 'expense'?} when one is a typo away.
     *
     * @param name flow name
     * @return the flow
     * @throws FlowNotFoundException if no flow has that name
     * @since 0.2
     */
    default FlowDefinition deployedFlow(String name) {
        return flow(name).orElseThrow(() -> new FlowNotFoundException(name,
                flows().stream().map(FlowDefinition::name).sorted().toList(), Optional.empty()));
    }

    /**
     * Counts of a flow's runs by status, and (since 0.2) when its latest run started and its latest completed run
     * ended ({@link FlowStats#lastStartedAt()}, {@link FlowStats#lastCompletedAt()}).
     *
     * @param flow flow name
     * @return the counts, all zero and no times for a flow without runs
     * @throws FlowNotFoundException if no flow has that name
     */
    FlowStats stats(String flow);

    /**
     * This instance's health, from what its engine observed; costs no database round trip, so a
     * readiness probe may call it often.
     *
     * @return whether the instance can take and run work, and if not, why
     */
    HealthReport health();

    /**
     * The instances of the deployment that share this store: which are live, since when, with which nvent version,
     * which queues each takes with how many workers, and the queues with waiting jobs that no live instance takes.
     * Each engine stores a record of itself and refreshes it every {@link Instances#REFRESH} from its maintenance sweep;
     * one not seen for {@link Instances#GONE_AFTER} is gone. Reads the store once; the untaken queues are those the
     * latest maintenance check found.
     *
     * <p>nvent's engine implements it. The default, for a {@code FlowService} implemented outside nvent before 0.2,
     * refuses with an {@link UnsupportedOperationException} (NVENT-1103).
     *
     * @return the instances, or {@code kept} false if the scheduling store keeps no instance records
     * @throws UnsupportedOperationException if this {@code FlowService} is a third party's implementation written before
     *     nvent 0.2
     * @since 0.2
     */
    default Instances instances() {
        throw new UnsupportedOperationException("NVENT-1103 " + getClass().getName() + " cannot list the instances:"
                + " it implements FlowService as it was before nvent 0.2");
    }

    /**
     * A view of this service whose operator actions record who acts and why: each history entry such an action
     * writes carries {@code "operator"} (the operator's name) and, when a reason is given, {@code "operatorReason"}, and the
     * action is logged at INFO on the {@code io.nvent.audit} logger (one line per action, a refused one too).
     * Reads through the view behave as on this service; calls made on this service itself record nobody, as before.
     * A view is equal only to itself (not to this service, nor to another view for the same operator).
     * The actions: start, emit, publishing an event, cancel (single and bulk), restart, rerun, retry (a step
     * and in bulk), resolving an await, deleting a run (its log line names the operator) and clearing a history.
     *
     * <pre>{@code
     * flows.actingAs(Operator.named("alice").because("customer called to cancel")).cancel(runId);
     * }</pre>
     *
     * <p>For a user your code acts for (an EJB's caller), name them with
     * {@link Operator#signedIn(String) Operator.signedIn(ejbContext.getCallerPrincipal().getName())}: a call on this
     * service itself never reads the container's caller on its own.
     *
     * <p>nvent's engine implements it. The default, for a {@code FlowService} implemented outside nvent before 0.2,
     * refuses with an {@link UnsupportedOperationException} (NVENT-1102) rather than act without the record.
     *
     * @param operator who acts, and why
     * @return the view, acting as {@code operator}
     * @throws UnsupportedOperationException if this {@code FlowService} is a third party's implementation written before
     *     nvent 0.2
     * @since 0.2
     */
    default FlowService actingAs(Operator operator) {
        java.util.Objects.requireNonNull(operator, "operator");
        throw new UnsupportedOperationException("NVENT-1102 " + getClass().getName() + " cannot record who acts:"
                + " it implements FlowService as it was before nvent 0.2; nothing was done");
    }
}
