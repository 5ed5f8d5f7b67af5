package io.nvent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Stereotype;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a CDI bean as one step of a flow. The class must implement {@link Step}.
 *
 * <p>The annotation is a stereotype that makes the class an {@code @ApplicationScoped} bean, so it
 * is discovered in {@code annotated} bean-discovery mode without any other annotation. Step
 * instances are shared by concurrent runs and must therefore be thread-safe; declare another scope
 * on the class to change that.
 *
 * <pre>{@code
 * @FlowStep(flow = "order", name = "validate", role = StepRole.ENTRY, emits = "order.validated")
 * public class ValidateOrder implements Step<Order, Void> {
 *     public Void execute(Order order, StepContext ctx) {
 *         ctx.emit("order.validated", order);
 *         return null;
 *     }
 * }
 * }</pre>
 *
 * <p>The flow graph is validated when the application deploys: a flow needs exactly one entry
 * step, unique step names, and every subscription must name an event some step of the flow
 * declares in {@link #emits()}. Mistakes fail the deployment with a message naming the class.
 *
 * <p>The annotation is repeatable: a class annotated once per flow is a step of each, with the
 * name, role, subscriptions, emits, queue and retry settings of that flow's annotation (one
 * annotation per flow; two naming the same flow fail the deployment). The same bean instance runs
 * in every flow and reads which one it runs in from {@link StepContext#flow()}. The class's other
 * annotations apply to each of its flows: {@link AwaitBefore} and {@link AwaitAfter} to its step in
 * every flow, a {@link Trigger} to every flow the class is the entry step of.
 *
 * <pre>{@code
 * @FlowStep(flow = "order", name = "notify", subscribes = "order.shipped")
 * @FlowStep(flow = "refund", name = "notify", subscribes = "refund.paid", maxAttempts = 5)
 * public class NotifyCustomer implements Step<Map<String, Object>, Void> {
 *     public Void execute(Map<String, Object> input, StepContext ctx) {
 *         mail.send(ctx.flow().equals("order") ? "Your order is on its way" : "Your refund is paid");
 *         return null;
 *     }
 * }
 * }</pre>
 *
 * @since 0.1
 */
@Stereotype
@ApplicationScoped
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Repeatable(FlowSteps.class)
public @interface FlowStep {

    /**
     * Name of the flow this step belongs to.
     *
     * @return the flow name
     */
    String flow();

    /**
     * Step name, unique within the flow. Defaults to the simple class name.
     *
     * @return the step name; empty for the simple class name
     */
    String name() default "";

    /**
     * Whether this is the flow's entry step (exactly one per flow) or a downstream step.
     *
     * @return {@link StepRole#STEP} by default
     */
    StepRole role() default StepRole.STEP;

    /**
     * Queue the step's jobs go to. Defaults to the flow name.
     *
     * @return the queue name; empty for the flow name
     */
    String queue() default "";

    /**
     * Events this step waits for. The step is scheduled once per run, when every one of them has
     * been emitted in the run (join). Required for {@link StepRole#STEP} steps.
     *
     * @return event names; empty for an entry step
     */
    String[] subscribes() default {};

    /**
     * Events this step may emit; they draw the flow graph and are checked against subscriptions.
     * {@link StepContext#emit} of any other event fails the attempt ({@link UndeclaredEventException}).
     *
     * @return event names; empty by default
     */
    String[] emits() default {};

    /**
     * Total attempts (first try included); {@code 0} takes {@code nvent.step.max-attempts}, or, for a
     * step that lists {@link #retryDelaysMs()}, one more than the delays listed.
     *
     * @return attempts, or {@code 0} for the configured default
     */
    int maxAttempts() default 0;

    /**
     * Exceptions after which the step is not retried: an attempt that throws one of these types (or
     * a subtype), or throws anything caused by one at any depth, fails the step finally at once, as
     * {@link NonRetryableStepException} does, without spending the attempts left. For library
     * exceptions a step cannot change, e.g. {@code noRetryFor = {IllegalArgumentException.class,
     * JsonbException.class}}. An attempt that exceeds its timeout is retried whatever this lists
     * (the step's own code throwing a listed {@code TimeoutException} is not), and so is a failure of
     * nvent's own, even of a listed type such as {@code RuntimeException} or {@link NventException}:
     * one whose chain holds any {@link NventException} but a {@link NonRetryableStepException} (a
     * write that gave up on concurrent changes, the store away, the engine stopping, a stale
     * execution, a run not found yet). A {@link NonRetryableStepException} is final all the same: throw
     * one with nvent's failure as its cause to make that final.
     *
     * @return exception types not worth a retry; none by default
     * @since 0.2
     */
    Class<? extends Throwable>[] noRetryFor() default {};

    /**
     * How the delay between attempts grows.
     *
     * @return {@link BackoffType#EXPONENTIAL} by default
     */
    BackoffType backoff() default BackoffType.EXPONENTIAL;

    /**
     * Delay before the second attempt, in milliseconds; {@code -1} takes the configured default.
     *
     * @return milliseconds, or {@code -1} for the configured default
     */
    long backoffDelayMs() default -1;

    /**
     * Upper bound of the retry delay, in milliseconds; {@code -1} takes the configured default.
     *
     * @return milliseconds, or {@code -1} for the configured default
     */
    long backoffMaxDelayMs() default -1;

    /**
     * The retry schedule as a list, in milliseconds, instead of a {@link #backoff()}: the first delay
     * before attempt 2, the second before attempt 3, the last before every later attempt, e.g.
     * {@code retryDelaysMs = {10_000, 60_000, 600_000}}. Unless {@link #maxAttempts()} is given, the
     * step makes one attempt more than the delays listed; it may not list more than
     * {@code maxAttempts - 1}, nor be given with {@code backoff = FIXED}, {@link #backoffDelayMs()} or
     * {@link #backoffMaxDelayMs()}. Empty takes {@code nvent.step.retry-delays-ms} if that is
     * configured and the step gives no backoff of its own, else the backoff.
     *
     * @return delays of zero or more milliseconds; empty by default
     * @since 0.2
     */
    long[] retryDelaysMs() default {};

    /**
     * Spreads each retry delay at random by up to this fraction either way, e.g. {@code 0.2} for
     * &plusmn;20 %, so that runs failing together (a partner down for all of them) do not retry together;
     * see {@link RetryPolicy#jitter()}. {@code -1} takes {@code nvent.step.retry-jitter} (0, none, unless
     * configured).
     *
     * @return a fraction from 0 to 1, or {@code -1} for the configured default
     * @since 0.2
     */
    double retryJitter() default -1;

    /**
     * A retry schedule of the step's own: a {@link RetryDecider} that decides after each failed attempt with
     * attempts left how long to wait before the next one, or to give up now. The backoff the step declares
     * ({@link #backoff()}, {@link #retryDelaysMs()}, {@link #retryJitter()}, or the configured default) still
     * computes a delay, which the decider is given to keep, adapt or replace; {@link #maxAttempts()} still
     * bounds the attempts. The class is a CDI bean of any scope, looked up for each decision (a
     * {@code @Dependent} one is destroyed after it); outside CDI ({@code EmbeddedEngine}) an instance of it (or of
     * a subclass) given to its builder, else one made with the class's public no-argument constructor. A class
     * that is not a bean fails the deployment naming the step. {@link StepDefinition#retryDecider()} names it.
     *
     * @return the decider's class; {@code RetryDecider.class} itself (the default) for none
     * @since 0.2
     */
    Class<? extends RetryDecider> retryDecider() default RetryDecider.class;

    /**
     * Time one attempt may take, in milliseconds; {@code 0} takes {@code nvent.step.timeout-ms}.
     *
     * @return milliseconds, or {@code 0} for the configured default
     */
    long timeoutMs() default 0;

    /**
     * How long an attempt may go without a heartbeat, in milliseconds, before it fails: for a long step that could hang
     * (a read from a dead socket, a deadlock) long before its {@link #timeoutMs()} ends it. The step calls {@link
     * StepContext#heartbeat()} as it makes progress; every {@link StepContext#reportProgress} counts as one, and so
     * does the start of the step's code (not the attempt's, whose start may wait for the store). An attempt whose last
     * heartbeat is older than this fails as an attempt past its timeout fails: its thread is interrupted, the attempt
     * counts, and the step is retried as its retry policy says, whatever {@link #noRetryFor()} lists; a {@link
     * RetryDecider} sees a {@link HeartbeatTimeoutException}, a {@link java.util.concurrent.TimeoutException} as for a
     * timeout. The instance running the attempt watches its heartbeats; a step that ignores the interrupt keeps its
     * worker until it returns or its timeout, and its late result is dropped. At least 1000 ms, and below the step's
     * attempt timeout.
     *
     * @return milliseconds, or {@code 0} (the default) for no heartbeat timeout
     * @since 0.2
     */
    long heartbeatTimeoutMs() default 0;

    /**
     * How long each run of the flow may take, start to end, in milliseconds: at this deadline a run still under way
     * (running, awaiting or stalled) fails, its steps stopped as a cancel stops them, with an error saying it timed
     * out. Only on the flow's {@link StepRole#ENTRY entry} step, which declares it for the whole flow; a start's own
     * {@link StartOptions#timeout()} wins over it. At most 366 days. {@code 0}: no deadline, unless a start gives one.
     *
     * @return milliseconds, or {@code 0} for none
     * @since 0.2
     */
    long runTimeoutMs() default 0;

    /**
     * Job priority on the step's queue: higher values run first. Among steps of equal priority,
     * steps of runs already under way (handoffs, retries) run before the first steps of new runs,
     * so a burst of new runs does not delay the runs in progress; the queue sees twice this value,
     * plus one for such a step.
     *
     * @return the priority; {@code 0} by default
     */
    int priority() default 0;

    /**
     * The step of this flow that undoes this one: once this step completed, if a later step of its run fails for
     * good (its retries spent, or not worth one), the run goes {@link RunStatus#COMPENSATING} and the steps it
     * completed that name a compensation are undone, newest first, one at a time, each by a job of its
     * compensation step (with that step's queue, retries and timeout) given this step's output as input; then the
     * run fails as it would have. The step named must be a {@link StepRole#COMPENSATION} step of the same flow; one
     * may undo several steps. Empty (the default): nothing undoes this step.
     *
     * @return the name of the compensation step, or empty for none
     * @since 0.2
     */
    String compensation() default "";
}
