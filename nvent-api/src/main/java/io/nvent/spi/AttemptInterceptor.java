package io.nvent.spi;

import java.util.Map;

/**
 * Sees the attempts of steps, to trace them: it captures the caller's context where a run or a step
 * is handed on, and opens a scope around each attempt of a step on the worker that runs it, with
 * what was captured. What it captures travels with the step's job to whichever instance runs it, and
 * from step to step of the run (Temporal's {@code WorkerInterceptor} does the same for activities).
 *
 * <p>In a container the engine uses every CDI bean of this type; outside one, those given to
 * {@code EmbeddedEngine.Builder.interceptor(...)} or {@code FlowTestEnvironment.Builder.interceptor(...)}.
 * Without any, the engine captures nothing and opens nothing: an attempt costs what it did before.
 *
 * <p>An interceptor must be quick and thread-safe: it is called on the thread that starts a run and on
 * every worker. What it throws is logged (at most once a minute) and fails nothing: a trace that cannot
 * be recorded never costs a step its attempt.
 *
 * @since 0.2
 */
public interface AttemptInterceptor {

    /**
     * Captures the caller's context, to be carried with the step it hands on: called on the thread that
     * starts a run (its own start, a child's start from a step, a trigger's fire) and that hands a run's
     * step on where it was not already carrying one (an await resolved, a restart, an operator's retry).
     * For a trace, the W3C {@code traceparent} and {@code tracestate} fields. Where the caller has no context
     * (a cron trigger, a timer), an interceptor may make one for the run from {@code handOn}: the run's next
     * steps carry it.
     *
     * @param handOn the step handed on, and whether its run starts with it
     * @return the fields to carry, small (each step's job holds them), none of them a null key or value (the step
     *     carries nothing from such a map, logged); empty (the default) for none
     */
    default Map<String, String> capture(StepHandOn handOn) {
        return Map.of();
    }

    /**
     * Captures the context for the first step of a run started by another run's event (an event trigger fired by a
     * step's {@code ctx.emit}), or for the step of a run an emitted event resumes (an await resolved): what the emitting
     * step's attempt captured, in its scope, is {@code producer}. Also for the events a step's after-await held until
     * it resolved, called then on the thread that resolved it (a timer's, a request's), with what the step's attempt
     * captured: the await keeps it with the events. For a trace, a root span of its own for the run
     * with a link to the producer's span (OpenTelemetry's shape for messaging fan-out: one trace per run, linked to
     * the message's producer), or the producer itself as the parent. The default captures as
     * {@link #capture(StepHandOn)} does, ignoring the producer.
     *
     * @param handOn the step handed on
     * @param producer what this interceptor (and the others) captured in the scope of the attempt that emitted the
     *     event; never empty
     * @return the fields to carry; empty for none
     * @since 0.2
     */
    default Map<String, String> captureLinked(StepHandOn handOn, Map<String, String> producer) {
        return capture(handOn);
    }

    /**
     * Captures the context for a step the maintenance sweep queues again (its execution stalled, or its job was lost)
     * whose earlier job, and the context it carried, is gone from the queue. For a trace, a new root span marked as
     * a recovery. Where the earlier job is still there, its context is carried as it was and this is not called. The
     * default captures as {@link #capture(StepHandOn)} does.
     *
     * @param handOn the step queued again ({@link StepHandOn#runStart()} false)
     * @return the fields to carry; empty for none
     * @since 0.2
     */
    default Map<String, String> captureRecovered(StepHandOn handOn) {
        return capture(handOn);
    }

    /**
     * Opens the scope of one attempt of a step, on the worker thread that runs it, right before the step's
     * code: what the step's own code does (its calls, its log lines) happens inside it. The engine closes
     * it right after the step's code returned or threw, on the same thread.
     *
     * @param attempt the attempt
     * @param carried what {@link #capture(StepHandOn)} returned where the step was handed on, on this instance or
     *     another; empty if nothing was captured (or the job was queued by a release without interceptors)
     * @return the attempt's scope
     */
    AttemptScope open(AttemptInfo attempt, Map<String, String> carried);
}
