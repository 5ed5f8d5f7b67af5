package io.nvent.cdi.internal.engine;

import io.nvent.HeartbeatTimeoutException;
import io.nvent.StepProgress;
import io.nvent.spi.JobExecution;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

/**
 * The step executions under way on this instance, by run and step. Two executions of one step
 * overlap here in two cases: a duplicate job (a stall-recovery job and the queue's redelivery of
 * the original), which must not run the step again; and the retry of an attempt that timed out but
 * ignores its interrupt, which must run, since the timed-out attempt's result will be refused.
 */
final class StepExecutions {

    /** One attempt of a step running here, on the worker thread that began it. */
    static final class StepExecution {
        private final String runId;
        private final String key;
        private final JobExecution job;
        private final long number;
        private final Thread worker = Thread.currentThread();
        private final long beganNanos = System.nanoTime();
        private final long timeoutNanos;
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
        /**
         * What the attempt interceptors' scopes name the attempt as ({@link io.nvent.spi.AttemptScope#trace}); empty for
         * nothing.
         */
        private volatile Map<String, String> trace = Map.of();
        /** The writes of this attempt under way that the store makes without checking its lease. */
        private int uncheckedWrites;
        /** Whether this attempt's writes go to the store checked from now on ({@link #closeUncheckedWrites}). */
        private boolean uncheckedWritesClosed;
        /** What runs once the last write under way unchecked has ended, after they were closed; null if none. */
        private Runnable afterUncheckedWrites;
        /** How often a delivery of the step gave way to this attempt, which keeps the step's lease. */
        private final AtomicInteger giveWays = new AtomicInteger();
        /** The heartbeats of a step with a heartbeat timeout, which the watchdog watches; null for any other. */
        private volatile Heartbeats.Heartbeat heartbeat;
        /** Why the watchdog failed the attempt for a missed heartbeat; null unless it did. */
        private volatile HeartbeatTimeoutException missedHeartbeat;
        /** Whether the attempt runs the job its worker took to continue with ({@link StepQueueing#isContinuation}). */
        private volatile boolean continued;

        private StepExecution(String runId, String key, JobExecution job, Duration timeout, long number) {
            this.runId = runId;
            this.key = key;
            this.job = job;
            this.number = number;
            this.timeoutNanos = timeout.toNanos();
        }

        /** Marks the attempt as running the job its worker took to continue with, which no queue holds. */
        void markContinued() {
            continued = true;
        }

        /**
         * {@return whether the attempt runs the job its worker took to continue with: a stop that cuts it short
         * leaves no job of it in the queue}
         */
        boolean isContinued() {
            return continued;
        }

        /** {@return the attempt of the step this execution runs, as the step sees it} */
        int attempt() {
            return job.attempt();
        }

        /**
         * {@return this execution's number among those begun here, which its lease names (StepLease#execution):
         * unlike the attempt, no two executions of a step here share one, an operator's retry of the step included,
         * whose attempts the queue counts from 1 again}
         */
        long number() {
            return number;
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
            if (cancelRequested || missedHeartbeat != null) {
                worker.interrupt();
            }
        }

        /**
         * The step's code ended: a cancel no longer interrupts the worker, and an interrupt a cancel
         * left does not reach the engine's writes that follow (nor the worker's next job).
         */
        synchronized void invoked() {
            invoking = false;
            if (cancelRequested || missedHeartbeat != null) {
                Thread.interrupted();
            }
        }

        /** The attempt's step sends heartbeats to {@code beats}, which the watchdog watches while its code runs. */
        void beatsTo(Heartbeats.Heartbeat beats) {
            heartbeat = beats;
        }

        /** {@return the heartbeats of the attempt, for a step with a heartbeat timeout} */
        Optional<Heartbeats.Heartbeat> heartbeat() {
            return Optional.ofNullable(heartbeat);
        }

        /**
         * The watchdog found no heartbeat within the step's heartbeat timeout: the attempt fails ({@link
         * #missedHeartbeat()}), and its worker is interrupted while the step's code runs, as for its timeout.
         */
        synchronized void missedHeartbeat(HeartbeatTimeoutException why) {
            missedHeartbeat = why;
            if (invoking && worker != Thread.currentThread()) {
                worker.interrupt();
            }
        }

        /** {@return why the attempt failed for a missed heartbeat; empty unless it did} */
        Optional<HeartbeatTimeoutException> missedHeartbeat() {
            return Optional.ofNullable(missedHeartbeat);
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

        /**
         * The attempt is past its timeout: the queue fails it, or failed it, and its retry may run. Stale for that,
         * unless it was for another reason before.
         */
        void markStaleForItsTimeout() {
            markStale("the queue fails the attempt for its timeout of " + timeout().toMillis()
                    + " ms, and its retry may run");
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

        /** The attempt interceptors' scopes name it as {@code fields} ({@link io.nvent.spi.AttemptScope#trace}). */
        void tracedAs(Map<String, String> fields) {
            trace = fields;
        }

        /** {@return what the attempt interceptors' scopes name the attempt as; empty for nothing} */
        Map<String, String> trace() {
            return trace;
        }

        /** {@return what the attempt leaves for the entry that records its failure} */
        Left left() {
            return new Left(latestProgress(), trace);
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
     * What an attempt that failed leaves for the entry recording its failure ({@code step.retry}, {@code step.failed}):
     * the last progress it reported and what the attempt interceptors' scopes named it as.
     *
     * @param progress the last progress it reported, if any
     * @param trace what the attempt interceptors' scopes named it as ({@link io.nvent.spi.AttemptScope#trace}); empty
     *     for nothing
     */
    record Left(Optional<StepProgress> progress, Map<String, String> trace) {

        /** Nothing left: no progress, no trace. */
        static final Left NOTHING = new Left(Optional.empty(), Map.of());

        boolean isEmpty() {
            return progress.isEmpty() && trace.isEmpty();
        }
    }

    /** How many ended attempts' progress and trace {@link #failedWith} keeps at most, should their failures not come. */
    static final int MOST_FAILED_KEPT = 1_000;

    private final Map<String, List<StepExecution>> byStep = new ConcurrentHashMap<>();
    /**
     * The last progress and trace of attempts that failed and ended here, by job and attempt, until their failure is
     * recorded ({@link #leftByFailed}): the queue reports the failure once the attempt has ended.
     */
    private final Map<String, Left> failedProgress = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Left> eldest) {
            return size() > MOST_FAILED_KEPT;
        }
    };
    /** Notified when the last execution here ends. */
    private final Object none = new Object();
    /** The number of the execution begun here last; the lease owner is this start's own, so numbers from 1 do. */
    private final AtomicLong lastNumber = new AtomicLong();

    /** Registers an execution of {@code step} of {@code runId} that starts now. */
    StepExecution begin(String runId, String step, JobExecution job, Duration timeout) {
        StepExecution execution = new StepExecution(runId, runId + ":" + step, job, timeout,
                lastNumber.incrementAndGet());
        byStep.compute(execution.key, (key, others) -> with(others, execution));
        return execution;
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

    /** Whether the execution numbered {@code number} of the step is registered here, timed out or not. */
    boolean runs(String runId, String step, long number) {
        for (StepExecution execution : byStep.getOrDefault(runId + ":" + step, List.of())) {
            if (execution.number == number) {
                return true;
            }
        }
        return false;
    }

    /** Whether an execution of the step runs here that has not been failed for its timeout. */
    boolean isRunning(String runId, String step) {
        return byStep.getOrDefault(runId + ":" + step, List.of()).stream().anyMatch(e -> !e.timedOut);
    }

    /**
     * The heartbeats of the attempt of the step running here (when it last sent one, whether it missed one), for a
     * step with a heartbeat timeout; empty for any other, and if none runs here (another instance runs it, or none
     * does).
     */
    Optional<Heartbeats.Heartbeat> heartbeat(String runId, String step) {
        for (StepExecution execution : byStep.getOrDefault(runId + ":" + step, List.of())) {
            Heartbeats.Heartbeat beats = execution.heartbeat;
            if (!execution.timedOut && beats != null) {
                return Optional.of(beats);
            }
        }
        return Optional.empty();
    }

    /**
     * Records that the queue failed this attempt for its timeout while it may still run here.
     *
     * @return the executions of the attempt running here; empty if it does not
     */
    List<StepExecution> markTimedOut(String runId, String step, JobExecution job) {
        List<StepExecution> found = new ArrayList<>(1);
        for (StepExecution execution : byStep.getOrDefault(runId + ":" + step, List.of())) {
            if (execution.job.jobId().equals(job.jobId()) && execution.job.attempt() == job.attempt()) {
                execution.timedOut = true;
                found.add(execution);
            }
        }
        return found;
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
     * Keeps the last progress and the trace of an attempt that ended failing, for the queue's report of its failure
     * ({@link #leftByFailed}). Not for one the queue already failed for its timeout ({@link #markTimedOut}):
     * it reported that one while the attempt ran. One that merely outlived its timeout is kept: a queue that
     * checks the timeout once the step's code returned (JMS) reports its failure after this.
     */
    void failedWith(StepExecution execution) {
        if (execution.timedOut) {
            return;
        }
        Left left = execution.left();
        if (!left.isEmpty()) {
            synchronized (failedProgress) {
                failedProgress.put(attemptKey(execution.job), left);
            }
        }
    }

    /**
     * The last progress and the trace of a failed attempt of a job, as the queue reports its failure: of the attempt
     * that ended failing here ({@link #failedWith}), taken once, or of one still running here that the queue failed
     * for its timeout.
     */
    Left leftByFailed(String runId, String step, JobExecution job) {
        Left ended;
        synchronized (failedProgress) {
            ended = failedProgress.remove(attemptKey(job));
        }
        if (ended != null) {
            return ended;
        }
        return byStep.getOrDefault(runId + ":" + step, List.of()).stream()
                .filter(execution -> attemptKey(execution.job).equals(attemptKey(job)))
                .map(StepExecution::left).filter(left -> !left.isEmpty()).findFirst().orElse(Left.NOTHING);
    }

    private static String attemptKey(JobExecution job) {
        return job.jobId() + "#" + job.attempt();
    }

    void end(StepExecution execution) {
        if (execution.heartbeat != null) {
            execution.heartbeat.end();
        }
        byStep.computeIfPresent(execution.key, (key, executions) -> {
            if (executions.size() == 1 && executions.get(0) == execution) {
                return null; // the usual case, every step: the step ran here once at a time
            }
            List<StepExecution> rest = new ArrayList<>(executions);
            rest.remove(execution);
            return rest.isEmpty() ? null : List.copyOf(rest);
        });
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

    private static List<StepExecution> with(List<StepExecution> others, StepExecution execution) {
        if (others == null) {
            return List.of(execution);
        }
        List<StepExecution> all = new ArrayList<>(others);
        all.add(execution);
        return List.copyOf(all);
    }
}
