package io.nvent.cdi.internal.engine;

import io.nvent.AwaitType;
import io.nvent.RunPosition;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.FlowStore;
import io.nvent.spi.RetentionPurge;
import io.nvent.spi.RunDeadline;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The periodic sweep every instance runs: resolves due time/schedule awaits and times out
 * overdue ones (also those registered on instances that have since died), renews this
 * instance's step leases, ends runs past their deadline, detects steps whose lease ran out (or whose earlier start of this instance id
 * is gone), queues again steps whose job was lost
 * when an instance died, finishes keyed restarts whose instance stopped while their copy waits for the
 * concurrency key its original holds, fails steps left awaiting with no await that could resume them, purges expired run state, picks up trigger changes made on other
 * instances, claims again schedule ticks whose claim was in doubt, follows queue pauses and resumes recorded by other instances, forgets rate-limit groups idle for a day, keeps triggers' histories to their newest entries, recovers the runs of debounce and batch slots whose instance stopped before storing them, and applies the store's retention
 * policy, a few chunks per sweep. Each action claims its work atomically in the
 * store, so concurrent sweeps on several instances do everything once.
 */
public final class Maintenance {

    private static final System.Logger LOG = System.getLogger(Maintenance.class.getName());
    /** Most items one part of a sweep works on; the rest are left to the next sweeps. */
    static final int BATCH = 200;
    /**
     * Most running runs one lost-job check looks at, and awaiting runs one look for stopped restarts; more are looked
     * at in turn over the next checks.
     */
    private static final int LOST_JOB_SCAN = 10_000;
    /** Pause after the first sweep in which every part failed; it doubles with each such sweep. */
    static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    /** How soon a pause or resume recorded by another instance takes effect here. */
    static final Duration PAUSE_CHECK = Duration.ofSeconds(1);
    /**
     * How soon a cancel received by another instance stops the run's steps running here: one read of
     * the runs of those steps, only while steps run here.
     */
    static final Duration CANCEL_CHECK = Duration.ofSeconds(2);
    /**
     * How often the sweep hands on concurrency keys whose holder ended while no instance handed them on
     * (it stopped in between).
     */
    static final Duration KEY_CHECK = Duration.ofSeconds(5);
    /**
     * How often the sweep resolves awaits on a run's children whose last child ended while no instance checked
     * the parent (it stopped in between): a page of the waiting awaits of type CHILDREN, one count of each's
     * children; and a page of those of type DESCENDANTS (a descendant's end whose look up its ancestors never ran,
     * or stopped at its limit), one look below each.
     */
    static final Duration CHILDREN_CHECK = Duration.ofSeconds(5);
    /** How often debounce and batch slots overdue are looked at: those of runs never stored or ended. */
    static final Duration SLOT_CHECK = Duration.ofSeconds(30);
    /** How often the groups of rate limits that started nothing for a day are forgotten. */
    static final Duration RATE_LIMIT_CLEANUP = Duration.ofMinutes(10);
    /**
     * How long one sweep goes on with a retention purge (a chunk of 500 runs took about half a second
     * on PostgreSQL under load): well within the lease renewal's quarter of a lease and liveness's
     * two minutes.
     */
    static final Duration PURGE_BUDGET = Duration.ofSeconds(1);
    /** How often a retention purge that takes more than one sweep says how far it got. */
    static final Duration PURGE_PROGRESS_REPORT = Duration.ofSeconds(30);

    /** What the sweep asks of the engine itself: held failure logs, idle rate-limit groups. */
    private final FlowEngine engine;
    /** The engine's parts the sweep drives, taken from it once. */
    private final LostStepRecovery lostSteps;
    private final OperatorActions operatorActions;
    private final AwaitResolution awaitResolution;
    private final RunDeadlines runDeadlines;
    private final HealthMonitor healthMonitor;
    private final QueuePauses queuePauses;
    private final EngineSettings settings;
    private final TriggerManager triggers;
    private final FlowStore store;
    private final SchedulingStore scheduling;
    private final Clock clock;
    private final Duration triggerRefresh;
    private Instant lastRefresh = Instant.EPOCH;
    private Instant lastPurge = Instant.EPOCH;
    private Instant lastHistoryTrim = Instant.EPOCH;
    private Instant lastRenewal = Instant.EPOCH;
    private Instant lastLostJobCheck = Instant.EPOCH;
    private Instant lastPauseCheck = Instant.EPOCH;
    private Instant lastCancelCheck = Instant.EPOCH;
    private Instant lastKeyCheck = Instant.EPOCH;
    private Instant lastStoppedRestartCheck = Instant.EPOCH;
    private Instant lastChildrenCheck = Instant.EPOCH;
    private Instant lastSlotCheck = Instant.EPOCH;
    /** Where the next look at the awaits on children starts, by await id: after this one, or at the first. */
    private Optional<String> childrenAwaitsFrom = Optional.empty();
    private Optional<String> descendantsAwaitsFrom = Optional.empty();
    /** Where the next look for runs past their deadline starts: after this one, or at the first due. */
    private Optional<RunDeadline> deadlinesFrom = Optional.empty();
    /**
     * Where the next look for keyed restarts stopped while their copy waits for its original's concurrency key
     * starts among the awaiting runs, newest first: after this run, or at the newest.
     */
    private Optional<RunPosition> stoppedRestartsFrom = Optional.empty();
    /** Runs the last look found with a step awaiting no await (id to version), and where the next look starts. */
    private final Map<String, AwaitResolution.AwaitlessSuspect> awaitlessSuspects = new java.util.LinkedHashMap<>();
    private Optional<RunPosition> awaitlessFrom = Optional.empty();
    private Instant lastAwaitlessCheck = Instant.EPOCH;
    private Instant lastRateLimitCleanup = Instant.EPOCH;
    private final int lostJobScan;
    private Map<String, Long> lostJobSuspects = Map.of();
    /** Where the next lost-job check starts among the running runs, newest first: after this run, or at the newest. */
    private Optional<RunPosition> lostJobFrom = Optional.empty();
    /** Where the first look at the current window ended, so that the next window starts there. */
    private Optional<RunPosition> lostJobWindowEnd = Optional.empty();
    private boolean lostJobWindowReachedEnd;
    private boolean lostJobSecondLook;
    private int failedSweeps;
    private Instant resumeAfter = Instant.EPOCH;
    private Optional<RetentionProgress> retention = Optional.empty();

    public Maintenance(FlowEngine engine, TriggerManager triggers, FlowStore store, SchedulingStore scheduling,
                       Clock clock, Duration triggerRefresh) {
        this(engine, triggers, store, scheduling, clock, triggerRefresh, LOST_JOB_SCAN);
    }

    /** A maintenance whose lost-job check reads {@code lostJobScan} running runs at a time (tests). */
    Maintenance(FlowEngine engine, TriggerManager triggers, FlowStore store, SchedulingStore scheduling, Clock clock,
                Duration triggerRefresh, int lostJobScan) {
        this.engine = engine;
        this.lostSteps = engine.lostSteps();
        this.operatorActions = engine.operatorActions();
        this.awaitResolution = engine.awaitResolution();
        this.runDeadlines = engine.runDeadlines();
        this.healthMonitor = engine.healthMonitor();
        this.queuePauses = engine.queuePauses();
        this.settings = engine.settings();
        this.triggers = triggers;
        this.store = store;
        this.scheduling = scheduling;
        this.clock = clock;
        this.triggerRefresh = triggerRefresh;
        this.lostJobScan = lostJobScan;
    }

    /** Runs a sweep every {@code interval} on the executor, and lets the engine's health know to expect them. */
    public ScheduledFuture<?> scheduleOn(ScheduledExecutorService executor, Duration interval) {
        healthMonitor.sweepsEvery(interval, clock.instant());
        return executor.scheduleWithFixedDelay(this::sweep, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * One sweep; safe to call from a timer at any rate. While both parts that read the store on every
     * sweep fail (the store is away), sweeps back off up to {@link #MAX_BACKOFF}, so that an
     * outage does not fill the server's log with the pool's and the persistence provider's warnings
     * every sweep.
     */
    public synchronized void sweep() {
        Instant now = clock.instant();
        // Needs no store: also while sweeps back off, so an outage's summary comes when its minute ends.
        engine.logHeldFailures(now);
        if (now.isBefore(resumeAfter)) {
            healthMonitor.sweepEnded(now);
            return;
        }
        step("lease renewal", now, () -> {
            if (Duration.between(lastRenewal, now).compareTo(settings.leaseDuration().dividedBy(4)) >= 0) {
                lostSteps.renewLeases();
                lastRenewal = now;
            }
        });
        step("cancel check", now, () -> {
            if (Duration.between(lastCancelCheck, now).compareTo(CANCEL_CHECK) >= 0) {
                operatorActions.followCancels();
                lastCancelCheck = now;
            }
        });
        // These two read the store on every sweep; the other parts mostly have nothing to do.
        boolean awaitsRead = step("due awaits", now, () -> {
            // Due awaits this deployment leaves waiting (their step is not deployed here) come first
            // in every read; a batch reaches past them to the others.
            List<AwaitRecord> due = scheduling.dueAwaits(now, BATCH + awaitResolution.dueAwaitsNotDeployed());
            for (AwaitRecord await : due) {
                awaitResolution.handleDue(await, now);
            }
            awaitResolution.keepDueAwaitsNotDeployed(due);
        });
        boolean leasesRead = step("stall detection", now, () -> {
            for (StepLease lease : scheduling.expiredLeases(now, BATCH)) {
                lostSteps.handleExpiredLease(lease);
            }
            lostSteps.takeOverLeasesOfDeadStarts(now, BATCH);
        });
        step("lost job check", now, () -> {
            if (Duration.between(lastLostJobCheck, now).compareTo(settings.leaseDuration()) >= 0) {
                LostStepRecovery.LostJobScan scan = lostSteps.requeueLostSteps(lostJobSuspects, lostJobFrom,
                        lostJobScan);
                lostJobSuspects = scan.suspects();
                moveLostJobWindow(scan);
                lastLostJobCheck = now;
            }
        });
        step("stopped restarts", now, () -> {
            if (Duration.between(lastStoppedRestartCheck, now).compareTo(settings.leaseDuration()) >= 0) {
                stoppedRestartsFrom = operatorActions.finishRestartsWaitingForTheirOriginalsKey(stoppedRestartsFrom,
                        lostJobScan, settings.leaseDuration());
                lastStoppedRestartCheck = now;
            }
        });
        // A lease apart, as the lost-job check: a step awaiting no await for two looks fails (NVENT-0027).
        step("steps awaiting no await", now, () -> {
            if (Duration.between(lastAwaitlessCheck, now).compareTo(settings.leaseDuration()) >= 0) {
                awaitlessFrom = awaitResolution.failAwaitingStepsWithoutAwait(awaitlessSuspects, awaitlessFrom, BATCH,
                        settings.leaseDuration());
                lastAwaitlessCheck = now;
            }
        });
        step("concurrency keys", now, () -> {
            if (Duration.between(lastKeyCheck, now).compareTo(KEY_CHECK) >= 0) {
                awaitResolution.settleUnsettledConcurrencyKeys(BATCH);
                lastKeyCheck = now;
            }
        });
        step("awaits on children", now, () -> {
            if (Duration.between(lastChildrenCheck, now).compareTo(CHILDREN_CHECK) >= 0) {
                childrenAwaitsFrom = awaitResolution.resolveAwaitsOnEndedRunsBelow(AwaitType.CHILDREN,
                        childrenAwaitsFrom, BATCH);
                descendantsAwaitsFrom = awaitResolution.resolveAwaitsOnEndedRunsBelow(AwaitType.DESCENDANTS,
                        descendantsAwaitsFrom, BATCH);
                lastChildrenCheck = now;
            }
        });
        // Every sweep, as the due awaits: a run ends at the first sweep after its deadline, also in virtual time,
        // where a look every few seconds missed a deadline the clock was moved to just after a look. The page is
        // read through an index of the runs under way with a deadline, so a look that finds none costs next to
        // nothing.
        step("run deadlines", now, () -> deadlinesFrom = runDeadlines.timeOutDue(deadlinesFrom, BATCH));
        step("queue pauses", now, () -> {
            if (Duration.between(lastPauseCheck, now).compareTo(PAUSE_CHECK) >= 0) {
                queuePauses.follow();
                engine.workerOverrides().follow();
                lastPauseCheck = now;
            }
        });
        step("idle rate-limit groups", now, () -> {
            if (Duration.between(lastRateLimitCleanup, now).compareTo(RATE_LIMIT_CLEANUP) >= 0) {
                engine.forgetIdleRateLimitGroups(now);
                lastRateLimitCleanup = now;
            }
        });
        step("trigger refresh", now, () -> {
            if (Duration.between(lastRefresh, now).compareTo(triggerRefresh) >= 0) {
                triggers.refresh();
                lastRefresh = now;
            }
        });
        step("ticks in doubt", now, triggers::settleTicksInDoubt);
        step("cut-short catch-ups", now, triggers::resumeCutShortCatchUps);
        step("debounce slots", now, () -> {
            if (Duration.between(lastSlotCheck, now).compareTo(SLOT_CHECK) >= 0) {
                triggers.sweepDebounceSlots(BATCH);
                lastSlotCheck = now;
            }
        });
        step("trigger history trim", now, () -> {
            if (Duration.between(lastHistoryTrim, now).toMinutes() >= 1) {
                triggers.trimHistory();
                lastHistoryTrim = now;
            }
        });
        step("state purge", now, () -> {
            if (Duration.between(lastPurge, now).toMinutes() >= 1) {
                store.purgeExpiredState(now);
                scheduling.purgeRequestKeys(now);
                if (retention.isEmpty()) {
                    retention = Optional.of(new RetentionProgress(store.startRetentionPurge(now), now));
                }
                lastPurge = now;
            }
        });
        step("retention", now, () -> retention.ifPresent(this::goOnWithRetention));
        // Every Instances.REFRESH: this start's record, the records gone a day, the queues no live instance takes.
        // Reported on its own: a view of the instances failing makes no instance not ready (NVENT-0040).
        step("instance record", now, () -> engine.instanceRegistry().refresh(now), true);
        if (!awaitsRead && !leasesRead) {
            failedSweeps++;
            long backoffMs = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failedSweeps - 1, 10));
            resumeAfter = now.plusMillis(backoffMs);
        } else {
            failedSweeps = 0;
        }
        healthMonitor.sweepEnded(clock.instant());
    }

    /**
     * Moves the lost-job check on to the next running runs once it has looked twice at these (a run
     * is requeued only when two checks a lease apart found it unchanged), and back to the newest
     * after the oldest: with more running runs than one check reads, the oldest are checked too, a
     * few leases later, instead of never while the newer ones stay. When one check reads them all,
     * every check compares with the one before. The next window starts where the first look at this
     * one ended: runs the second look read beyond it (others ended meanwhile) were looked at once,
     * and the next window's first look is their second.
     */
    private void moveLostJobWindow(LostStepRecovery.LostJobScan scan) {
        if (lostJobFrom.isEmpty() && scan.reachedEnd()) {
            lostJobSecondLook = false;
        } else if (!lostJobSecondLook) {
            lostJobSecondLook = true;
            lostJobWindowEnd = scan.last();
            lostJobWindowReachedEnd = scan.reachedEnd();
        } else {
            lostJobSecondLook = false;
            lostJobFrom = lostJobWindowReachedEnd ? Optional.empty() : lostJobWindowEnd;
        }
    }

    /**
     * Deletes chunks of the retention purge under way until {@link #PURGE_BUDGET} is spent (at least
     * one), and leaves the rest to the next sweeps: a purge of a big store (retention switched on
     * over 100,000 old runs took about 110 s) must not keep the sweep from renewing leases, resolving
     * due awaits and proving the instance live. A purge that fails is given up; the next one starts
     * a minute after it did.
     */
    private void goOnWithRetention(RetentionProgress purge) {
        Instant until = clock.instant().plus(PURGE_BUDGET);
        try {
            do {
                OptionalInt removed = purge.purge().nextChunk();
                if (removed.isEmpty()) {
                    retention = Optional.empty();
                    if (purge.removed() > 0) {
                        LOG.log(System.Logger.Level.INFO, "NVENT-0141 retention removed {0} finished runs",
                                purge.removed());
                        operatorActions.deleteAwaitsOfDeletedRuns();
                    }
                    return;
                }
                purge.chunkDone(removed.getAsInt());
            } while (clock.instant().isBefore(until));
        } catch (RuntimeException e) {
            retention = Optional.empty();
            throw e;
        }
        Instant now = clock.instant();
        if (Duration.between(purge.lastReport(), now).compareTo(PURGE_PROGRESS_REPORT) >= 0) {
            LOG.log(System.Logger.Level.INFO, "NVENT-0144 retention under way: {0} finished runs removed so far in {1}"
                    + " chunks since {2}; it goes on in the next sweeps", purge.removed(), purge.chunks(), purge.started());
            purge.reported(now);
        }
    }

    /** A retention purge spread over sweeps, with what it did so far. */
    private static final class RetentionProgress {
        private final RetentionPurge purge;
        private final Instant started;
        private Instant lastReport;
        private long removed;
        private long chunks;

        RetentionProgress(RetentionPurge purge, Instant started) {
            this.purge = purge;
            this.started = started;
            this.lastReport = started;
        }

        RetentionPurge purge() {
            return purge;
        }

        Instant started() {
            return started;
        }

        Instant lastReport() {
            return lastReport;
        }

        long removed() {
            return removed;
        }

        long chunks() {
            return chunks;
        }

        void chunkDone(int removedByChunk) {
            removed += removedByChunk;
            chunks++;
        }

        void reported(Instant at) {
            lastReport = at;
        }
    }

    /** Runs one part of the sweep, whose failure is the store's (or a queue's, if it says so); whether it worked. */
    private boolean step(String what, Instant now, Runnable action) {
        return step(what, now, action, false);
    }

    /** Runs one part of the sweep, whose failure is reported on its own if {@code onItsOwn}; whether it worked. */
    private boolean step(String what, Instant now, Runnable action, boolean onItsOwn) {
        Optional<HealthMonitor.Notice> notice;
        boolean worked = true;
        try {
            action.run();
            notice = healthMonitor.partSucceeded(what, now);
        } catch (RuntimeException e) {
            // One failing part (e.g. the database briefly away) must not stop the others or later sweeps.
            worked = false;
            notice = healthMonitor.partFailed(what, e, now, onItsOwn);
        }
        notice.ifPresent(n -> n.cause().ifPresentOrElse(cause -> LOG.log(n.level(), n.message(), cause),
                () -> LOG.log(n.level(), n.message())));
        return worked;
    }
}
