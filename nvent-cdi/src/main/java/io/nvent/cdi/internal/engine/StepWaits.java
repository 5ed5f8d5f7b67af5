package io.nvent.cdi.internal.engine;

import io.nvent.AwaitPosition;
import io.nvent.AwaitStatus;
import io.nvent.AwaitType;
import io.nvent.FlowDefinition;
import io.nvent.HistoryEvent;
import io.nvent.RunStatus;
import io.nvent.StepDefinition;
import io.nvent.StepProgress;
import io.nvent.StepStatus;
import io.nvent.StepWait;
import io.nvent.StepWait.Reason;
import io.nvent.cdi.internal.memory.MemoryJobQueue;
import io.nvent.cdi.internal.registry.FlowRegistry;
import io.nvent.spi.AwaitRecord;
import io.nvent.spi.ChildRunCounts;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobQueue;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobState;
import io.nvent.spi.RateLimit;
import io.nvent.spi.RateLimitGroup;
import io.nvent.spi.RunRecord;
import io.nvent.spi.SchedulingStore;
import io.nvent.spi.StepLease;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Answers what the waiting steps of a run wait for ({@link io.nvent.FlowService#waits}), from the
 * queue's view of each step's job and the run's open awaits. Read only, and only when asked: the
 * engine keeps no such state of its own.
 */
final class StepWaits {

    /** How long after a run's last change a step without a visible job counts as queued just now. */
    static final Duration JUST_QUEUED = Duration.ofSeconds(5);

    private final FlowRegistry registry;
    private final JobQueue queue;
    private final SchedulingStore scheduling;
    private final EngineRateLimits rateLimits;
    private final ToIntFunction<String> workersHere;
    private final Function<String, Optional<Instant>> lastChangeOfRun;
    private final BiFunction<String, String, Optional<String>> rateLimitedJobOf;
    private final BiFunction<String, String, Optional<String>> lastJobOf;
    private final Duration missingStepGrace;
    private final BiFunction<String, String, Optional<HistoryEvent>> latestStart;
    private final BiFunction<String, String, Optional<HistoryEvent>> latestRetry;
    private final Function<String, Map<String, StepProgress>> progressOfRun;
    private final BiFunction<String, AwaitType, ChildRunCounts> runsBelowOf;
    private final BiFunction<String, String, Optional<Heartbeats.Heartbeat>> heartbeatHere;
    private final Function<String, Optional<RunStatus>> statusOfRun;
    private final Instant now;
    /** The queues' worker records, read once per call, when a waiting step first asks ({@link #waitsForAWorker}). */
    private Map<String, Integer> queueWorkers;

    /**
     * @param workersHere the workers of a queue on this instance: 0 for a queue left to other instances
     * @param lastChangeOfRun when a run's newest history entry was written, if it has one: a step
     *     queued moments ago may have a job not visible yet (a JMS worker sends it in its own
     *     transaction, committed with the end of its attempt)
     * @param rateLimitedJobOf the job that queued a run's step again under a rate limit, if its
     *     latest {@code step.retry} entry says so
     * @param lastJobOf the job that ran a run's step last, by its latest {@code step.started} entry:
     *     an operator's retry sends that one again
     * @param missingStepGrace how long instances lacking a step hand its job back
     *     ({@link EngineSettings#missingStepGrace()})
     * @param latestStart a run's step's newest {@code step.started} entry, read for a running step
     * @param latestRetry a run's step's newest {@code step.retry} entry, read for a queued step whose
     *     job the queue does not show: it may say the job was handed back
     * @param progressOfRun the progress of a run's running steps as {@link io.nvent.FlowService#progress} shows it:
     *     read after the run given to {@link #of}, it keeps only what the run, read again, shows running
     * @param runsBelowOf the counts of a run's children (or of all its descendants), read for a step awaiting them
     *     (an await of that type)
     * @param heartbeatHere the heartbeats of a run's step running on this instance (when it last sent one, whether it
     *     missed one), for a step with a heartbeat timeout: the instance running it keeps them in memory only
     * @param statusOfRun the status of a run holding a concurrency key a step waits for: one that ended keeps the key
     *     while a step of it still runs
     */
    StepWaits(FlowRegistry registry, JobQueue queue, SchedulingStore scheduling, EngineRateLimits rateLimits,
              ToIntFunction<String> workersHere, Function<String, Optional<Instant>> lastChangeOfRun,
              BiFunction<String, String, Optional<String>> rateLimitedJobOf,
              BiFunction<String, String, Optional<String>> lastJobOf, Duration missingStepGrace,
              BiFunction<String, String, Optional<HistoryEvent>> latestStart,
              BiFunction<String, String, Optional<HistoryEvent>> latestRetry,
              Function<String, Map<String, StepProgress>> progressOfRun,
              BiFunction<String, AwaitType, ChildRunCounts> runsBelowOf,
              BiFunction<String, String, Optional<Heartbeats.Heartbeat>> heartbeatHere,
              Function<String, Optional<RunStatus>> statusOfRun, Instant now) {
        this.runsBelowOf = runsBelowOf;
        this.statusOfRun = statusOfRun;
        this.heartbeatHere = heartbeatHere;
        this.latestStart = latestStart;
        this.latestRetry = latestRetry;
        this.progressOfRun = progressOfRun;
        this.registry = registry;
        this.queue = queue;
        this.scheduling = scheduling;
        this.rateLimits = rateLimits;
        this.workersHere = workersHere;
        this.lastChangeOfRun = lastChangeOfRun;
        this.rateLimitedJobOf = rateLimitedJobOf;
        this.lastJobOf = lastJobOf;
        this.missingStepGrace = missingStepGrace;
        this.now = now;
    }

    /**
     * What the run's steps wait for; for a run that ended, only what its steps still running do
     * (a cancel asked them to stop).
     */
    List<StepWait> of(RunRecord run) {
        boolean ended = run.status().isTerminal();
        Optional<FlowDefinition> flow = registry.flow(run.flow());
        List<StepWait> waits = new ArrayList<>();
        List<AwaitRecord> awaits = null;
        List<StepLease> leases = null;
        Map<String, StepProgress> progress = Map.of();
        Map<String, Instant> beats = Map.of();
        for (Map.Entry<String, StepStatus> entry : run.steps().entrySet()) {
            StepStatus status = entry.getValue();
            if (ended && status != StepStatus.RUNNING) {
                continue;
            }
            Optional<StepDefinition> step = flow.flatMap(f -> f.step(entry.getKey()));
            if (step.isEmpty()) {
                if (status == StepStatus.AWAITING) {
                    if (awaits == null) {
                        awaits = scheduling.awaitsOfRun(run.runId());
                    }
                    awaitingNotDeployed(run, entry.getKey(), awaits).ifPresent(waits::add);
                } else if (status == StepStatus.QUEUED || status == StepStatus.RETRYING || status == StepStatus.RUNNING) {
                    waits.add(notDeployed(run, entry.getKey(), status));
                }
                continue;
            }
            if (status == StepStatus.QUEUED || status == StepStatus.RETRYING) {
                waits.add(inQueue(run, step.get(), status));
            } else if (status == StepStatus.AWAITING) {
                if (awaits == null) {
                    awaits = scheduling.awaitsOfRun(run.runId());
                }
                waits.add(awaiting(run, step.get(), awaits));
            } else if (status == StepStatus.RUNNING) {
                if (leases == null) {
                    leases = scheduling.leasesOfRun(run.runId());
                    progress = progressOfRun.apply(run.runId());
                    beats = scheduling.keepsHeartbeats() ? scheduling.heartbeatsOfRun(run.runId()) : Map.of();
                }
                Optional<StepWait> expired = expiredLease(step.get(), leases);
                Optional<StepProgress> reported = Optional.ofNullable(progress.get(step.get().name()));
                waits.add(withProgress(expired.isPresent() ? expired.get()
                        : withHeartbeat(running(run, step.get()), run, step.get(), reported,
                        Optional.ofNullable(beats.get(step.get().name()))), reported));
            }
        }
        return waits;
    }

    /**
     * Why this deployment cannot run a step of a run: its flow, or the step, is not deployed (removed
     * or renamed in the version deployed here).
     */
    static String whyNotDeployed(FlowRegistry registry, String flow, String step) {
        return registry.flow(flow).isEmpty()
                ? "flow '" + flow + "' of step '" + step + "' is not deployed on this instance"
                : "step '" + step + "' of flow '" + flow + "' is not deployed on this instance";
    }

    /**
     * A step this deployment lacks: where its job waits, found by its usual id in the queues the
     * adapter knows (one look-up per queue, only for such a step), or else the job that took over
     * when an instance lacking the step handed it back, and the operator's ways out.
     */
    private StepWait notDeployed(RunRecord run, String step, StepStatus status) {
        String jobId = StepJob.jobId(run.runId(), step);
        Optional<String> jobQueue = queue.queues().stream()
                .filter(name -> queue.job(name, jobId).filter(StepWaits::isPending).isPresent()).findFirst();
        String what = whyNotDeployed(registry, run.flow(), step);
        if (jobQueue.isEmpty() && status != StepStatus.RUNNING) {
            for (String name : queue.queues()) {
                Optional<JobRecord> handedBack = lastHandedBack(queue, name, run, step).filter(StepWaits::isPending);
                if (handedBack.isPresent()) {
                    return handedBackNotDeployed(step, status, what, handedBack.get());
                }
            }
        }
        String where;
        if (status == StepStatus.RUNNING) {
            where = "it is recorded running, as an instance of another version may still execute it; if its"
                    + " execution was lost, the engine's sweep marks the run stalled and the step failed";
        } else if (jobQueue.isEmpty()) {
            where = "no job of it waits in a queue; once it is deployed again, the engine's sweep queues it again";
        } else if (registry.queues().contains(jobQueue.get()) && missingStepGrace.isZero()) {
            where = "its job waits in queue '" + jobQueue.get() + "', whose workers here fail it (NVENT-0111)"
                    + " unless an instance that has the step takes it first";
        } else if (registry.queues().contains(jobQueue.get())) {
            where = "its job waits in queue '" + jobQueue.get() + "', whose workers here hand it back (NVENT-0171)"
                    + " until an instance that has the step takes it, for up to " + missingStepGrace
                    + " (nvent.upgrade.missing-step-grace), and after that fail it (NVENT-0111)";
        } else {
            where = "its job waits in queue '" + jobQueue.get() + "', which no deployed step uses, so nothing"
                    + " takes it";
        }
        return new StepWait(step, status, Reason.NOT_DEPLOYED, jobQueue.orElse(""), Optional.empty(),
                Optional.empty(), what + ": " + where + "; deploy it again or cancel the run");
    }

    /** A step this deployment lacks whose job an instance lacking it handed back: until when that goes on. */
    private StepWait handedBackNotDeployed(String step, StepStatus status, String what, JobRecord job) {
        Optional<Instant> since = handedBackSince(job);
        String due = job.state() == JobState.DELAYED ? " (due again at " + job.availableAt() + ")" : "";
        String until = since.map(s -> s.plus(missingStepGrace))
                .map(end -> ", and until " + end + " (nvent.upgrade.missing-step-grace, counted from its first"
                        + " hand-back at " + since.get() + "): after that they refuse it as an attempt of the step"
                        + " (NVENT-0111)")
                .orElse("");
        return new StepWait(step, status, Reason.NOT_DEPLOYED, job.queue(),
                job.state() == JobState.DELAYED ? Optional.of(job.availableAt()) : Optional.empty(), Optional.empty(),
                what + ": its job was handed back (NVENT-0171) and waits in queue '" + job.queue() + "'" + due
                        + "; instances that lack the step hand it back until an instance that has the step takes it"
                        + until + "; deploy it again or cancel the run");
    }

    private static Optional<Instant> handedBackSince(JobRecord job) {
        return handBackOf(job).map(StepJob.HandBack::since);
    }

    private static Optional<StepJob.HandBack> handBackOf(JobRecord job) {
        try {
            return StepJob.parse(job.payload()).handBack();
        } catch (IllegalArgumentException notAStepJob) {
            return Optional.empty();
        }
    }

    /**
     * A step whose job an instance lacking it handed back (NVENT-0171): which job took over, how
     * often it was handed back, when it is due again; {@code unseen} when the queue does not show
     * that job, which, once overdue, it may have lost.
     */
    private StepWait handedBack(StepDefinition step, StepStatus status, String jobId, Optional<Integer> count,
                                Instant due, boolean unseen) {
        String when = due.isAfter(now) ? "it is due again at " + due
                : "it has been due again since " + due + (unseen ? "; if the queue lost it, the engine's sweep queues"
                        + " the step again" : "");
        return handedBack(step, status, jobId, count, due, when + ", for an instance that has the step");
    }

    private static StepWait handedBack(StepDefinition step, StepStatus status, String jobId, Optional<Integer> count,
                                       Instant until, String when) {
        String times = count.map(n -> ", handed back " + n + (n == 1 ? " time" : " times")).orElse("");
        return new StepWait(step.name(), status, Reason.HANDED_BACK, step.queue(), Optional.of(until),
                Optional.empty(), "an instance whose deployment lacks the step handed its job back (NVENT-0171) as"
                        + " job '" + jobId + "'" + times + "; " + when);
    }

    /**
     * A step whose job an instance lacking it handed back, as the step's newest {@code step.retry}
     * entry at the run's version says ({@link HandBackEntry}), where the queue shows no such job. The
     * entry records the job's first hand-back in the attempt only: once that is past due, the jobs
     * and due times of the later ones are not known here, only that each is due within
     * {@link StepRunner#LONGEST_HAND_BACK_DELAY} and that they end with the grace period.
     */
    private StepWait recordedHandBack(StepDefinition step, StepStatus status, HandBackEntry entry) {
        if (entry.since().isEmpty() || entry.until().isEmpty()) {
            // Written at every hand-back (before entries were written once): it says when the latest is due.
            return handedBack(step, status, entry.job(), Optional.of(entry.handBacks()), entry.due(), true);
        }
        String goesOn = "instances that lack the step hand it back until " + entry.until().get()
                + " (nvent.upgrade.missing-step-grace, counted from its first hand-back at " + entry.since().get()
                + "), each time due again within " + StepRunner.LONGEST_HAND_BACK_DELAY.toSeconds() + " s";
        // How often: not known here, as the later hand-backs write no entry.
        if (entry.due().isAfter(now)) {
            return handedBack(step, status, entry.job(), Optional.empty(), entry.due(),
                    "it is due again at " + entry.due() + ", for an instance that has the step; " + goesOn);
        }
        Instant latest = entry.dueAtTheLatest();
        return handedBack(step, status, entry.job(), Optional.empty(), latest, "it was due again at " + entry.due()
                + "; " + goesOn + ", for an instance that has the step; the run's history records the first"
                + " hand-back only, so if the queue lost the job, the engine's sweep queues the step again a lease"
                + " after " + latest + ", when the last hand-back is due at the latest");
    }

    private StepWait inQueue(RunRecord run, StepDefinition step, StepStatus status) {
        String name = step.queue();
        if (queue.isPaused(name)) {
            return new StepWait(step.name(), status, Reason.QUEUE_PAUSED, name, Optional.empty(), Optional.empty(),
                    "queue '" + name + "' is paused; the step runs once it is resumed");
        }
        // A job the queue shows as ended is no job of the step's either, and it may be the queue's
        // view lagging (another JMS node's registry still holds the dead letter a retry moved):
        // within moments of the run's change, its job is on its way as much as a missing one is.
        Optional<JobRecord> job = pendingJob(run, step).filter(StepWaits::isPending);
        if (job.isEmpty()) {
            // The queue need not show a delayed job (the JMS broker, on an instance that did not send
            // it), nor a handed-back job that a node lacking the step holds: its history says so.
            Optional<HandBackEntry> handBack = latestRetry.apply(run.runId(), step.name())
                    .flatMap(HandBackEntry::of).filter(entry -> entry.at(run.runId(), step.name(), run.version()));
            if (handBack.isPresent()) {
                return recordedHandBack(step, status, handBack.get());
            }
            Optional<Instant> changed = lastChangeOfRun.apply(run.runId());
            if (changed.isPresent() && Duration.between(changed.get(), now).compareTo(JUST_QUEUED) < 0) {
                return new StepWait(step.name(), status, Reason.WORKER, name, Optional.empty(), Optional.empty(),
                        "its job is on its way to queue '" + name + "' (the run changed at " + changed.get()
                                + ", moments ago; the worker that queued it commits it when its own attempt ends)");
            }
            return noJob(step, status);
        }
        Optional<EngineRateLimits.Kept> kept = rateLimits.of(name);
        RateLimitGroup group = rateLimits.groupOf(name,
                key -> AwaitResolution.stepDataField(run, step, AwaitPosition.BEFORE, key));
        return switch (job.get().state()) {
            case WAITING -> {
                JobCounts counts = queue.counts(name);
                // The adapter holds jobs back under a limit of the whole queue; the engine's limits hold
                // a job's start once a worker took it.
                Optional<RateLimit> limit = queue.rateLimit(name);
                Duration untilAllowed = max(queue.untilRateLimitAllows(name), kept.filter(k -> k.groupKey().isEmpty())
                        .map(k -> rateLimits.untilAllows(group, now)).orElse(Duration.ZERO));
                if (limit.isPresent() && untilAllowed.compareTo(Duration.ZERO) > 0) {
                    // Only while the limit holds starts back: with starts to spare, a worker is what it waits for.
                    String where = kept.map(EngineRateLimits.Kept::describe).orElse(describe(limit.get()));
                    yield rateLimited(step, status, name, where, now.plus(untilAllowed),
                            "waits for the rate limit of queue '" + name + "'", " (" + counts.waiting() + " waiting, "
                                    + counts.active() + " running)");
                }
                // A limit per group holds a job only once a worker takes it; its group's limit tells how soon.
                Duration untilGroupAllows = kept.filter(k -> k.groupKey().isPresent())
                        .map(k -> rateLimits.untilAllows(group, now)).orElse(Duration.ZERO);
                if (untilGroupAllows.compareTo(Duration.ZERO) > 0) {
                    yield rateLimited(step, status, name, kept.get().describe(), now.plus(untilGroupAllows),
                            waitsForAWorker(name) + ", and then for the queue's rate limit" + ofGroup(group), " ("
                                    + counts.waiting() + " waiting, " + counts.active() + " running)");
                }
                yield new StepWait(step.name(), status, Reason.WORKER, name, Optional.empty(), Optional.empty(),
                        waitsForAWorker(name) + " (" + counts.waiting() + " waiting, " + counts.active() + " running)");
            }
            case DELAYED -> {
                Instant due = job.get().availableAt();
                if (StepJob.isHandedBackJob(job.get().jobId())) {
                    yield handedBack(step, status, job.get().jobId(), handBackOf(job.get()).map(StepJob.HandBack::count),
                            due, false);
                }
                if (StepJob.isRateLimitedJob(job.get().jobId()) && kept.isPresent()) {
                    yield rateLimited(step, status, name, kept.get().describe(), due, "queued again for when the rate "
                            + "limit of queue '" + name + "'" + ofGroup(group) + " allows its start", "");
                }
                yield new StepWait(step.name(), status, Reason.DUE_LATER, name, Optional.of(due), Optional.empty(),
                        (status == StepStatus.RETRYING ? "its next attempt is due at " : "it is due at ") + due);
            }
            case ACTIVE -> {
                Optional<Instant> heldBack = rateLimits.waitingUntil(job.get().jobId());
                if (heldBack.isPresent() && kept.isPresent()) {
                    yield rateLimited(step, status, name, kept.get().describe(), heldBack.get(),
                            "a worker of queue '" + name + "' has taken its job and waits for the queue's rate limit"
                                    + ofGroup(group), "");
                }
                Duration untilAllowed = kept.isPresent() ? rateLimits.untilAllows(group, now) : Duration.ZERO;
                if (untilAllowed.compareTo(Duration.ZERO) > 0) {
                    // Held by a worker of another instance, which alone knows whether it waits.
                    yield rateLimited(step, status, name, kept.get().describe(), now.plus(untilAllowed),
                            "a worker of queue '" + name + "' has taken its job; unless it started just now, it waits "
                                    + "for the queue's rate limit" + ofGroup(group) + " or queues the step again", "");
                }
                yield new StepWait(step.name(), status, Reason.STARTING, name, Optional.empty(), Optional.empty(),
                        "a worker of queue '" + name + "' has taken its job and is starting it");
            }
            case COMPLETED, FAILED -> noJob(step, status);
        };
    }

    /**
     * What a waiting job of a queue waits for first: workers an operator set to 0 to be raised, a worker here, or,
     * with none here, one elsewhere.
     */
    private String waitsForAWorker(String queueName) {
        int configured = workersHere.applyAsInt(queueName);
        // A memory queue no engine took waits for good: raising its workers would start none (nothing takes it).
        boolean takenNowhere = configured == 0 && queue instanceof MemoryJobQueue memory
                && !memory.hasWorkers(queueName);
        // The record applies wherever the queue adapter resizes workers (elsewhere it is warned of, NVENT-0048).
        if (!takenNowhere && queue.resizesWorkers()
                && Integer.valueOf(0).equals(queueWorkers().get(queueName))) {
            return setToNone(queueName, configured);
        }
        return configured == 0 ? noWorkerHere(queueName) : "waits for a worker of queue '" + queueName + "'";
    }

    private Map<String, Integer> queueWorkers() {
        if (queueWorkers == null) {
            queueWorkers = scheduling.queueWorkers();
        }
        return queueWorkers;
    }

    /**
     * A queue whose workers an operator set to 0 at run time: no instance that takes it starts its jobs until they
     * are raised. The record keeps the number only; who set it, and when, the audit log says.
     */
    private static String setToNone(String queueName, int configured) {
        String raise = "PUT /api/nvent/queues/" + queueName + "/concurrency with {\"workers\": "
                + Math.max(configured, 1) + "} (QueueControls.setWorkers)";
        return "NVENT-0465 the workers of queue '" + queueName + "' are set to 0 on every instance that takes it, at"
                + " run time: none of its jobs starts until they are raised, " + raise + ", or DELETE it for each"
                + " instance's nvent.queue." + queueName + ".concurrency"
                + (configured > 0 ? " (" + configured + " here)" : "; this instance takes none of its jobs either way"
                        + " (nvent.queue." + queueName + ".concurrency=0, nvent.queues.include or exclude, or the engine"
                        + " disabled here)")
                + "; who set them, and when, the audit log (NVENT-0016) names, not the record";
    }

    /**
     * A queue this instance takes no job of (a worker pool elsewhere, or the engine disabled here), and
     * the instances that take it as far as the queue sees them: those running a job of it now. The memory
     * queue is not shared with other instances: with no worker of it on the queue, nothing takes it.
     */
    private String noWorkerHere(String queueName) {
        String here = "queue '" + queueName + "' has no worker on this instance (nvent.queue." + queueName
                + ".concurrency=0, nvent.queues.include or nvent.queues.exclude, or the engine disabled here)";
        if (queue instanceof MemoryJobQueue memory && !memory.hasWorkers(queueName)) {
            return here + ", and the memory queue (nvent.queue.adapter=memory) is not shared with other instances:"
                    + " nothing in this deployment takes it (a CDI deployment warned of it at start, NVENT-0441); give"
                    + " the queue workers here, or use a shared queue adapter (jms, postgres) for worker pools";
        }
        return here + ": it waits for a worker of an instance that takes the queue"
                + queue.instancesRunning(queueName).map(running -> running.isEmpty()
                ? "; no instance runs a job of it now, and if none takes it, it waits for good"
                : "; instances " + running + " run jobs of it now")
                .orElse(", and waits for good if none does (which instances take it cannot be seen from here)");
    }

    private static StepWait rateLimited(StepDefinition step, StepStatus status, String queueName, String limit,
                                        Instant allowed, String what, String counts) {
        return new StepWait(step.name(), status, Reason.RATE_LIMIT, queueName, Optional.of(allowed), Optional.empty(),
                what + " (" + limit + "), which allows the next start at " + allowed + counts);
    }

    /** A limit the queue adapter keeps alone: on each instance, for the whole queue. */
    private static String describe(RateLimit limit) {
        return "at most " + limit.max() + " per " + limit.per().toMillis() + " ms on each instance";
    }

    private static String ofGroup(RateLimitGroup group) {
        return group.isWholeQueue() ? "" : " for its group " + group.group();
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * The step's job that has yet to run: its usual one, or the one an operator's retry or a stall
     * recovery queued in its place, whose id names the run version that queued it, or the job that
     * ran the step last, which an operator's retry sends again. The version is the run's current
     * one unless the run changed since, which a failed or stalled run rarely does before the step
     * runs; otherwise the step shows as having no job.
     */
    private Optional<JobRecord> pendingJob(RunRecord run, StepDefinition step) {
        Optional<JobRecord> usual = queue.job(step.queue(), StepJob.jobId(run.runId(), step.name()));
        if (usual.isPresent() && isPending(usual.get())) {
            return usual;
        }
        List<String> replacements = new ArrayList<>(List.of(StepJob.manualRetryJobId(run.runId(), step.name(),
                run.version()), StepJob.recoveryJobId(run.runId(), step.name(), run.version())));
        if (rateLimits.of(step.queue()).isPresent()) {
            rateLimitedJobOf.apply(run.runId(), step.name()).ifPresent(replacements::add);
        }
        // An operator's retry sends the job that ran the step last again, under its id of an earlier
        // run version (an earlier retry's, a recovery's, a rate-limit requeue's), which none of the
        // above names once the retry changed the run.
        lastJobOf.apply(run.runId(), step.name())
                .filter(id -> !id.equals(StepJob.jobId(run.runId(), step.name())) && !replacements.contains(id))
                .ifPresent(replacements::add);
        for (String replacement : replacements) {
            Optional<JobRecord> job = queue.job(step.queue(), replacement);
            if (job.isPresent() && isPending(job.get())) {
                return job;
            }
        }
        Optional<JobRecord> handedBack = lastHandedBack(queue, step.queue(), run, step.name());
        return handedBack.isPresent() && isPending(handedBack.get()) ? handedBack : usual;
    }

    /**
     * The latest job that took over a step's job handed back at the run's current version by an
     * instance lacking the step: their numbers run from 1 without gaps, so the last is found by
     * doubling the number until it is missing, then halving the gap (a few look-ups, and only for a
     * step whose own job is not pending).
     */
    static Optional<JobRecord> lastHandedBack(JobQueue queue, String queueName, RunRecord run, String step) {
        java.util.function.IntFunction<Optional<JobRecord>> numbered = n -> queue.job(queueName,
                StepJob.handedBackJobId(run.runId(), step, run.version(), n));
        Optional<JobRecord> last = numbered.apply(1);
        if (last.isEmpty()) {
            return last;
        }
        int held = 1;
        int missing = 2;
        for (Optional<JobRecord> next = numbered.apply(missing); next.isPresent(); next = numbered.apply(missing)) {
            held = missing;
            last = next;
            missing = missing * 2;
        }
        while (missing - held > 1) {
            int middle = (held + missing) >>> 1;
            Optional<JobRecord> found = numbered.apply(middle);
            if (found.isPresent()) {
                held = middle;
                last = found;
            } else {
                missing = middle;
            }
        }
        return last;
    }

    static boolean isPending(JobRecord job) {
        return job.state() != JobState.COMPLETED && job.state() != JobState.FAILED;
    }

    private static StepWait noJob(StepDefinition step, StepStatus status) {
        return new StepWait(step.name(), status, Reason.NO_JOB, step.queue(), Optional.empty(), Optional.empty(),
                "no job of its own waits in queue '" + step.queue() + "': it runs under a recovery job, or, if"
                        + " its job was lost, the engine's sweep queues it again");
    }

    /**
     * A running step whose lease holds (or whose start is about to store it): since when, where and
     * until when its attempt's timeout lets it run, as its newest {@code step.started} entry says;
     * after a cancel, that it was asked to stop.
     */
    private StepWait running(RunRecord run, StepDefinition step) {
        Optional<HistoryEvent> started = latestStart.apply(run.runId(), step.name());
        Optional<Instant> until = started.map(s -> s.timestamp().plus(step.timeout()));
        StringBuilder detail = new StringBuilder("running");
        started.ifPresent(s -> {
            detail.append(" since ").append(s.timestamp()).append(", attempt ").append(s.attempt());
            instanceOf(s).ifPresent(instance -> detail.append(", on instance ").append(instance));
        });
        Optional<Instant> overdue = until.filter(now::isAfter);
        if (overdue.isPresent() && run.status() != RunStatus.CANCELED) {
            // A queue fails the attempt once its code returns (the JMS queue keeps the worker's thread meanwhile):
            // code that ignores the interrupt looked "running" with a timeout "ending" in the past, and nothing said
            // that its worker was taken for good.
            detail.append("; past its timeout of ").append(step.timeout().toMillis()).append(" ms since ")
                    .append(overdue.get()).append(" (").append(nonNegative(Duration.between(overdue.get(), now)))
                    .append("): it was interrupted and runs on, ignoring it, holding a worker of queue '")
                    .append(step.queue()).append("' until its code returns, when the attempt fails as timed out and"
                            + " its result is dropped; cancel the run to end it now (the worker stays taken until the"
                            + " code returns or its instance restarts)");
        } else {
            detail.append(until.map(u -> "; its timeout of " + step.timeout().toMillis() + " ms ends the attempt at "
                    + u).orElse(""));
        }
        if (run.status() == RunStatus.CANCELED) {
            detail.append("; its run was canceled, so it was asked to stop (interrupted, and"
                    + " StepContext.isCancelRequested()); a step that ignores both runs on until it returns, holding its"
                    + " worker");
        }
        return new StepWait(step.name(), StepStatus.RUNNING, Reason.RUNNING, step.queue(), until, Optional.empty(),
                detail.toString());
    }

    /**
     * A running step with a heartbeat timeout, with its last heartbeat: as the instance running it keeps it, or,
     * asked elsewhere, the latest stored, a heartbeat's ({@link io.nvent.spi.SchedulingStore#recordHeartbeat}, at
     * most a quarter of the timeout old, or a second) or its progress report's, which was a heartbeat as well. On the
     * instance running it, a step that missed its heartbeat and runs on, ignoring the interrupt, says so. A step
     * without a heartbeat timeout that calls {@code heartbeat()} shows its last stored heartbeat, and no deadline.
     */
    private StepWait withHeartbeat(StepWait wait, RunRecord run, StepDefinition step,
                                   Optional<StepProgress> reported, Optional<Instant> storedBeat) {
        if (step.heartbeatTimeout().isEmpty()) {
            return storedBeat.map(beat -> new StepWait(wait.step(), wait.status(), wait.reason(), wait.queue(),
                    wait.until(), wait.awaitId(), wait.detail() + "; last heartbeat at " + beat + " ("
                    + nonNegative(Duration.between(beat, now)) + " ago)", wait.progress(), wait.awaitType(),
                    wait.runDeadline(), storedBeat)).orElse(wait);
        }
        Optional<Heartbeats.Heartbeat> beats = heartbeatHere.apply(run.runId(), step.name());
        Optional<Instant> missed = beats.flatMap(Heartbeats.Heartbeat::missedAt);
        if (missed.isPresent()) {
            Instant lastBeforeMiss = missed.get().minus(step.heartbeatTimeout().get());
            return new StepWait(wait.step(), wait.status(), wait.reason(), wait.queue(), wait.until(), wait.awaitId(),
                    wait.detail() + "; it missed its heartbeat at " + missed.get() + " (last heartbeat at "
                            + lastBeforeMiss + ", its heartbeat timeout of " + step.heartbeatTimeout().get().toMillis()
                            + " ms), so it was asked to stop (interrupted); a step that ignores the interrupt runs on"
                            + " until it returns or its timeout, and its attempt then fails for the missed heartbeat",
                    wait.progress(), wait.awaitType(), wait.runDeadline(), Optional.of(lastBeforeMiss));
        }
        Optional<Instant> here = beats.map(Heartbeats.Heartbeat::last);
        Optional<Instant> stored = latest(reported.map(StepProgress::reportedAt), storedBeat);
        Optional<Instant> last = latest(here, stored);
        if (last.isEmpty()) {
            return wait;
        }
        Duration ago = Duration.between(last.get(), now);
        String said = "; last heartbeat at " + last.get() + " (" + (ago.isNegative() ? Duration.ZERO : ago)
                + " ago); fails without one by " + last.get().plus(step.heartbeatTimeout().get())
                + " (its heartbeat timeout of " + step.heartbeatTimeout().get().toMillis() + " ms)";
        return new StepWait(wait.step(), wait.status(), wait.reason(), wait.queue(), wait.until(), wait.awaitId(),
                wait.detail() + said, wait.progress(), wait.awaitType(), wait.runDeadline(), last);
    }

    private static Optional<Instant> latest(Optional<Instant> one, Optional<Instant> other) {
        return one.isPresent() && other.isPresent() ? Optional.of(one.get().isAfter(other.get()) ? one.get()
                : other.get()) : one.or(() -> other);
    }

    private static Duration nonNegative(Duration value) {
        return value.isNegative() ? Duration.ZERO : value;
    }

    private static Optional<String> instanceOf(HistoryEvent started) {
        return readJson(started.data()).filter(data -> data.get("instance") instanceof JsonString)
                .map(data -> data.getString("instance"));
    }

    private static Optional<JsonObject> readJson(String text) {
        try {
            return Optional.of(Json.PROVIDER.createReader(new StringReader(text)).readObject());
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /**
     * A running step with the progress its attempt last reported, if the store keeps one: in numbers, and in
     * the detail for an operator (how far, and since when no report came: a step stuck for minutes shows
     * an old time).
     */
    static StepWait withProgress(StepWait wait, Optional<StepProgress> progress) {
        if (progress.isEmpty()) {
            return wait;
        }
        StepProgress p = progress.get();
        String reported = "; reported " + p.done() + " of " + p.total() + " done (" + p.percent() + " %) at "
                + p.reportedAt() + p.message().map(m -> ": " + m).orElse("");
        return new StepWait(wait.step(), wait.status(), wait.reason(), wait.queue(), wait.until(), wait.awaitId(),
                wait.detail() + reported, progress, wait.awaitType(), wait.runDeadline(), wait.lastHeartbeatAt(),
                wait.awaitTimeoutAt());
    }

    /** A running step whose executing instance stopped renewing its lease: it waits for the sweep. */
    private Optional<StepWait> expiredLease(StepDefinition step, List<StepLease> leases) {
        return leases.stream().filter(l -> l.step().equals(step.name()) && !l.expiresAt().isAfter(now)).findFirst()
                .map(lease -> new StepWait(step.name(), StepStatus.RUNNING, Reason.LEASE_EXPIRED, step.queue(),
                        Optional.empty(), Optional.empty(), "instance " + lease.owner() + " stopped renewing its"
                                + " lease at " + lease.expiresAt() + " (it died or hangs): the engine's sweep marks"
                                + " the run stalled and, if stall recovery is on, queues the step again"));
    }

    /**
     * What this deployment lacks of a run's step, if anything: its flow, or the step in its flow.
     * Its awaits are left waiting here, for a deployment that has it.
     */
    static Optional<String> notDeployed(FlowRegistry registry, String flow, String step) {
        Optional<FlowDefinition> definition = registry.flow(flow);
        if (definition.isEmpty()) {
            return Optional.of("flow '" + flow + "' is not deployed here");
        }
        return definition.get().step(step).isPresent() ? Optional.empty()
                : Optional.of("the deployed flow '" + flow + "' has no step '" + step + "'");
    }

    /**
     * What a step awaiting its run's children (or all its descendants, {@code descendants}) waits for: how many of
     * them are still under way.
     */
    static String runsBelowUnderWay(ChildRunCounts runs, boolean descendants) {
        String kind = descendants ? "descendant" : "child";
        return "waits for its " + kind + " runs to end: " + runs.underWay() + " of " + runs.total() + " " + kind
                + " run" + (runs.total() == 1 ? "" : "s") + " still under way";
    }

    /** An awaiting step this deployment lacks: its await is left waiting (NVENT-0164), due or not. */
    private Optional<StepWait> awaitingNotDeployed(RunRecord run, String step, List<AwaitRecord> awaits) {
        return awaits.stream().filter(a -> a.step().equals(step) && a.status() == AwaitStatus.WAITING).findFirst()
                .map(await -> {
                    Optional<Instant> due = await.resolveAt().or(await::timeoutAt);
                    String when = due.map(t -> t.isAfter(now) ? "is due at " + t : "has been due since " + t)
                            .orElse("waits for " + switch (await.type()) {
                                case EVENT -> "event '" + await.event().orElse("?") + "'";
                                case CHILDREN -> "its child runs to end";
                                case DESCENDANTS -> "its descendant runs to end";
                                default -> "a call of its webhook";
                            });
                    return new StepWait(step, StepStatus.AWAITING, Reason.AWAIT, "", due,
                            Optional.of(await.awaitId()), "NVENT-0164 its " + await.type().name().toLowerCase()
                                    + " await " + when + ", but " + notDeployed(registry, run.flow(), step)
                                    .orElseThrow() + ": it stays waiting (resolving it here is refused) until a "
                                    + "deployment with the step takes it (another instance of a rolling deploy, or "
                                    + "a redeploy)", Optional.empty(), Optional.of(await.type()), Optional.empty(),
                            Optional.empty(), await.timeoutAt());
                });
    }

    private StepWait awaiting(RunRecord run, StepDefinition step, List<AwaitRecord> awaits) {
        Optional<AwaitRecord> open = awaits.stream()
                .filter(a -> a.step().equals(step.name()) && a.status() == AwaitStatus.WAITING).findFirst();
        if (open.isEmpty()) {
            return new StepWait(step.name(), StepStatus.AWAITING, Reason.AWAIT, step.queue(), Optional.empty(),
                    Optional.empty(), "its await has just closed; the step goes on");
        }
        AwaitRecord await = open.get();
        String timeout = await.timeoutAt().map(t -> "; it times out at " + t).orElse("");
        String detail = switch (await.type()) {
            case TIME -> "waits until " + await.resolveAt().map(Instant::toString).orElse("its time") + timeout
                    + await.event().map(key -> ", then for concurrency key '" + key + "' (a delayed start with a"
                            + " key, which it does not hold while it waits for its delay)").orElse("");
            case SCHEDULE -> "waits for the schedule tick at "
                    + await.resolveAt().map(Instant::toString).orElse("its next tick") + timeout;
            case WEBHOOK -> "waits for a call of its webhook" + timeout;
            case EVENT -> "waits for event '" + await.event().orElse("?") + "'" + timeout;
            case CONCURRENCY_KEY -> "waits for concurrency key '" + await.event().orElse("?") + "'"
                    + heldBy(await, holdersAhead(await, scheduling.concurrencyKeyHolderList(await.event().orElse(""))))
                    + (await.concurrencyLimit() == 1
                            ? " (NVENT-0562: runs with one key run one at a time, in the order they began waiting)"
                            : " (NVENT-0562: runs with one key run at most " + await.concurrencyLimit()
                                    + " at a time, in the order they began waiting)");
            case CHILDREN, DESCENDANTS -> runsBelowUnderWay(runsBelowOf.apply(run.runId(), await.type()),
                    await.type() == AwaitType.DESCENDANTS) + timeout;
        };
        return new StepWait(step.name(), StepStatus.AWAITING, Reason.AWAIT, step.queue(),
                await.resolveAt().or(await::timeoutAt), Optional.of(await.awaitId()),
                (await.position() == io.nvent.AwaitPosition.BEFORE ? "before it runs, it " : "after it ran, it ")
                        + detail, Optional.empty(), Optional.of(await.type()), Optional.empty(), Optional.empty(),
                await.timeoutAt());
    }

    /**
     * What the waits add of a holder that ended: it keeps the key while a step of it still runs (a canceled run's
     * step, which a cancel does not interrupt), and the key passes on once that step ends; without such a step, the
     * key was not handed on yet (a store failing as it ended, NVENT-0560), and the next settle hands it on.
     */
    private String endedHolder(String holder) {
        return statusOfRun.apply(holder).filter(RunStatus::isTerminal).map(status -> ", which is "
                + status.wireName() + (scheduling.leasesOfRun(holder).stream().anyMatch(l -> l.expiresAt().isAfter(now))
                        ? " but keeps the key while a step of it still runs (the key passes on once that step ends)"
                        : "; the key passes on at its next settle (the maintenance sweep settles it within seconds)"))
                .orElse("");
    }

    /**
     * The runs a waiting concurrency-key await's run waits behind: the key's holders, but its own run (it got the
     * key and is about to go on).
     */
    static List<String> holdersAhead(AwaitRecord await, List<String> holders) {
        return holders.stream().filter(h -> !h.equals(await.runId())).toList();
    }

    /**
     * Who holds the key a run waits for, as its waits say it: the one run of a limit-1 key, or how many of the
     * run's limit hold it and which.
     */
    private String heldBy(AwaitRecord await, List<String> holders) {
        if (holders.isEmpty()) {
            return "";
        }
        if (await.concurrencyLimit() == 1) {
            // Behind holders of a higher limit, it waits until none holds the key: its own limit says nothing of them.
            return holders.size() == 1 ? ", held by run " + holders.get(0) + endedHolder(holders.get(0))
                    : ", held by " + holders.size() + " runs: " + String.join(", ", holders);
        }
        return ", held by " + holders.size() + " of " + await.concurrencyLimit() + " runs: "
                + String.join(", ", holders);
    }
}
