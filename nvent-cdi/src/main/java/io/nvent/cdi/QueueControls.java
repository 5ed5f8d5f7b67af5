package io.nvent.cdi;

import io.nvent.Operator;
import io.nvent.cdi.internal.engine.EngineBean;
import io.nvent.cdi.internal.engine.FlowEngine;
import io.nvent.cdi.internal.engine.QueueControlsView;
import io.nvent.spi.QueueChange;
import io.nvent.spi.RateLimit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Pauses and resumes queues, and sets their workers at run time, for the whole cluster: a pause (or
 * a queue's workers) is recorded in the scheduling store, which every instance follows within a few
 * seconds and applies again after a restart, whatever the queue adapter (a JMS broker keeps no pause
 * of its own). With the in-memory store a pause holds on this instance only. Also tells a queue's
 * rate limit and where it holds.
 *
 * <p>A pause or workers for a queue this instance does not know (no deployed step runs on it, the queue adapter does
 * not have it) are recorded all the same, for the instances that have it or a deployment that adds it, with a warning
 * naming the queues known here (NVENT-0062), in case the name is misspelt; a resume or a removal of workers refuses a
 * queue neither known nor recorded (NVENT-0061): there is nothing to undo. Called through {@link #actingAs}, the
 * actions are on the audit trail too, naming who acted and why.
 *
 * @since 0.1
 */
@ApplicationScoped
public class QueueControls {

    /**
     * The most workers per instance an operator may set for a queue at run time ({@link #setWorkers}).
     *
     * @since 0.2
     */
    public static final int MAX_WORKERS = 1000;

    @Inject
    EngineBean engineBean;
    /** The engine of an {@link EmbeddedEngine}'s controls; {@code null} in the bean, which asks {@link #engineBean}. */
    private FlowEngine embedded;

    /** The controls of an {@link EmbeddedEngine}'s engine: the same actions, reads and {@link #actingAs} as the bean's. */
    static QueueControls of(FlowEngine engine) {
        QueueControls controls = new QueueControls();
        controls.embedded = engine;
        return controls;
    }

    private FlowEngine engine() {
        return embedded != null ? embedded : engineBean.engine();
    }

    /**
     * Stops starting attempts of a queue; attempts running now finish.
     *
     * <p>A queue this instance does not know is paused all the same (another instance's, or one a later deployment
     * adds, paused ahead of it), with a warning (NVENT-0062) naming the queues known here.
     */
    public void pause(String queue) {
        engine().queuePauses().pause(engine().warnIfUnknownQueue(queue, "its pause is recorded",
                "Resume"));
    }

    /**
     * Starts attempts of a paused queue again.
     *
     * @throws IllegalArgumentException (NVENT-0061) if no deployed step runs on the queue, the queue adapter does not
     *     have it and no pause is recorded for it (one an earlier deployment left can be resumed); nothing changes
     */
    public void resume(String queue) {
        engine().queuePauses().resume(engine().requireQueue(queue, true));
    }

    /**
     * These controls acting as an operator: each action through the view (pause, resume, set and remove workers) is
     * logged at INFO on the {@code io.nvent.audit} logger, in the lines of {@link io.nvent.FlowService#actingAs}
     * (NVENT-0016 naming the operator, the action and the reason; NVENT-0017 for one refused, with why). Reads through
     * the view behave as here and are not logged; calls on these controls themselves record nobody. A view is equal
     * only to itself.
     *
     * <pre>{@code
     * queues.actingAs(Operator.signedIn(ejbContext.getCallerPrincipal().getName()).because("ERP down")).pause("erp");
     * }</pre>
     *
     * @param operator who acts, and why
     * @return the view, acting as {@code operator}
     * @since 0.2
     */
    public QueueControls actingAs(Operator operator) {
        return QueueControlsView.of(this, operator);
    }

    /**
     * These controls acting only on the queues this instance knows (a deployed step runs on it, or the queue adapter
     * has it), as the REST API and the console do: an action on another queue is refused
     * ({@link IllegalArgumentException}, NVENT-0061, naming the queues known here) and records nothing, where these
     * controls record a pause or workers ahead of a deployment (NVENT-0062) or undo those an earlier deployment left.
     * Acting as an operator too ({@link #actingAs}, before or after), the refusal is on the audit trail (NVENT-0017).
     * Reads behave as here. A view is equal only to itself.
     *
     * <pre>{@code
     * queues.knownQueuesOnly().actingAs(Operator.signedIn("alice").because("ERP down")).pause(nameTheUserTyped);
     * }</pre>
     *
     * @return the view, refusing unknown queues
     * @since 0.2
     */
    public QueueControls knownQueuesOnly() {
        return QueueControlsView.knownQueuesOnly(this, queue -> engine().requireQueue(queue, false));
    }

    /**
     * The workers this instance runs for a queue now: those set at run time ({@link #setWorkers}) where they
     * apply, else its configured ones ({@link #configuredWorkers}); 0 for a queue it leaves to other instances
     * ({@code nvent.queue.<name>.concurrency=0}, {@code nvent.queues.include} or {@code exclude}), for
     * every queue while its engine is disabled, and for a queue no deployed step uses.
     */
    public int workersHere(String queue) {
        return engine().workerOverrides().effective(queue);
    }

    /**
     * The workers this instance is configured to run for a queue ({@code nvent.queue.<name>.concurrency}),
     * whatever an operator set at run time; 0 as for {@link #workersHere}.
     *
     * @since 0.2
     */
    public int configuredWorkers(String queue) {
        return engine().workersHere(queue);
    }

    /**
     * The workers per instance an operator set for a queue at run time ({@link #setWorkers}), if any.
     *
     * @since 0.2
     */
    public OptionalInt workersOverride(String queue) {
        return engine().workerOverrides().override(queue);
    }

    /**
     * The workers per instance operators set for queues at run time ({@link #setWorkers}), read in one call for all
     * queues (a list of every queue asks this, not {@link #workersOverride} per queue).
     *
     * @return workers by queue name; empty if none was set
     * @since 0.2
     */
    public Map<String, Integer> workersOverrides() {
        return engine().workerOverrides().overrides();
    }

    /**
     * Sets a queue's workers on every instance that takes it, in place of their configured concurrency,
     * until {@link #removeWorkers}: recorded in the scheduling store, followed by every instance within a
     * few seconds and after a restart. Shrinking lets the attempts under way finish; 0 starts none
     * anywhere (the queue stays unpaused, its jobs wait).
     *
     * <p>A queue this instance does not know gets its workers recorded all the same, with a warning (NVENT-0062),
     * as for {@link #pause}.
     *
     * @throws IllegalArgumentException if {@code workers} is below 0 or above 1,000
     * @throws UnsupportedOperationException (NVENT-0048) if the queue adapter cannot change workers while
     *     they run, or the scheduling store cannot keep the record
     * @since 0.2
     */
    public void setWorkers(String queue, int workers) {
        engine().workerOverrides().set(engine().warnIfUnknownQueue(queue,
                "its workers are recorded", "Remove the workers of"), workers);
    }

    /**
     * Removes a queue's workers set at run time: every instance goes back to its configured concurrency.
     *
     * @throws UnsupportedOperationException (NVENT-0048) if the queue adapter cannot change workers
     * @throws IllegalArgumentException (NVENT-0061) if the queue is unknown, as for {@link #resume}, and has no
     *     workers set (those an earlier deployment left can be removed)
     * @since 0.2
     */
    public void removeWorkers(String queue) {
        engine().workerOverrides().remove(engine().requireQueue(queue, true));
    }

    /**
     * Who paused each paused queue, when and why, as the scheduling store keeps it with the pause: the operator
     * named through {@link #actingAs} (nobody for a pause made in code) and their reason, at this engine's clock's
     * time. A paused queue missing here was paused where no change is kept (a scheduling store written before it,
     * a pause the JPA store kept before schema V43, a pause made on the queue adapter directly): the queue adapter
     * may know ({@link io.nvent.spi.JobQueue#pauseChanges}: a pause by {@code code@<instance>}, or one written in SQL
     * on PostgreSQL), else who paused it is unknown. A resume removes it. Read in one call for all queues; a read
     * only, which applies nothing: a pause another instance recorded or removed holds here from this instance's next
     * sweep, within a second.
     *
     * <pre>{@code
     * queues.pauseChanges().get("erp"); // QueueChange[by=Optional[alice], at=2026-12-07T14:02:00Z, reason=Optional[supplier outage]]
     * }</pre>
     *
     * @return the changes by queue name; empty if no queue is paused, or the store keeps none
     * @since 0.2
     */
    public Map<String, QueueChange> pauseChanges() {
        return engine().queuePauses().changes();
    }

    /**
     * Who set the workers of each queue with workers set at run time ({@link #setWorkers}), when and why, as
     * {@link #pauseChanges} tells of pauses; {@link #removeWorkers} removes it.
     *
     * @return the changes by queue name; empty if no workers are set, or the store keeps none
     * @since 0.2
     */
    public Map<String, QueueChange> workersChanges() {
        return engine().workerOverrides().changes();
    }

    /**
     * Whether the queue adapter can change a queue's workers while they run ({@link #setWorkers}).
     *
     * @since 0.2
     */
    public boolean workersSettable() {
        return engine().workerOverrides().supported();
    }

    /** A queue's rate limit ({@code nvent.queue.<name>.limiter.*}), if it has one. */
    public Optional<QueueRateLimit> rateLimit(String queue) {
        return engine().rateLimitOf(queue);
    }

    /**
     * Who used a queue's rate limit lately: its groups (or the whole queue, without a group key)
     * with the most starts within the limit's span, most first, at most {@code most}. Empty for a
     * queue whose limit only its queue adapter keeps, on each instance ({@code limiter.scope=instance}
     * without a group key), and for a queue without a limit.
     */
    public List<RateLimitGroupUsage> rateLimitUsage(String queue, int most) {
        return engine().rateLimitUsage(queue, most);
    }

    /**
     * One group's use of its queue's rate limit.
     *
     * @param group the group's value as it counts (JSON text, e.g. {@code "acme"} quoted, {@code 7},
     *     {@code null} for steps without one, a {@code sha256:} digest for long values); empty for a
     *     limit of the whole queue
     * @param starts starts within the limit's span
     * @param nextStartAt when the limit allows the group's next start, if not now
     */
    public record RateLimitGroupUsage(Optional<String> group, int starts, Optional<Instant> nextStartAt) {
    }

    /**
     * A queue's rate limit as configured and kept.
     *
     * @param limit at most this many starts in any span
     * @param groupKey the field of a step's data each of whose values has a limit of its own
     *     ({@code limiter.group-key}), if the limit is kept per group
     * @param cluster whether the limit holds for every instance sharing the scheduling store,
     *     rather than on each instance ({@code limiter.scope}, and whether the store can share it)
     */
    public record QueueRateLimit(RateLimit limit, Optional<String> groupKey, boolean cluster) {
    }
}
