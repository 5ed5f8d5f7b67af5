package io.nvent.cdi.internal.engine;

import io.nvent.StepProgress;
import io.nvent.spi.JobExecution;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The step executions under way on this instance, by run and step. Two executions of one step
 * overlap here in two cases: a duplicate job (a stall-recovery job and the queue's redelivery of
 * the original), which must not run the step again; and the retry of an attempt that timed out but
 * ignores its interrupt, which must run, since the timed-out attempt's result will be refused.
 *
 * <p>Each execution takes and writes under the step's lease for an attempt of its own ({@link
 * StepExecution#leaseAttempt}): the job's attempt, unless an execution of the step still running here, or a lease of
 * the step this instance may still hold for an execution that ended ({@link LeaseLeft}), names that attempt or a later
 * one. Then it is the next attempt above theirs, so that the store tells the two apart although the lease's owner is
 * the same: an operator's retry (a new job, or the queue's retry or redrive of a dead letter) numbers its attempts
 * from 1 again, also on the instance where a timed-out attempt 1 still runs, or ended and keeps its lease until the
 * queue reports its timeout. Both are read in the one atomic update that registers the execution, so that a lease
 * cannot pass from a running execution to those left between the two.
 */
final class StepExecutions {

    /**
     * A lease of a step that this instance took for an execution that ended, and may still hold: one the execution
     * kept as it ended past its timeout, to be given up once the queue reports the timeout ({@link #leasesLeftBy}),
     * or one whose release failed, to be given up by the next renewal round ({@link #leasesToGiveUp}). Until it is
     * {@linkplain #givenUp given up}, an execution of the step beginning here takes the lease for another attempt.
     *
     * @param runId run
     * @param step step
     * @param leaseAttempt the attempt the lease was taken for ({@link StepExecution#leaseAttempt})
     * @param reportOf the job and attempt whose timeout report gives it up ({@code jobId#attempt}); empty for one the
     *     renewal round gives up
     * @param order when it was left, in the order of {@link #sequence}
     */
    record LeaseLeft(String runId, String step, int leaseAttempt, Optional<String> reportOf, long order) {

        private String stepKey() {
            return runId + ":" + step;
        }

        private LeaseLeft toGiveUpByRenewal() {
            return new LeaseLeft(runId, step, leaseAttempt, Optional.empty(), order);
        }
    }

    /** One attempt of a step running here, on the worker thread that began it. */
    static final class StepExecution {
        private final String runId;
        private final String key;
        private final JobExecution job;
        private final Thread worker = Thread.currentThread();
        private final long beganNanos = System.nanoTime();
        private final long timeoutNanos;
        /** The attempt the execution takes and writes under the step's lease for ({@link #leaseAttempt}). */
        private final int leaseAttempt;
        /** When the execution began, in the order of {@link StepExecutions#sequence}. */
        private final long begunAt;
        /** When the queue failed it for its timeout ({@link #markTimedOut}), in that order; 0 while it did not. */
        private volatile long timedOutAt;
        private volatile boolean timedOut;
        private volatile boolean cancelRequested;
        /** Whether the step's own code runs now: only then may a cancel interrupt the worker. */
        private boolean invoking;
        /** Whether the step's own code began in this attempt. */
        private volatile boolean invoked;
        /** The end of the lease this attempt took with its start; null while its start is not stored. */
        private volatile Instant leaseUntil;
        /** Why this attempt no longer holds its step ({@link #markStale}); null while it does. */
        private volatile String staleBecause;
        /** The latest progress the attempt's step reported, once its context exists. */
        private volatile Supplier<Optional<StepProgress>> progress = Optional::empty;
        /** The writes of this attempt under way that the store makes without checking its lease. */
        private int uncheckedWrites;
        /** Whether this attempt's writes go to the store checked from now on ({@link #closeUncheckedWrites}). */
        private boolean uncheckedWritesClosed;
        /** What runs once the last write under way unchecked has ended, after they were closed; null if none. */
        private Runnable afterUncheckedWrites;
        /** How often a delivery of the step gave way to this attempt, which keeps the step's lease. */
        private final AtomicInteger giveWays = new AtomicInteger();
        /** Whether the engine gave up the lease this execution took, or left it to be given up otherwise. */
        private volatile boolean leaseGivenUp;

        private StepExecution(String runId, String key, JobExecution job, Duration timeout, int leaseAttempt,
                              long begunAt) {
            this.runId = runId;
            this.key = key;
            this.job = job;
            this.timeoutNanos = timeout.toNanos();
            this.leaseAttempt = leaseAttempt;
            this.begunAt = begunAt;
        }

        /** {@return the attempt of the step this execution runs, as the step sees it} */
        int attempt() {
            return job.attempt();
        }

        /**
         * {@return the attempt this execution takes the step's lease for and writes under: the job's attempt, or
         * one above every attempt an earlier execution of the step still running here took it for} The store
         * refuses the writes of an execution whose lease this instance took again for another of its executions.
         */
        int leaseAttempt() {
            return leaseAttempt;
        }

        /** Whether this execution runs the same attempt of the same job as {@code other}. */
        private boolean runsTheAttemptOf(JobExecution other) {
            return job.jobId().equals(other.jobId()) && job.attempt() == other.attempt();
        }

        /**
         * A write of this attempt that the store makes without checking the step's lease begins, unless such
         * writes were closed ({@link #closeUncheckedWrites}): {@code false} then, and the write must go to the
         * store checked against the lease and its attempt.
         */
        synchronized boolean beginUncheckedWrite() {
            if (uncheckedWritesClosed) {
                return false;
            }
            uncheckedWrites++;
            return true;
        }

        /**
         * A write begun with {@link #beginUncheckedWrite} has ended, stored or not; the last of them under way
         * once they were closed runs what {@link #closeUncheckedWrites} was given, on this (the writing) thread.
         */
        void endUncheckedWrite() {
            Runnable then = null;
            synchronized (this) {
                if (--uncheckedWrites == 0) {
                    then = afterUncheckedWrites;
                    afterUncheckedWrites = null;
                }
            }
            if (then != null) {
                then.run();
            }
        }

        /**
         * From now on this attempt's writes go to the store checked against its lease and attempt; {@code then}
         * runs once none of those under way without that check is left: at once if none is, else when the last
         * ends ({@link #endUncheckedWrite}), on its thread. Nobody waits for them.
         *
         * @return whether {@code then} ran at once
         */
        boolean closeUncheckedWrites(Runnable then) {
            synchronized (this) {
                uncheckedWritesClosed = true;
                if (uncheckedWrites > 0) {
                    afterUncheckedWrites = then;
                    return false;
                }
            }
            then.run();
            return true;
        }

        /** Whether writes of this attempt made without the store's check are under way after they were closed. */
        synchronized boolean hasClosedUncheckedWritesUnderWay() {
            return uncheckedWritesClosed && uncheckedWrites > 0;
        }

        /**
         * A delivery of the step gives way to this attempt, which keeps the step's lease until its writes under way
         * end ({@link StepExecutions#leaseKeptBeside}).
         *
         * @return how often one did so, this time included
         */
        int gaveWayOnceMore() {
            return giveWays.incrementAndGet();
        }

        /** Whether the step's own code began in this attempt, whatever came of it. */
        boolean hasInvoked() {
            return invoked;
        }

        /** Whether the run was canceled while this attempt runs. */
        boolean isCancelRequested() {
            return cancelRequested;
        }

        /**
         * The step's code begins: from now until {@link #invoked()} a cancel interrupts the worker (at
         * once, if the run was canceled before).
         */
        synchronized void invoking() {
            invoking = true;
            invoked = true;
            if (cancelRequested) {
                worker.interrupt();
            }
        }

        /**
         * The step's code ended: a cancel no longer interrupts the worker, and an interrupt a cancel
         * left does not reach the engine's writes that follow (nor the worker's next job).
         */
        synchronized void invoked() {
            invoking = false;
            if (cancelRequested) {
                Thread.interrupted();
            }
        }

        /**
         * Asks the attempt to stop: interrupts its worker while the step's code runs, as the queue's
         * timeout check does, unless the step cancels its own run (it goes on, see
         * {@link io.nvent.StepContext#cancel()}).
         */
        private synchronized void requestCancel() {
            cancelRequested = true;
            if (invoking && worker != Thread.currentThread()) {
                worker.interrupt();
            }
        }

        /**
         * The engine gave up the lease this execution took ({@link FlowEngine}'s release), or left it to the renewal
         * round: the execution keeps none once it ends.
         */
        void leaseGivenUp() {
            leaseGivenUp = true;
        }

        /**
         * Whether the execution, ending now, keeps the lease it took: it outlived its timeout, which keeps its lease
         * from being given up when it ends, and the lease was not given up since (the queue's report of the timeout
         * while it ran does so).
         */
        private boolean keepsLeaseOnceEnded() {
            return leaseUntil != null && !leaseGivenUp && isPastTimeout();
        }

        /** The attempt stored its start and took the step's lease, until then. */
        void holdsLeaseUntil(Instant until) {
            leaseUntil = until;
        }

        /**
         * A renewal of this instance's leases was stored by {@code renewedBy}, while this attempt's
         * lease was known to end at {@code known}: if that end was still ahead, the renewal extended the
         * lease to {@code until}. Once past its end unrenewed, the lease stays so: another instance may
         * have taken the step over, and a later renewal would not give it back.
         */
        synchronized void leaseRenewed(Instant known, Instant renewedBy, Instant until) {
            if (renewedBy.isBefore(known) && until.isAfter(leaseUntil)) {
                leaseUntil = until;
            }
        }

        /**
         * {@return the end of the lease the attempt took with its start, or a renewal extended it to;
         * empty while its start is not stored}
         */
        Optional<Instant> leaseUntil() {
            return Optional.ofNullable(leaseUntil);
        }

        /**
         * The attempt no longer holds its step: its writes and its result are refused. The first reason
         * given stays.
         */
        synchronized void markStale(String why) {
            if (staleBecause == null) {
                staleBecause = why;
            }
        }

        /** Whether the attempt no longer holds its step. */
        boolean isStale() {
            return staleBecause != null;
        }

        /** {@return why the attempt no longer holds its step; empty while it does} */
        Optional<String> staleBecause() {
            return Optional.ofNullable(staleBecause);
        }

        /** The attempt's step reports its progress through {@code latest}. */
        void reportsProgress(Supplier<Optional<StepProgress>> latest) {
            progress = latest;
        }

        /** {@return the latest progress the attempt reported, if any} */
        Optional<StepProgress> latestProgress() {
            return progress.get();
        }

        /** The attempt's timeout. */
        Duration timeout() {
            return Duration.ofNanos(timeoutNanos);
        }

        /** Whether the attempt outlived its timeout: the queue failed it, or will when it returns. */
        boolean isPastTimeout() {
            return timedOut || System.nanoTime() - beganNanos > timeoutNanos;
        }

        /** How long the attempt has been running. */
        Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - beganNanos);
        }
    }

    /**
     * How many ended attempts' progress {@link #failedWith} keeps at most, should their failures not come; and how many
     * leases of ended executions wait at most for the queue's report of their timeout ({@link #leasesLeft}).
     */
    static final int MOST_FAILED_KEPT = 1_000;

    private final Map<String, List<StepExecution>> byStep = new ConcurrentHashMap<>();
    /** Orders the beginnings of executions, the queue's timeouts of them and the leases left. */
    private final AtomicLong sequence = new AtomicLong();
    /**
     * The leases of the steps that this instance may still hold for executions that ended, by run and step as
     * {@link #byStep}; changed only in {@link #byStep}'s atomic update of the step, where {@link #begin} reads them.
     * An entry goes once the lease is given up: as the queue reports the timeout, or by the next renewal round.
     */
    private final Map<String, List<LeaseLeft>> leasesLeft = new ConcurrentHashMap<>();
    /** How many of {@link #leasesLeft} wait for the queue's report of a timeout; at most {@link #MOST_FAILED_KEPT}. */
    private final AtomicInteger awaitingReports = new AtomicInteger();
    /**
     * The last progress of attempts that failed and ended here, by job and attempt, until their failure is
     * recorded ({@link #progressOfFailed}): the queue reports the failure once the attempt has ended.
     */
    private final Map<String, StepProgress> failedProgress = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, StepProgress> eldest) {
            return size() > MOST_FAILED_KEPT;
        }
    };
    /** Notified when the last execution here ends. */
    private final Object none = new Object();

    /**
     * Registers an execution of {@code step} of {@code runId} that starts now, with the attempt it takes the step's
     * lease for ({@link StepExecution#leaseAttempt}): its job's, unless an execution of the step running here took the
     * lease for that attempt or a later one, or a lease of the step left by one that ended ({@link LeaseLeft}) names
     * that attempt or a later one; then the next attempt above all of them.
     */
    StepExecution begin(String runId, String step, JobExecution job, Duration timeout) {
        String stepKey = runId + ":" + step;
        StepExecution[] begun = new StepExecution[1];
        byStep.compute(stepKey, (key, others) -> {
            int above = 0;
            for (LeaseLeft left : leasesLeft.getOrDefault(key, List.of())) {
                above = Math.max(above, left.leaseAttempt());
            }
            for (StepExecution other : others == null ? List.<StepExecution>of() : others) {
                above = Math.max(above, other.leaseAttempt);
            }
            begun[0] = new StepExecution(runId, key, job, timeout, Math.max(job.attempt(), above + 1),
                    sequence.incrementAndGet());
            return with(others, begun[0]);
        });
        return begun[0];
    }

    /**
     * Whether another execution of the same step runs here that still counts: one whose attempt has
     * not been failed for its timeout.
     */
    boolean anotherRunsBeside(StepExecution execution) {
        // Loops, not streams, in the two checks every step makes: mostly a list of one, the execution itself.
        for (StepExecution other : byStep.getOrDefault(execution.key, List.of())) {
            if (other != execution && !other.timedOut) {
                return true;
            }
        }
        return false;
    }

    /**
     * The earlier attempt of the step still running here past its timeout that keeps the step's lease until
     * its writes under way without the store's check have ended ({@link StepExecution#closeUncheckedWrites}):
     * the lease is this instance's whichever of its attempts runs, so {@code execution} must not take it before.
     * Empty if none does.
     */
    Optional<StepExecution> leaseKeptBeside(StepExecution execution) {
        for (StepExecution other : byStep.getOrDefault(execution.key, List.of())) {
            if (other != execution && other.hasClosedUncheckedWritesUnderWay()) {
                return Optional.of(other);
            }
        }
        return Optional.empty();
    }

    /** Whether an execution of the step runs here that has not been failed for its timeout. */
    boolean isRunning(String runId, String step) {
        return byStep.getOrDefault(runId + ":" + step, List.of()).stream().anyMatch(e -> !e.timedOut);
    }

    /**
     * Records that the queue failed this attempt for its timeout while it may still run here.
     *
     * @return the executions of the attempt running here; empty if it does not
     */
    List<StepExecution> markTimedOut(String runId, String step, JobExecution job) {
        List<StepExecution> found = new ArrayList<>(1);
        for (StepExecution execution : executionsOf(runId, step, job)) {
            synchronized (execution) {
                if (!execution.timedOut) {
                    execution.timedOutAt = sequence.incrementAndGet();
                    execution.timedOut = true;
                }
            }
            found.add(execution);
        }
        return found;
    }

    /**
     * The executions here of the job's attempt that the queue may report about: not one it failed for its timeout
     * before another execution of the same job and attempt began (a retry or redrive of the job's dead letter,
     * which numbers its attempts from 1 again): the queue reported that one already.
     */
    private List<StepExecution> executionsOf(String runId, String step, JobExecution job) {
        List<StepExecution> all = byStep.getOrDefault(runId + ":" + step, List.of());
        return all.stream().filter(execution -> execution.runsTheAttemptOf(job))
                .filter(execution -> !execution.timedOut || all.stream().noneMatch(later -> later != execution
                        && later.runsTheAttemptOf(job) && later.begunAt > execution.timedOutAt))
                .toList();
    }

    /**
     * The leases that executions of the job's attempt kept here as they ended past their timeout, for the queue's
     * report of the timeout once the attempt ended (the JMS queue checks the timeout once the step's code returned;
     * the PostgreSQL queue's maintenance thread may report late): to be given up, and then {@linkplain #givenUp
     * forgotten}. Empty if none ended so: one that ended in time gave its lease up itself.
     */
    List<LeaseLeft> leasesLeftBy(String runId, String step, JobExecution job) {
        Optional<String> reportOf = Optional.of(attemptKey(job));
        return leasesLeft.getOrDefault(runId + ":" + step, List.of()).stream()
                .filter(left -> left.reportOf().equals(reportOf)).toList();
    }

    /**
     * The leases this instance's executions took are given up, or left to the renewal round: the executions still
     * running keep none once they end, and those that ended meanwhile are forgotten.
     */
    void leasesGivenUp(List<StepExecution> executions) {
        for (StepExecution execution : executions) {
            execution.leaseGivenUp();
            Optional<String> reportOf = Optional.of(attemptKey(execution.job));
            changeLeasesLeft(execution.key, left -> left.reportOf().equals(reportOf)
                    && left.leaseAttempt() == execution.leaseAttempt ? null : left);
        }
    }

    /**
     * The queue reported the job's attempt failed for its timeout, and the engine gives up none of its leases (the
     * step no longer waited for the attempt, or its run is gone): its executions keep none once they end, and the
     * leases of those that ended are forgotten, as there will be no other report to give them up.
     */
    void forgetLeasesOf(String runId, String step, JobExecution job) {
        List<StepExecution> running = executionsOf(runId, step, job);
        running.forEach(StepExecution::leaseGivenUp);
        Optional<String> reportOf = Optional.of(attemptKey(job));
        changeLeasesLeft(runId + ":" + step, left -> left.reportOf().equals(reportOf) ? null : left);
    }

    /**
     * The release of a lease an execution of the step took here for {@code leaseAttempt} failed: it is left to the
     * next renewal round ({@link #leasesToGiveUp}), and an execution of the step beginning here meanwhile takes the
     * lease for another attempt.
     */
    void leaseNotGivenUp(String runId, String step, int leaseAttempt) {
        LeaseLeft left = new LeaseLeft(runId, step, leaseAttempt, Optional.empty(), sequence.incrementAndGet());
        byStep.compute(left.stepKey(), (key, running) -> {
            leasesLeft.merge(key, List.of(left), StepExecutions::concat);
            return running;
        });
    }

    /** The leases left for the renewal round to give up ({@link #leaseNotGivenUp}), each to be {@link #givenUp}. */
    List<LeaseLeft> leasesToGiveUp() {
        List<LeaseLeft> toGiveUp = new ArrayList<>();
        leasesLeft.values().forEach(lefts -> lefts.stream().filter(left -> left.reportOf().isEmpty())
                .forEach(toGiveUp::add));
        return toGiveUp;
    }

    /**
     * The lease left was given up, or found another execution's: an execution of the step beginning here may take it
     * for its attempt again. Called once the release was tried, never before: until then the attempt is not free.
     */
    void givenUp(LeaseLeft given) {
        changeLeasesLeft(given.stepKey(), left -> left.equals(given) ? null : left);
    }

    /**
     * Changes the leases left of a step in {@link #byStep}'s atomic update of the step, each to what {@code change}
     * makes of it (null: forgotten), keeping {@link #awaitingReports} counted.
     */
    private void changeLeasesLeft(String stepKey, UnaryOperator<LeaseLeft> change) {
        byStep.compute(stepKey, (key, running) -> {
            leasesLeft.computeIfPresent(key, (k, lefts) -> {
                List<LeaseLeft> kept = new ArrayList<>(lefts.size());
                for (LeaseLeft left : lefts) {
                    LeaseLeft changed = change.apply(left);
                    if (changed != null) {
                        kept.add(changed);
                    }
                    if (left.reportOf().isPresent() && (changed == null || changed.reportOf().isEmpty())) {
                        awaitingReports.decrementAndGet();
                    }
                }
                return kept.isEmpty() ? null : List.copyOf(kept);
            });
            return running;
        });
    }

    /**
     * Should more ended executions wait for their timeout's report than {@link #MOST_FAILED_KEPT} (reports that never
     * come: a queue that completed an attempt it did not find past its timeout), the eldest of their leases are left
     * to the renewal round instead, which gives each up while it is still that execution's.
     */
    private void leaveEldestToRenewal() {
        while (awaitingReports.get() > MOST_FAILED_KEPT) {
            Optional<LeaseLeft> eldest = leasesLeft.values().stream().flatMap(List::stream)
                    .filter(left -> left.reportOf().isPresent()).min(Comparator.comparingLong(LeaseLeft::order));
            if (eldest.isEmpty()) {
                return;
            }
            changeLeasesLeft(eldest.get().stepKey(), left -> left.equals(eldest.get()) ? left.toGiveUpByRenewal()
                    : left);
        }
    }

    /**
     * Asks the executions of the run's steps here to stop, since the run was canceled.
     *
     * @return how many were asked for the first time
     */
    int requestCancel(String runId) {
        int asked = 0;
        for (List<StepExecution> executions : byStep.values()) {
            for (StepExecution execution : executions) {
                if (execution.runId.equals(runId) && !execution.cancelRequested) {
                    execution.requestCancel();
                    asked++;
                }
            }
        }
        return asked;
    }

    /** The runs of the executions here not yet asked to stop: those whose cancel elsewhere is to be found. */
    Set<String> runsNotAskedToStop() {
        Set<String> runIds = new LinkedHashSet<>();
        byStep.values().forEach(executions -> executions.stream().filter(e -> !e.cancelRequested)
                .forEach(e -> runIds.add(e.runId)));
        return runIds;
    }

    /** The executions here whose start is stored, each with the end its lease is known to hold until. */
    Map<StepExecution, Instant> leaseEnds() {
        Map<StepExecution, Instant> ends = new IdentityHashMap<>();
        byStep.values().forEach(executions -> executions.forEach(execution -> execution.leaseUntil()
                .ifPresent(end -> ends.put(execution, end))));
        return ends;
    }

    /**
     * Keeps the last progress of an attempt that ended failing, for the queue's report of its failure
     * ({@link #progressOfFailed}). Not for one the queue already failed for its timeout ({@link #markTimedOut}):
     * it reported that one while the attempt ran. One that merely outlived its timeout is kept: a queue that
     * checks the timeout once the step's code returned (JMS) reports its failure after this.
     */
    void failedWith(StepExecution execution) {
        if (execution.timedOut) {
            return;
        }
        execution.latestProgress().ifPresent(last -> {
            synchronized (failedProgress) {
                failedProgress.put(attemptKey(execution.job), last);
            }
        });
    }

    /**
     * The last progress of a failed attempt of a job, as the queue reports its failure: of the attempt that ended
     * failing here ({@link #failedWith}), taken once, or of one still running here that the queue failed for its
     * timeout.
     */
    Optional<StepProgress> progressOfFailed(String runId, String step, JobExecution job) {
        StepProgress ended;
        synchronized (failedProgress) {
            ended = failedProgress.remove(attemptKey(job));
        }
        if (ended != null) {
            return Optional.of(ended);
        }
        return executionsOf(runId, step, job).stream()
                .map(StepExecution::latestProgress).flatMap(Optional::stream).findFirst();
    }

    private static String attemptKey(JobExecution job) {
        return job.jobId() + "#" + job.attempt();
    }

    /**
     * The execution ended. If it keeps the lease it took ({@link StepExecution#keepsLeaseOnceEnded}: past its timeout,
     * the queue's report still to come), the lease is left for that report ({@link #leasesLeftBy}), in the same atomic
     * update of the step: an execution beginning here finds it running or its lease left, never neither.
     */
    void end(StepExecution execution) {
        boolean[] leftLease = new boolean[1];
        byStep.computeIfPresent(execution.key, (key, executions) -> {
            // Decided here: a release of the lease (leasesGivenUp) marks it given up before its own update of the step.
            if (execution.keepsLeaseOnceEnded()) {
                leasesLeft.merge(key, List.of(new LeaseLeft(execution.runId, key.substring(execution.runId.length()
                        + 1), execution.leaseAttempt, Optional.of(attemptKey(execution.job)),
                        sequence.incrementAndGet())), StepExecutions::concat);
                awaitingReports.incrementAndGet();
                leftLease[0] = true;
            }
            List<StepExecution> rest = new ArrayList<>(executions);
            rest.remove(execution);
            return rest.isEmpty() ? null : List.copyOf(rest);
        });
        if (leftLease[0]) {
            leaveEldestToRenewal();
        }
        if (byStep.isEmpty()) {
            synchronized (none) {
                none.notifyAll();
            }
        }
    }

    boolean isEmpty() {
        return byStep.isEmpty();
    }

    /**
     * Waits until no execution runs here, at most {@code patience}.
     *
     * @return whether none runs
     */
    boolean awaitNone(Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        synchronized (none) {
            while (!byStep.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(none, left);
            }
        }
        return true;
    }

    /** The executions running here, as run, step and attempt. */
    List<String> describe() {
        List<String> running = new ArrayList<>();
        byStep.forEach((key, executions) -> executions.forEach(e -> running.add("run " + e.runId + " step "
                + key.substring(e.runId.length() + 1) + " attempt " + e.job.attempt())));
        return running;
    }

    private static <T> List<T> concat(List<T> first, List<T> second) {
        List<T> all = new ArrayList<>(first);
        all.addAll(second);
        return List.copyOf(all);
    }

    private static List<StepExecution> with(List<StepExecution> others, StepExecution execution) {
        if (others == null) {
            return List.of(execution);
        }
        List<StepExecution> all = new ArrayList<>(others);
        all.add(execution);
        return List.copyOf(all);
    }
}
