package io.nvent.spi;

import io.nvent.StaleExecutionException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Proof that an instance executes a step; it renews the lease while the step runs.
 *
 * <p>A lease knows when its owner last took or renewed it, where the store keeps that (since 0.2):
 * from it and the end, the engine tells how long the owner's leases last ({@link #duration()}) and
 * how long this one has gone unrenewed, whatever lease duration the reader itself is configured
 * with. A lease written without that time (by an earlier version, or through a method that does not
 * pass it) has none.
 *
 * <p>A lease a step's execution takes for its attempt names that attempt ({@link #attempt()}, since 0.2): the
 * progress the store keeps with the lease ({@link SchedulingStore#recordProgress}) is that attempt's only. An
 * instance holds one lease per step whichever of its attempts runs, so the owner alone cannot tell a timed-out
 * attempt that still runs here from its retry that took the step's lease on this same instance.
 *
 * <p>Nor does the attempt alone: an operator's retry of a step ({@code retryStep}, a queue's retry, a dead letter
 * redriven) runs a job whose attempts the queue counts from 1 again, with a fresh retry budget. So a lease an
 * execution takes names that execution too ({@link #execution()}, since 0.2): a number its owner gives each execution
 * of its steps, no two alike while the owner lives, which the store keeps with the lease and compares in every
 * write it makes only while the lease is held. Owner and execution tell every execution of a step apart, the
 * attempt says which of its budget's attempts it is.
 *
 * @param runId run
 * @param step step
 * @param owner instance id
 * @param expiresAt end of the lease unless renewed
 * @param renewedAt when its owner last took or renewed it; empty where that is not known (since 0.2)
 * @param attempt the attempt of the step the lease was taken for; empty for a lease taken for no attempt (the
 *     engine's sweep marking a step stalled) or by a store or version that does not keep it (since 0.2)
 * @param execution the execution of the step the lease was taken for, as its owner numbers them (from 1 on, no two
 *     alike while the owner lives, an operator's retry included); empty for a lease taken for no execution or by a
 *     store or caller that does not keep it (since 0.2)
 * @since 0.1
 */
public record StepLease(String runId, String step, String owner, Instant expiresAt, Optional<Instant> renewedAt,
                        OptionalInt attempt, OptionalLong execution) {

    /**
     * Checks that every component is given, that the lease was not renewed after its end and that an attempt
     * or execution it names is one.
     *
     * @param runId run
     * @param step step
     * @param owner instance id
     * @param expiresAt end of the lease unless renewed
     * @param renewedAt when its owner last took or renewed it; empty where that is not known
     * @param attempt the attempt the lease was taken for; empty where it was taken for none, or is not known
     * @param execution the execution the lease was taken for; empty where it was taken for none, or is not known
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code renewedAt} is after {@code expiresAt}, or {@code attempt} or
     *     {@code execution} is below 1
     * @since 0.2, the constructor with {@code renewedAt}, {@code attempt} and {@code execution};
     *     {@link #StepLease(String, String, String, Instant) the one without them} since 0.1
     */
    public StepLease {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(renewedAt, "renewedAt");
        Objects.requireNonNull(attempt, "attempt");
        Objects.requireNonNull(execution, "execution");
        if (renewedAt.filter(expiresAt::isBefore).isPresent()) {
            throw new IllegalArgumentException("the lease of step '" + step + "' in run '" + runId + "' ends at "
                    + expiresAt + ", before it was renewed at " + renewedAt.get());
        }
        if (attempt.isPresent() && attempt.getAsInt() < 1) {
            throw new IllegalArgumentException("the lease of step '" + step + "' in run '" + runId
                    + "' must be taken for an attempt from 1 on, was " + attempt.getAsInt());
        }
        if (execution.isPresent() && execution.getAsLong() < 1) {
            throw new IllegalArgumentException("the lease of step '" + step + "' in run '" + runId
                    + "' must be taken for an execution from 1 on, was " + execution.getAsLong());
        }
    }

    /**
     * A lease for an attempt, or none, and no particular execution: what a store that keeps no execution with its
     * leases reads.
     *
     * @param runId run
     * @param step step
     * @param owner instance id
     * @param expiresAt end of the lease unless renewed
     * @param renewedAt when its owner last took or renewed it; empty where that is not known
     * @param attempt the attempt the lease was taken for; empty where it was taken for none, or is not known
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code renewedAt} is after {@code expiresAt}, or {@code attempt} is
     *     below 1
     * @since 0.2
     */
    public StepLease(String runId, String step, String owner, Instant expiresAt, Optional<Instant> renewedAt,
                     OptionalInt attempt) {
        this(runId, step, owner, expiresAt, renewedAt, attempt, OptionalLong.empty());
    }

    /**
     * A lease for no particular attempt.
     *
     * @param runId run
     * @param step step
     * @param owner instance id
     * @param expiresAt end of the lease unless renewed
     * @param renewedAt when its owner last took or renewed it; empty where that is not known
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if {@code renewedAt} is after {@code expiresAt}
     * @since 0.2
     */
    public StepLease(String runId, String step, String owner, Instant expiresAt, Optional<Instant> renewedAt) {
        this(runId, step, owner, expiresAt, renewedAt, OptionalInt.empty());
    }

    /**
     * A lease without the time it was last taken or renewed.
     *
     * @param runId run
     * @param step step
     * @param owner instance id
     * @param expiresAt end of the lease unless renewed
     * @throws NullPointerException if a component is {@code null}
     */
    public StepLease(String runId, String step, String owner, Instant expiresAt) {
        this(runId, step, owner, expiresAt, Optional.empty());
    }

    /**
     * A lease taken or renewed at {@code renewedAt} until {@code expiresAt}.
     *
     * @param runId run
     * @param step step
     * @param owner instance id
     * @param renewedAt when its owner takes or renews it
     * @param expiresAt end of the lease unless renewed
     * @return the lease
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code renewedAt} is after {@code expiresAt}
     * @since 0.2
     */
    public static StepLease renewed(String runId, String step, String owner, Instant renewedAt, Instant expiresAt) {
        return new StepLease(runId, step, owner, expiresAt, Optional.of(renewedAt));
    }

    /**
     * This lease, taken for the step's attempt {@code attempt}: a store that keeps progress keeps with it that
     * attempt's only ({@link SchedulingStore#recordProgress}).
     *
     * @param attempt the attempt, from 1 on
     * @return a copy of this lease naming the attempt
     * @throws IllegalArgumentException if {@code attempt} is below 1
     * @since 0.2
     */
    public StepLease forAttempt(int attempt) {
        return new StepLease(runId, step, owner, expiresAt, renewedAt, OptionalInt.of(attempt), execution);
    }

    /**
     * This lease, taken for the step's attempt {@code attempt} by its owner's execution {@code execution}: a store
     * compares both in the writes it makes only while the lease is held ({@link #admits}), so that no write of one
     * execution lands while the lease is another's, though both run under one owner and count the same attempt (a
     * timed-out attempt 1 that still runs, and an operator's retry of its step, whose attempts start at 1 again).
     *
     * @param attempt the attempt, from 1 on
     * @param execution the execution, as the owner numbers its executions, from 1 on
     * @return a copy of this lease naming the attempt and the execution
     * @throws IllegalArgumentException if {@code attempt} or {@code execution} is below 1
     * @since 0.2
     */
    public StepLease forExecution(int attempt, long execution) {
        return new StepLease(runId, step, owner, expiresAt, renewedAt, OptionalInt.of(attempt),
                OptionalLong.of(execution));
    }

    /**
     * This lease extended to {@code until}, renewed at {@code renewedAt} (or with no renewal time), for the same
     * attempt: what a store keeps of a lease its owner renews.
     *
     * @param until the new end
     * @param renewedAt when it is renewed; empty where that is not known
     * @return the renewed lease
     * @throws IllegalArgumentException if {@code renewedAt} is after {@code until}
     * @since 0.2
     */
    public StepLease renewedUntil(Instant until, Optional<Instant> renewedAt) {
        return new StepLease(runId, step, owner, until, renewedAt, attempt, execution);
    }

    /**
     * Whether this lease, as a store holds it, is the one {@code wanted} names: the same owner, the same
     * attempt (both naming none counts as the same) and not another execution (where either names none, a store
     * that does not keep it, the attempt decides). A lease of its owner taken for another attempt or execution
     * belongs to that one (a retry on the same instance), not to {@code wanted}'s.
     *
     * @param wanted the lease an execution asks for, or writes under
     * @return whether owner and attempt match, and the executions do not differ
     * @since 0.2
     */
    public boolean isHeldFor(StepLease wanted) {
        return owner.equals(wanted.owner()) && attempt.equals(wanted.attempt()) && !isAnotherExecution(wanted);
    }

    /**
     * Whether a write made under {@code wanted} may land while a store holds this lease: the same owner, and not
     * taken for another attempt nor another execution than {@code wanted}'s. A lease of its owner taken for another
     * attempt or execution is that one's (the retry of a timed-out attempt on the same instance, or an operator's
     * retry of the step, which counts its attempts from 1 again), and refuses the writes of {@code wanted}'s: its result, state writes and log lines ({@link SchedulingStore#finishStepHolding}
     * and the other writes conditioned on the lease) and its release ({@link SchedulingStore#releaseLease(StepLease)}).
     * Where either names no attempt (a store or a caller that does not keep it, a lease written by nvent 0.1), the
     * owner alone decides, as before 0.2; likewise the execution, where either names none. Unlike
     * {@link #isHeldFor}, which progress is kept by, two leases of which only one names an attempt count as the same.
     *
     * @param wanted the lease an execution writes under
     * @return whether the owner is the same and neither the attempts nor the executions differ
     * @since 0.2
     */
    public boolean admits(StepLease wanted) {
        return owner.equals(wanted.owner()) && (attempt.isEmpty() || wanted.attempt().isEmpty()
                || attempt.getAsInt() == wanted.attempt().getAsInt()) && !isAnotherExecution(wanted);
    }

    /** Whether both leases name an execution, and not the same. */
    private boolean isAnotherExecution(StepLease other) {
        return execution.isPresent() && other.execution().isPresent()
                && execution.getAsLong() != other.execution().getAsLong();
    }

    /**
     * How long each taking or renewal of this lease lasts, from its last renewal to its end: the lease
     * duration its owner was configured with.
     *
     * @return the span from {@link #renewedAt()} to {@link #expiresAt()}; empty where the renewal time is
     *     not known
     * @since 0.2
     */
    public Optional<Duration> duration() {
        return renewedAt.map(at -> Duration.between(at, expiresAt));
    }

    /**
     * The exception a write conditioned on this lease throws once its owner no longer holds it (see
     * {@link SchedulingStore#finishStepHolding}): another owner took it over, it was given up, or its owner took it
     * for another attempt or execution ({@link #admits}).
     *
     * @return a {@link StaleExecutionException} naming the run, the step, the owner and, where this lease names
     *     them, the attempt and the execution
     * @since 0.2
     */
    public StaleExecutionException notHeld() {
        return new StaleExecutionException(runId, step, "its lease is no longer held by " + owner
                + (attempt.isPresent() ? " for attempt " + attempt.getAsInt() : "")
                + (execution.isPresent() ? ", execution " + execution.getAsLong() : ""));
    }
}
