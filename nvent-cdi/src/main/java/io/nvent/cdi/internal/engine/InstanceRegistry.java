package io.nvent.cdi.internal.engine;

import io.nvent.ClusterInstance;
import io.nvent.HealthReport;
import io.nvent.InstanceStatus;
import io.nvent.Instances;
import io.nvent.spi.InstanceRecord;
import io.nvent.spi.JobQueue;
import io.nvent.spi.QueueChange;
import io.nvent.spi.SchedulingStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The record this start of the instance keeps of itself in the scheduling store, refreshed from the maintenance sweep
 * every {@link Instances#REFRESH}, and the view of every start's record. Each refresh also reads the records (one read)
 * and, for the queues of this deployment that no live instance takes (normally none), their counts: a queue with
 * waiting jobs is reported in the health report and logged ({@code NVENT-0030}) at most every {@link #WARN_EVERY}.
 */
final class InstanceRegistry {

    private static final System.Logger LOG = System.getLogger(InstanceRegistry.class.getName());
    /** Most records read at once: far more starts than a deployment has within a day. */
    static final int MOST_READ = 1000;
    /** Most old records one refresh deletes. */
    static final int DELETE_BATCH = 100;
    /** How often a queue that stays untaken is logged again. */
    static final Duration WARN_EVERY = Duration.ofMinutes(5);
    /**
     * How long a start that stopped cleanly still counts as taking its queues: a clean stop is mostly a redeploy or a
     * rolling restart, whose new start may take minutes (migrations, a broker, the server's own start) to write its
     * record. A start that died counts for {@link Instances#GONE_AFTER} only.
     */
    static final Duration RESTART_GRACE = Duration.ofMinutes(5);

    private final SchedulingStore scheduling;
    private final JobQueue queue;
    private final Clock clock;
    private final String instanceId;
    private final String startToken;
    /** The deployed queues, with the flows whose steps use each. */
    private final Supplier<Map<String, Set<String>>> deployedQueues;
    /**
     * The deployed queues this start made up its mind about, once past its grace (NVENT-0037): a live start takes it,
     * or it was warned of. One that only a stopped start in its {@link #RESTART_GRACE} took is looked at again.
     */
    private final Set<String> queuesLookedAt = new java.util.HashSet<>();
    private volatile Optional<InstanceRecord> self = Optional.empty();
    private Instant lastRefresh = Instant.EPOCH;
    private volatile Map<String, Long> untaken = Map.of();
    /** The deployed queues held back on purpose (paused, or set to 0 workers) with waiting jobs, at the latest refresh. */
    private volatile Map<String, String> heldBack = Map.of();
    private volatile long live;
    private final Map<String, Instant> warnedAt = new HashMap<>();
    /**
     * By start ({@code id@token}): what the latest read found of its record. A start is gone once its record has not
     * changed for {@link Instances#GONE_AFTER} by this clock, so that an instance whose clock is behind (or ahead of)
     * this one's shows live while it refreshes.
     */
    private final Map<String, Seen> refreshesSeen = new HashMap<>();
    /** When (by this clock) this start last read the records; empty before its first read. */
    private Optional<Instant> lastRead = Optional.empty();
    /**
     * The starts ({@code id@token}) that a later live start under the same instance id replaced, at the latest read:
     * an id runs one start at a time (it owns its step leases), so such a start is no taker of any queue, and shows
     * gone unless it stopped cleanly.
     */
    private Set<String> replaced = Set.of();
    /**
     * The starts ({@code id@token}) the latest read found stopped or gone ({@link #endedStarts}): what such a start
     * holds in the store (a {@code fire-all} catch-up, {@link OwedCatchUps}) need not wait out its hold.
     */
    private volatile Set<String> ended = Set.of();
    /** The later starts under this instance's id found while this start runs, each warned of once (NVENT-0039). */
    private final Set<String> sharersWarnedOf = new java.util.HashSet<>();

    InstanceRegistry(SchedulingStore scheduling, JobQueue queue, Clock clock, String instanceId, String startToken,
                     Supplier<Map<String, Set<String>>> deployedQueues) {
        this.scheduling = scheduling;
        this.queue = queue;
        this.clock = clock;
        this.instanceId = instanceId;
        this.startToken = startToken;
        this.deployedQueues = deployedQueues;
    }

    /** Records this start: its engine runs the workers given (or is switched off), from now on. */
    synchronized void started(boolean engineEnabled, Map<String, Integer> workers) {
        Instant now = clock.instant();
        // The build with the record, so that the instances show a rolling upgrade's old and new builds side by side.
        self = Optional.of(new InstanceRecord(instanceId, startToken, now, now, Optional.empty(),
                Build.CURRENT.version(), engineEnabled, new TreeMap<>(workers), engineEnabled,
                scheduling.schemaVersion(), Build.CURRENT.commit()));
        lastRefresh = Instant.EPOCH;
        refresh(now);
    }

    /** The workers of this start changed (set at run time): its record shows them from the next sweep on. */
    synchronized void workersChanged(Map<String, Integer> workers) {
        self = self.map(record -> new InstanceRecord(record.instanceId(), record.startToken(), record.startedAt(),
                record.lastSeen(), record.stoppedAt(), record.version(), record.engineEnabled(),
                new TreeMap<>(workers), record.ticksTriggers(), record.storeSchema(), record.commit()));
        lastRefresh = Instant.EPOCH;
    }

    /**
     * Refreshes this start's record, deletes records gone for {@link Instances#KEPT_FOR}, and looks for queues no live
     * instance takes, once every {@link Instances#REFRESH}; does nothing before the start or between refreshes.
     */
    synchronized void refresh(Instant now) {
        if (self.isEmpty() || !scheduling.keepsInstances()
                || Duration.between(lastRefresh, now).compareTo(Instances.REFRESH) < 0) {
            return;
        }
        InstanceRecord seen = self.get().seenAt(now);
        scheduling.saveInstance(seen);
        self = Optional.of(seen);
        scheduling.deleteInstancesSeenBefore(now.minus(Instances.KEPT_FOR), DELETE_BATCH);
        List<ClusterInstance> all = read(now);
        live = all.stream().filter(i -> i.status() == InstanceStatus.LIVE).count();
        untaken = untakenQueues(all, now);
        heldBack = heldBackQueues();
        warnOfQueuesNoneTakes(all, now);
        warnIfReplacedWhileRunning(all);
        lastRefresh = now; // only now: a refresh that failed part way is tried again, and reported failing, next sweep
    }

    /** Records that this start stopped cleanly: it shows as stopped, not gone, until it is deleted a day later. */
    synchronized void stopped() {
        Optional<InstanceRecord> last = self;
        self = Optional.empty(); // no refresh after the stop, even if the store fails it
        last.filter(record -> scheduling.keepsInstances())
                .ifPresent(record -> scheduling.saveInstance(record.stoppedAt(clock.instant())));
    }

    synchronized Instances view() {
        if (!scheduling.keepsInstances()) {
            return new Instances(false, List.of(), Map.of(), scheduling.schemaVersion().isPresent());
        }
        return new Instances(true, read(clock.instant()), untaken, scheduling.schemaVersion().isPresent());
    }

    /**
     * The starts ({@code id@token}) that the latest read of the records found stopped, gone (not refreshed for
     * {@link Instances#GONE_AFTER} by this clock, read before: at its first read a live start whose clock is behind
     * shows gone) or replaced by a later start under their id; empty before the first read, or if the store keeps no
     * instance records. A start not among them may be live, or unknown here.
     */
    Set<String> endedStarts() {
        return ended;
    }

    /** The live starts as the latest refresh counted them; empty if the store keeps no instance records. */
    OptionalLong liveCount() {
        return scheduling.keepsInstances() ? OptionalLong.of(live) : OptionalLong.empty();
    }

    /** The health check of the queues no live instance takes. */
    HealthReport.Check check() {
        if (!scheduling.keepsInstances()) {
            return new HealthReport.Check("queues", true, "not checked: the scheduling store keeps no instance records");
        }
        Map<String, Long> queues = untaken;
        if (queues.isEmpty()) {
            return new HealthReport.Check("queues", true, "every queue with waiting jobs has a live instance taking it"
                    + heldBackDetail());
        }
        return new HealthReport.Check("queues", false, "NVENT-0030 no live instance takes queue(s) " + queues
                + " (waiting jobs): check nvent.queues.include, nvent.queues.exclude and"
                + " nvent.queue.<name>.concurrency of the instances (GET /api/nvent/instances)" + heldBackDetail());
    }

    /**
     * What the check adds of the queues an operator holds back: an operator's choice, which leaves the check as it is,
     * but whose jobs wait all the same, so that whoever reads the report in an incident learns why and what undoes it.
     */
    private String heldBackDetail() {
        Map<String, String> held = heldBack;
        return held.isEmpty() ? "" : "; NVENT-0055 held back by an operator, their jobs waiting: " + held.entrySet()
                .stream().map(e -> "queue " + e.getKey() + " " + e.getValue())
                .collect(java.util.stream.Collectors.joining(", ")) + " (resume a paused one: POST"
                + " /api/nvent/queues/<name>/resume; workers back to configured: DELETE"
                + " /api/nvent/queues/<name>/concurrency; the audit log's NVENT-0016 has every change)";
    }

    /**
     * The deployed queues paused, or set to 0 workers at run time, that have waiting jobs: counts read for those only.
     * One both paused and set to 0 workers says both: a resume alone starts none of its jobs.
     */
    private Map<String, String> heldBackQueues() {
        Map<String, String> found = new TreeMap<>();
        Set<String> deployed = deployedQueues.get().keySet();
        if (deployed.isEmpty()) {
            return found;
        }
        // The sweep that refreshes this followed the recorded pauses a moment ago.
        QueuePauses.Pauses pauses = QueuePauses.pausesOf(queue, scheduling, deployed);
        Map<String, Integer> setAtRunTime = scheduling.queueWorkers();
        Map<String, QueueChange> workersSet = null;
        for (String name : deployed) {
            boolean paused = pauses.isPaused(name);
            boolean noWorkers = setAtRunTime.getOrDefault(name, -1) == 0;
            if (!paused && !noWorkers) {
                continue;
            }
            long waiting = queue.counts(name).waiting();
            if (waiting > 0) {
                // Who did it, read once and only for a queue held back with waiting jobs; one both paused and set to
                // 0 workers says both, so that a resume alone is not taken for the cure.
                List<String> held = new ArrayList<>(2);
                if (paused) {
                    held.add(pauses.describe(name));
                }
                if (noWorkers) {
                    workersSet = workersSet != null ? workersSet : scheduling.queueWorkersChanges();
                    held.add(QueuePauses.describe("set to 0 workers", Optional.ofNullable(workersSet.get(name))));
                }
                found.put(name, String.join(" and ", held) + " (" + waiting + " waiting)");
            }
        }
        return found;
    }

    private List<ClusterInstance> read(Instant now) {
        List<InstanceRecord> records = scheduling.instances(MOST_READ);
        Map<String, Seen> seen = new HashMap<>();
        Map<String, InstanceStatus> byRecord = new HashMap<>();
        records.forEach(record -> byRecord.put(start(record), status(record, now, seen)));
        // Replaced by a later start under the id that is live: not by one gone. Later is the one whose record this
        // start found in the store after the other's, whatever their clocks say (the pod of a start that died, back
        // on a node whose clock is behind, is the later); by the clocks only among records first read together.
        java.util.Comparator<InstanceRecord> byStart = java.util.Comparator
                .<InstanceRecord, Instant>comparing(record -> seen.get(start(record)).firstReadAt())
                .thenComparing(InstanceRecord::startedAt);
        Map<String, InstanceRecord> latestLive = new HashMap<>();
        records.stream().filter(record -> byRecord.get(start(record)) == InstanceStatus.LIVE)
                .forEach(record -> latestLive.merge(record.instanceId(), record,
                        (one, other) -> byStart.compare(one, other) >= 0 ? one : other));
        replaced = records.stream().filter(record -> latestLive.containsKey(record.instanceId())
                        && byStart.compare(record, latestLive.get(record.instanceId())) < 0)
                .map(InstanceRegistry::start).collect(java.util.stream.Collectors.toUnmodifiableSet());
        List<ClusterInstance> all = records.stream().map(record -> {
            boolean thisStart = record.instanceId().equals(instanceId) && record.startToken().equals(startToken);
            return new ClusterInstance(record.instanceId(), record.startToken(),
                    byRecord.get(start(record)) == InstanceStatus.LIVE && replaced.contains(start(record))
                            ? InstanceStatus.GONE : byRecord.get(start(record)),
                    record.startedAt(), record.lastSeen(), record.stoppedAt(), record.version(), record.engineEnabled(),
                    record.queues(), record.ticksTriggers(), thisStart,
                    // This start knows its own build even from a store that does not keep it with the record.
                    thisStart ? record.storeSchema().or(scheduling::schemaVersion) : record.storeSchema(),
                    thisStart ? record.commit().or(Build.CURRENT::commit) : record.commit());
        }).toList();
        // Gone at its first read says only that its last seen time, by its writer's clock, is old: a live start whose
        // clock is behind shows gone until the next read finds it refreshed, so only a second read tells it ended.
        Set<String> readBefore = Set.copyOf(refreshesSeen.keySet());
        refreshesSeen.clear();
        refreshesSeen.putAll(seen);
        ended = all.stream().filter(instance -> instance.status() != InstanceStatus.LIVE)
                .map(instance -> instance.instanceId() + "@" + instance.startToken())
                .filter(start -> byRecord.get(start) != InstanceStatus.GONE || readBefore.contains(start)
                        || replaced.contains(start))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        lastRead = Optional.of(now);
        return all;
    }

    private static String start(InstanceRecord record) {
        return record.instanceId() + "@" + record.startToken();
    }

    /**
     * Stopped if it says so; else gone if its last seen time has not changed for {@link Instances#GONE_AFTER} by this
     * instance's clock: liveness is judged from the record's own refreshes as this start sees them come, never by
     * comparing the writer's clock with this one. A record found that the previous read did not find was written
     * since that read, whatever its clock says: it is taken as changed at its last seen time, but not before that read
     * nor after now. Only at this start's first read, when nothing tells a record written a moment ago from one left
     * by a start that died, is a record taken as changed at its last seen time (or now, if that is ahead of this
     * clock): one whose writer's clock is behind shows gone until the next read finds it refreshed. ({@link #read}
     * shows one that a later live start under its id replaced gone, unless it stopped.)
     */
    private InstanceStatus status(InstanceRecord record, Instant now, Map<String, Seen> seen) {
        String start = start(record);
        Seen before = refreshesSeen.get(start);
        Instant writtenAt = record.lastSeen().isAfter(now) ? now : record.lastSeen();
        Instant changedAt = before != null ? (before.lastSeen().equals(record.lastSeen()) ? before.changedAt() : now)
                : lastRead.filter(writtenAt::isBefore).orElse(writtenAt);
        seen.put(start, new Seen(record.lastSeen(), changedAt, before != null ? before.firstReadAt() : now));
        if (record.stoppedAt().isPresent()) {
            return InstanceStatus.STOPPED;
        }
        return Duration.between(changedAt, now).compareTo(Instances.GONE_AFTER) > 0 ? InstanceStatus.GONE
                : InstanceStatus.LIVE;
    }

    /**
     * Whether the start takes the queue, or took it until lately by this clock: its record changed (a refresh, or its
     * stop) at most {@link Instances#GONE_AFTER} ago, or {@link #RESTART_GRACE} ago for a start that stopped cleanly.
     * So a queue whose last taker crashed is left to nobody 30 s after its last refresh was seen, and one whose last
     * taker stopped cleanly (a redeploy, a rolling restart) only once no start took it for 5 minutes: a new start that
     * takes minutes to write its record is no untaken queue. A start that a later start under its id replaced
     * ({@link #replaced}: an explicit {@code nvent.instance-id} restarted) took nothing since: the new start takes what
     * its own record says, at once.
     */
    private boolean tookLately(ClusterInstance instance, String queue, Instant now) {
        String start = instance.instanceId() + "@" + instance.startToken();
        if (replaced.contains(start)) {
            return false;
        }
        Seen seen = refreshesSeen.get(start);
        Duration grace = instance.status() == InstanceStatus.STOPPED ? RESTART_GRACE : Instances.GONE_AFTER;
        return instance.engineEnabled() && instance.queues().getOrDefault(queue, 0) > 0 && seen != null
                && Duration.between(seen.changedAt(), now).compareTo(grace) <= 0;
    }

    /**
     * What a read found of one start's record: its last seen time, when (by this clock) a read first found that time,
     * and when this start first read the record at all.
     */
    private record Seen(Instant lastSeen, Instant changedAt, Instant firstReadAt) {
    }

    /**
     * Warns (NVENT-0039), once per other start, that a later start under this instance's id has a record while this
     * start still runs: two instances configured with one {@code nvent.instance-id}, or, if that start is no more, a
     * clock of this one's behind its. The other instances then show this start gone and count none of its queues.
     */
    private void warnIfReplacedWhileRunning(List<ClusterInstance> all) {
        if (!replaced.contains(instanceId + "@" + startToken)) {
            return;
        }
        Instant startedAt = self.get().startedAt();
        // The one that replaced it, as read ranked them (found later, whatever its clock says), shows live: by their
        // start times alone, a copy whose clock is behind this one's replaced it without a word.
        all.stream().filter(other -> other.instanceId().equals(instanceId) && !other.startToken().equals(startToken)
                        && other.status() == InstanceStatus.LIVE && sharersWarnedOf.add(other.startToken()))
                .forEach(other -> LOG.log(System.Logger.Level.WARNING, "NVENT-0039 instance id {0} is taken by"
                        + " another start {1} (started at {2}, {3}) while this start {4} (started at {5}) still runs:"
                        + " the instances show this start gone and count none of its queues, and both work under one"
                        + " id; give each instance its own nvent.instance-id (or leave it unset). If start {1} is no"
                        + " more, its clock was ahead of this one''s: sync the clocks", instanceId, other.startToken(),
                        other.startedAt(), other.status().name().toLowerCase(java.util.Locale.ROOT), startToken,
                        startedAt));
    }

    /**
     * Once per start and queue, from the first refresh {@link Instances#GONE_AFTER} after it (the other instances may
     * be starting too): warns of each deployed queue that no start takes or took lately ({@link #tookLately}), jobs
     * waiting or not, unless an operator set it to no workers. A queue only a stopped start took lately is looked at
     * again at the next refresh (a redeploy whose former start took it warns once its {@link #RESTART_GRACE} is over).
     */
    private void warnOfQueuesNoneTakes(List<ClusterInstance> all, Instant now) {
        if (Duration.between(self.get().startedAt(), now).compareTo(Instances.GONE_AFTER) < 0) {
            return;
        }
        Map<String, Integer> setAtRunTime = null;
        for (Map.Entry<String, Set<String>> deployed : deployedQueues.get().entrySet()) {
            String name = deployed.getKey();
            if (queuesLookedAt.contains(name)) {
                continue;
            }
            if (all.stream().anyMatch(instance -> instance.status() != InstanceStatus.STOPPED
                    && tookLately(instance, name, now))) {
                queuesLookedAt.add(name);
                continue;
            }
            if (all.stream().anyMatch(instance -> tookLately(instance, name, now))) {
                continue; // only a stopped start took it: its new start may still be coming up
            }
            if (setAtRunTime == null) {
                setAtRunTime = scheduling.queueWorkers();
            }
            if (setAtRunTime.getOrDefault(name, -1) != 0) {
                LOG.log(System.Logger.Level.WARNING, "NVENT-0037 queue {0}, used by the steps of flow(s) {1}, is taken"
                        + " by no live instance: its jobs will wait until one takes it; check nvent.queues.include,"
                        + " nvent.queues.exclude, nvent.queue.{0}.concurrency (0 leaves it to others) and"
                        + " nvent.engine.enabled on the instances (GET /api/nvent/instances lists which instance takes"
                        + " which queue)", name, String.join(", ", deployed.getValue()));
            }
            queuesLookedAt.add(name);
        }
    }

    /**
     * The deployed queues no start took lately ({@link #tookLately}) that have waiting jobs: counts read for those
     * only.
     */
    private Map<String, Long> untakenQueues(List<ClusterInstance> all, Instant now) {
        Map<String, Long> found = new TreeMap<>();
        Map<String, Integer> setAtRunTime = null;
        for (String name : deployedQueues.get().keySet()) {
            if (all.stream().anyMatch(instance -> tookLately(instance, name, now))) {
                continue;
            }
            if (setAtRunTime == null) {
                setAtRunTime = scheduling.queueWorkers();
            }
            if (setAtRunTime.getOrDefault(name, -1) == 0) {
                // An operator set it to no workers (PUT …/concurrency): its jobs wait on purpose, as a pause's do.
                continue;
            }
            long waiting = queue.counts(name).waiting();
            if (waiting > 0) {
                found.put(name, waiting);
            }
        }
        warnedAt.keySet().removeIf(name -> {
            boolean taken = !found.containsKey(name);
            if (taken) {
                LOG.log(System.Logger.Level.INFO, "NVENT-0031 queue {0} is no longer left to nobody: a live instance"
                        + " takes it, or none of its jobs waits", name);
            }
            return taken;
        });
        found.forEach((name, waiting) -> {
            Instant warned = warnedAt.get(name);
            if (warned == null || !now.isBefore(warned.plus(WARN_EVERY))) {
                warnedAt.put(name, now);
                LOG.log(System.Logger.Level.WARNING, "NVENT-0030 queue {0} has {1} waiting job(s) and no live instance"
                        + " takes it: they wait until one does; check nvent.queues.include, nvent.queues.exclude and"
                        + " nvent.queue.{0}.concurrency (0 leaves it to others) and nvent.engine.enabled on the"
                        + " instances (GET /api/nvent/instances lists which instance takes which queue)", name, waiting);
            }
        });
        return found;
    }
}
