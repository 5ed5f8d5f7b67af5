package io.nvent.postgres.internal;

import io.nvent.BackoffType;
import io.nvent.RetryPolicy;
import io.nvent.spi.JobAttempt;
import io.nvent.spi.JobCounts;
import io.nvent.spi.JobExecution;
import io.nvent.spi.JobPage;
import io.nvent.spi.JobRecord;
import io.nvent.spi.JobState;
import io.nvent.spi.QueueChange;
import io.nvent.spi.internal.RetrySchedule;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * The queue's JDBC: each method is one statement (one round trip). Methods taking a
 * {@link Connection} run on a connection the caller holds; the others borrow one from the data
 * source for the call.
 */
public final class JobStore {

    private final DataSource dataSource;
    private final QueueSql sql;

    public JobStore(DataSource dataSource, QueueSql sql) {
        this.dataSource = dataSource;
        this.sql = sql;
    }

    public QueueSql sql() {
        return sql;
    }

    // ---------------------------------------------------------------- enqueue and wake-ups

    /** Inserts jobs in order; ids already present in their queue are skipped. */
    public void insert(Connection connection, List<NewJob> jobs) throws SQLException {
        int n = jobs.size();
        JobColumns columns = new JobColumns(n);
        long[] created = new long[n];
        long[] available = new long[n];
        for (int i = 0; i < n; i++) {
            NewJob job = jobs.get(i);
            var r = job.request();
            columns.set(i, r.queue(), r.jobId(), r.name(), r.payload(), r.priority(), r.retry(), r.timeout());
            created[i] = job.createdMicros();
            available[i] = job.availableMicros();
        }
        try (PreparedStatement insert = connection.prepareStatement(sql.insert)) {
            columns.bind(insert, created, available);
            insert.execute();
        }
    }

    /**
     * Inserts jobs that ran as continuations, each with the outcome of its one attempt; ids already
     * present in their queue are skipped.
     *
     * @return how many were inserted
     */
    public long insertContinued(Connection connection, List<ContinuedJob> jobs) throws SQLException {
        int n = jobs.size();
        JobColumns columns = new JobColumns(n);
        long[] started = new long[n];
        long[] ended = new long[n];
        long[] available = new long[n];
        String[] states = new String[n];
        String[] errors = new String[n];
        for (int i = 0; i < n; i++) {
            ContinuedJob job = jobs.get(i);
            ClaimedJob claimed = job.job();
            JobExecution e = claimed.execution();
            columns.set(i, e.queue(), e.jobId(), e.name(), e.payload(), claimed.priority(), claimed.retry(),
                    claimed.timeout());
            started[i] = job.startedMicros();
            ended[i] = job.endedMicros();
            available[i] = job.availableMicros();
            states[i] = job.state().name();
            errors[i] = job.error().orElse(null);
        }
        try (PreparedStatement insert = connection.prepareStatement(sql.insertContinued)) {
            columns.bind(insert, started, ended, available, states, errors);
            return count(insert);
        }
    }

    /** The columns every inserted job has, as arrays: one element per job. */
    private static final class JobColumns {
        final String[] queues;
        final String[] ids;
        final String[] names;
        final String[] payloads;
        final int[] priorities;
        final int[] maxAttempts;
        final String[] backoffs;
        final long[] initialDelays;
        final long[] maxDelays;
        final long[] timeouts;
        /** {@link RetrySchedule}s, {@code null} for a policy with neither list nor jitter. */
        final String[] schedules;

        JobColumns(int n) {
            queues = new String[n];
            ids = new String[n];
            names = new String[n];
            payloads = new String[n];
            priorities = new int[n];
            maxAttempts = new int[n];
            backoffs = new String[n];
            initialDelays = new long[n];
            maxDelays = new long[n];
            timeouts = new long[n];
            schedules = new String[n];
        }

        void set(int i, String queue, String jobId, String name, String payload, int priority, RetryPolicy retry,
                 Duration timeout) {
            queues[i] = queue;
            ids[i] = jobId;
            names[i] = name;
            payloads[i] = payload;
            priorities[i] = priority;
            maxAttempts[i] = retry.maxAttempts();
            backoffs[i] = retry.backoff().name();
            initialDelays[i] = retry.initialDelay().toMillis();
            maxDelays[i] = retry.maxDelay().toMillis();
            timeouts[i] = Math.max(1, timeout.toMillis());
            String schedule = RetrySchedule.of(retry);
            schedules[i] = schedule.isEmpty() ? null : schedule;
        }

        /** Binds these columns, then the statement's own ones, as its parameters in order. */
        void bind(PreparedStatement statement, Object... more) throws SQLException {
            // Java arrays go over the wire as binary PostgreSQL arrays: no per-value formatting.
            Object[] columns = {queues, ids, names, payloads, priorities, maxAttempts, backoffs, initialDelays,
                maxDelays, timeouts, schedules};
            int p = 1;
            for (Object column : columns) {
                statement.setObject(p++, column);
            }
            for (Object column : more) {
                statement.setObject(p++, column);
            }
        }
    }

    /** {@link #insertContinued} on a connection of its own. */
    public long insertContinued(List<ContinuedJob> jobs) {
        return Jdbc.withConnection(dataSource, "NVENT-0829 recording " + jobs.size() + " continued job(s)",
                c -> insertContinued(c, jobs));
    }

    /** Sends notifications on the queue's channel, in order. */
    public void notify(Connection connection, List<String> payloads) throws SQLException {
        try (PreparedStatement notify = connection.prepareStatement(sql.notify)) {
            notify.setObject(1, payloads.toArray(String[]::new));
            notify.execute();
        }
    }

    // ---------------------------------------------------------------- workers

    /**
     * Records completed attempts and claims up to {@code limit} available jobs of a queue, in one
     * statement.
     *
     * @param after when present, claim only jobs after this one in claim order
     */
    public List<ClaimedJob> flushAndClaim(Connection connection, String queue, List<Finished> done, int limit,
                                          Optional<ClaimedJob> after, Instant now, String instance,
                                          Instant lockedUntil) throws SQLException {
        int n = done.size();
        long[] ids = new long[n];
        int[] fences = new int[n];
        long[] ends = new long[n];
        for (int i = 0; i < n; i++) {
            Finished f = done.get(i);
            ids[i] = f.lease().id();
            fences[i] = f.lease().fence();
            ends[i] = f.endedMicros();
        }
        try (PreparedStatement claim = connection.prepareStatement(after.isPresent() ? sql.flushAndClaimAfter
                : sql.flushAndClaim)) {
            int p = 1;
            claim.setObject(p++, ends);
            claim.setObject(p++, ids);
            claim.setObject(p++, ids);
            claim.setObject(p++, fences);
            claim.setObject(p++, ids);
            claim.setString(p++, instance);
            claim.setString(p++, queue);
            claim.setLong(p++, Jdbc.micros(now));
            if (after.isPresent()) {
                claim.setInt(p++, after.get().priority());
                claim.setLong(p++, after.get().id());
            }
            claim.setString(p++, queue);
            claim.setInt(p++, limit);
            claim.setLong(p++, Jdbc.micros(now));
            claim.setString(p++, instance);
            claim.setLong(p, Jdbc.micros(lockedUntil));
            List<ClaimedJob> claimed = new ArrayList<>(limit);
            try (ResultSet rows = claim.executeQuery()) {
                while (rows.next()) {
                    RetryPolicy retry = RetrySchedule.applied(new RetryPolicy(rows.getInt("max_attempts"),
                            BackoffType.valueOf(rows.getString("backoff")),
                            Duration.ofMillis(rows.getLong("initial_delay_ms")),
                            Duration.ofMillis(rows.getLong("max_delay_ms"))), rows.getString("retry_schedule"));
                    // Every claim counts the fence up, every attempt that ends counts the attempt up; an
                    // attempt handed back unfinished (lost lease, shutdown, unclaimed) counts it down
                    // again, so the fence runs ahead once a claim did not end in an outcome.
                    int attempt = rows.getInt("attempt");
                    JobExecution execution = new JobExecution(queue, rows.getString("job_id"), rows.getString("name"),
                            rows.getString("payload"), attempt, retry.maxAttempts(), rows.getInt("fence") > attempt);
                    claimed.add(new ClaimedJob(rows.getLong("id"), rows.getInt("fence"), rows.getInt("priority"),
                            execution, retry, Duration.ofMillis(rows.getLong("timeout_ms"))));
                }
            }
            return claimed;
        }
    }

    /** When the next not-yet-due job of a queue becomes due. */
    public Optional<Instant> nextDue(Connection connection, String queue, Instant now) throws SQLException {
        try (PreparedStatement next = connection.prepareStatement(sql.nextDue)) {
            next.setString(1, queue);
            next.setObject(2, Jdbc.timestamp(now));
            try (ResultSet rows = next.executeQuery()) {
                return rows.next() ? Jdbc.instant(rows, "min") : Optional.empty();
            }
        }
    }

    /** Extends leases this instance holds; returns how many were still current. */
    public int renew(List<Lease> leases, String instance, Instant until) {
        return Jdbc.withConnection(dataSource, "NVENT-0820 renewing " + leases.size() + " leases", c -> {
            try (PreparedStatement renew = c.prepareStatement(sql.renew)) {
                renew.setObject(1, Jdbc.timestamp(until));
                long[] ids = leases.stream().mapToLong(Lease::id).toArray();
                renew.setObject(2, ids);
                renew.setObject(3, leases.stream().mapToInt(Lease::fence).toArray());
                renew.setObject(4, ids);
                renew.setString(5, instance);
                return renew.executeUpdate();
            }
        });
    }

    /**
     * Ends a failed attempt: back to waiting (due at {@code availableAt}) or, after the last
     * attempt, failed.
     *
     * @return whether the attempt was still current
     */
    public boolean fail(Lease lease, boolean again, Instant availableAt, Instant endedAt, String error) {
        return Jdbc.withConnection(dataSource, "NVENT-0821 recording a failed attempt", c -> {
            try (PreparedStatement fail = c.prepareStatement(sql.fail)) {
                fail.setString(1, again ? "WAITING" : "FAILED");
                fail.setObject(2, Jdbc.timestamp(availableAt));
                if (again) {
                    fail.setNull(3, Types.TIMESTAMP_WITH_TIMEZONE);
                } else {
                    fail.setObject(3, Jdbc.timestamp(endedAt));
                }
                fail.setString(4, error);
                fail.setObject(5, Jdbc.timestamp(endedAt));
                fail.setString(6, error);
                fail.setLong(7, lease.id());
                fail.setInt(8, lease.fence());
                return count(fail) == 1;
            }
        });
    }

    /**
     * Hands jobs whose lease ran out back to the queue.
     *
     * @return queue and job id of each
     */
    public List<Map.Entry<String, String>> requeueExpired(Instant now) {
        return Jdbc.withConnection(dataSource, "NVENT-0822 looking for expired leases", c -> {
            try (PreparedStatement requeue = c.prepareStatement(sql.requeueExpired)) {
                requeue.setObject(1, Jdbc.timestamp(now));
                requeue.setObject(2, Jdbc.timestamp(now));
                requeue.setString(3, "lease expired before the attempt ended (instance died or lost the database): ");
                requeue.setObject(4, Jdbc.timestamp(now));
                List<Map.Entry<String, String>> jobs = new ArrayList<>();
                try (ResultSet rows = requeue.executeQuery()) {
                    while (rows.next()) {
                        jobs.add(Map.entry(rows.getString(1), rows.getString(2)));
                    }
                }
                return jobs;
            }
        });
    }

    /**
     * Hands jobs back whose attempts this instance's shutdown cut short: waiting again at once, the
     * attempt not used up, its history entry saying so.
     *
     * @return the queues concerned
     */
    public Set<String> releaseAtShutdown(List<Lease> leases, String instance, Instant now) {
        return release(leases, instance, now, "instance shut down before the attempt ended, job handed back: ");
    }

    /**
     * Hands jobs back whose attempts this instance gives up.
     *
     * @return the queues concerned
     */
    private Set<String> release(List<Lease> leases, String instance, Instant now, String why) {
        return Jdbc.withConnection(dataSource, "NVENT-0823 releasing " + leases.size() + " jobs", c -> {
            try (PreparedStatement release = c.prepareStatement(sql.release)) {
                release.setObject(1, Jdbc.timestamp(now));
                release.setObject(2, Jdbc.timestamp(now));
                release.setString(3, why);
                long[] ids = leases.stream().mapToLong(Lease::id).toArray();
                release.setObject(4, ids);
                release.setObject(5, leases.stream().mapToInt(Lease::fence).toArray());
                release.setObject(6, ids);
                release.setString(7, instance);
                Set<String> queues = new TreeSet<>();
                try (ResultSet rows = release.executeQuery()) {
                    while (rows.next()) {
                        queues.add(rows.getString(1));
                    }
                }
                return queues;
            }
        });
    }

    /** Undoes claims whose attempts never started; returns how many were still this instance's. */
    public int unclaim(List<Lease> leases, String instance) {
        return Jdbc.withConnection(dataSource, "NVENT-0823 handing back " + leases.size() + " jobs not started", c -> {
            try (PreparedStatement unclaim = c.prepareStatement(sql.unclaim)) {
                long[] ids = leases.stream().mapToLong(Lease::id).toArray();
                unclaim.setObject(1, ids);
                unclaim.setObject(2, leases.stream().mapToInt(Lease::fence).toArray());
                unclaim.setObject(3, ids);
                unclaim.setString(4, instance);
                int count = 0;
                try (ResultSet rows = unclaim.executeQuery()) {
                    while (rows.next()) {
                        count++;
                    }
                }
                return count;
            }
        });
    }

    /**
     * Hands back the jobs an instance of the same name held before it restarted: it is not running
     * them any more, so they need not wait for their leases to run out.
     *
     * @return the queues concerned
     */
    public Set<String> requeueOwn(String instance, Instant now) {
        return Jdbc.withConnection(dataSource, "NVENT-0823 handing back jobs of a previous run of " + instance, c -> {
            try (PreparedStatement requeue = c.prepareStatement(sql.requeueOwn)) {
                requeue.setObject(1, Jdbc.timestamp(now));
                requeue.setObject(2, Jdbc.timestamp(now));
                requeue.setString(3, "instance restarted before the attempt ended: ");
                requeue.setString(4, instance);
                Set<String> queues = new TreeSet<>();
                try (ResultSet rows = requeue.executeQuery()) {
                    while (rows.next()) {
                        queues.add(rows.getString(1));
                    }
                }
                return queues;
            }
        });
    }

    // ---------------------------------------------------------------- operations

    public boolean retry(String queue, String jobId, Instant now) {
        return Jdbc.withConnection(dataSource, "NVENT-0824 retrying job " + jobId + " of queue " + queue, c -> {
            try (PreparedStatement retry = c.prepareStatement(sql.retry)) {
                retry.setObject(1, Jdbc.timestamp(now));
                retry.setString(2, queue);
                retry.setString(3, jobId);
                return count(retry) == 1;
            }
        });
    }

    public int redrive(String queue, Instant now) {
        return Jdbc.withConnection(dataSource, "NVENT-0825 redriving queue " + queue, c -> {
            try (PreparedStatement redrive = c.prepareStatement(sql.redrive)) {
                redrive.setObject(1, Jdbc.timestamp(now));
                redrive.setString(2, queue);
                return (int) count(redrive);
            }
        });
    }

    public boolean discard(String queue, String jobId) {
        return Jdbc.withConnection(dataSource, "NVENT-0845 discarding job " + jobId + " of queue " + queue, c -> {
            try (PreparedStatement discard = c.prepareStatement(sql.discard)) {
                discard.setString(1, queue);
                discard.setString(2, jobId);
                return count(discard) == 1;
            }
        });
    }

    /**
     * Persists the pause state, with who paused when pausing ({@code change} empty when resuming), and tells every
     * instance.
     */
    public void setPaused(String queue, Optional<QueueChange> change, String notification) {
        boolean paused = change.isPresent();
        Jdbc.withConnection(dataSource, "NVENT-0826 " + (paused ? "pausing" : "resuming") + " queue " + queue, c -> {
            try (PreparedStatement set = c.prepareStatement(sql.setPaused)) {
                set.setString(1, queue);
                set.setBoolean(2, paused);
                set.setObject(3, change.map(known -> Jdbc.timestamp(known.at())).orElse(null));
                // A pause by nobody (code acting as nobody) is written '', read back as nobody: NULL is what the
                // trigger stamps as a pause written in SQL.
                set.setString(4, change.map(known -> known.by().orElse("")).orElse(null));
                set.setString(5, change.flatMap(QueueChange::reason).orElse(null));
                set.setString(6, notification);
                set.execute();
                return null;
            }
        });
    }

    public boolean isPaused(String queue) {
        return Jdbc.withConnection(dataSource, "NVENT-0827 reading the state of queue " + queue, c -> {
            try (PreparedStatement read = c.prepareStatement(sql.isPaused)) {
                read.setString(1, queue);
                try (ResultSet rows = read.executeQuery()) {
                    return rows.next() && rows.getBoolean(1);
                }
            }
        });
    }

    /** The paused ones among {@code queues}, in one read. */
    public Set<String> pausedAmong(Set<String> queues) {
        if (queues.isEmpty()) {
            return Set.of();
        }
        return Jdbc.withConnection(dataSource, "NVENT-0827 reading the state of queues " + queues, c -> {
            try (PreparedStatement read = c.prepareStatement(sql.pausedAmong)) {
                read.setArray(1, c.createArrayOf("text", queues.toArray()));
                Set<String> paused = new TreeSet<>();
                try (ResultSet rows = read.executeQuery()) {
                    while (rows.next()) {
                        paused.add(rows.getString(1));
                    }
                }
                return paused;
            }
        });
    }

    /**
     * Who paused each of the paused ones among {@code queues}, since when and why, in one read; a pause written before
     * the table kept who is by {@link io.nvent.postgres.PgJobQueue#PAUSED_BEFORE_WHO_WAS_RECORDED}, since the row's
     * last change: not by nobody, which tells of a pause in code.
     */
    public Map<String, QueueChange> pauseChanges(Set<String> queues) {
        if (queues.isEmpty()) {
            return Map.of();
        }
        return Jdbc.withConnection(dataSource, "NVENT-0827 reading who paused queues " + queues, c -> {
            try (PreparedStatement read = c.prepareStatement(sql.pauseChanges)) {
                read.setArray(1, c.createArrayOf("text", queues.toArray()));
                Map<String, QueueChange> changes = new TreeMap<>();
                try (ResultSet rows = read.executeQuery()) {
                    while (rows.next()) {
                        Optional<String> by = rows.getBoolean(5)
                                ? Optional.of(io.nvent.postgres.PgJobQueue.PAUSED_BEFORE_WHO_WAS_RECORDED)
                                : Optional.ofNullable(rows.getString(2)).filter(named -> !named.isBlank());
                        changes.put(rows.getString(1), new QueueChange(by, rows.getObject(3,
                                java.time.OffsetDateTime.class).toInstant(), Optional.ofNullable(rows.getString(4))));
                    }
                }
                return changes;
            }
        });
    }

    /** The instances holding an unexpired lease on a job of the queue at {@code now}. */
    public Set<String> instancesRunning(String queue, Instant now) {
        return Jdbc.withConnection(dataSource, "NVENT-0827 reading the instances running jobs of queue " + queue,
                c -> {
                    try (PreparedStatement read = c.prepareStatement(sql.instancesRunning)) {
                        read.setString(1, queue);
                        read.setObject(2, Jdbc.timestamp(now));
                        Set<String> instances = new TreeSet<>();
                        try (ResultSet rows = read.executeQuery()) {
                            while (rows.next()) {
                                instances.add(rows.getString(1));
                            }
                        }
                        return instances;
                    }
                });
    }

    /** Adds a queue to the known ones (for {@link #queues()}). */
    public void knowQueue(String queue) {
        Jdbc.withConnection(dataSource, "NVENT-0827 registering queue " + queue, c -> {
            try (PreparedStatement know = c.prepareStatement(sql.knowQueue)) {
                know.setString(1, queue);
                know.executeUpdate();
                return null;
            }
        });
    }

    public Set<String> queues() {
        return Jdbc.withConnection(dataSource, "NVENT-0827 listing queues", c -> {
            Set<String> queues = new TreeSet<>();
            try (PreparedStatement list = c.prepareStatement(sql.queues); ResultSet rows = list.executeQuery()) {
                while (rows.next()) {
                    queues.add(rows.getString(1));
                }
            }
            return queues;
        });
    }

    public JobCounts counts(String queue, Instant now) {
        return Jdbc.withConnection(dataSource, "NVENT-0827 counting jobs of queue " + queue, c -> {
            try (PreparedStatement count = c.prepareStatement(sql.counts)) {
                count.setString(1, queue);
                count.setObject(2, Jdbc.timestamp(now));
                count.setString(3, queue);
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    return new JobCounts(rows.getLong(1), rows.getLong(2), rows.getLong(3), rows.getLong(4),
                            rows.getLong(5));
                }
            }
        });
    }

    /** When the queue's oldest waiting job became due; empty when none waits. */
    public Optional<Instant> oldestWaitingSince(String queue, Instant now) {
        return Jdbc.withConnection(dataSource, "NVENT-0827 reading the oldest waiting job of queue " + queue, c -> {
            try (PreparedStatement oldest = c.prepareStatement(sql.oldestWaiting)) {
                oldest.setString(1, queue);
                oldest.setString(2, queue);
                oldest.setString(3, queue);
                oldest.setObject(4, Jdbc.timestamp(now));
                oldest.setString(5, queue);
                oldest.setObject(6, Jdbc.timestamp(now));
                try (ResultSet rows = oldest.executeQuery()) {
                    return rows.next() ? Jdbc.instant(rows, "min") : Optional.empty();
                }
            }
        });
    }

    public List<JobRecord> jobs(String queue, JobState state, int offset, int limit, Instant now) {
        return records(listed(queue, state, OptionalLong.empty(), offset, limit, now), queue);
    }

    /**
     * Jobs in a state listed before a job's row id, newest first (the order of {@link #jobs}): the id in
     * the page's last row, for the next page. Through an index (the primary key, or the failed jobs' index for dead
     * letters) from that id down, as the first page of {@link #jobs} reads from the newest.
     */
    public JobPage jobsBefore(String queue, JobState state, OptionalLong beforeId, int limit, Instant now) {
        Map<Long, Row> rows = listed(queue, state, beforeId, 0, limit, now);
        Optional<Long> last = rows.keySet().stream().reduce((first, second) -> second);
        return new JobPage(records(rows, queue), rows.size() < limit ? Optional.empty() : last.map(id -> "i" + id));
    }

    private Map<Long, Row> listed(String queue, JobState state, OptionalLong beforeId, int offset, int limit,
                                  Instant now) {
        // Literal states, so the planner can use the partial indexes.
        String condition = switch (state) {
            case WAITING -> "state = 'WAITING' AND available_at <= ?";
            case DELAYED -> "state = 'WAITING' AND available_at > ?";
            case ACTIVE -> "state = 'ACTIVE'";
            case COMPLETED -> "state = 'COMPLETED'";
            case FAILED -> "state = 'FAILED'";
        } + (beforeId.isPresent() ? " AND id < ?" : "");
        return Jdbc.withConnection(dataSource, "NVENT-0827 listing jobs of queue " + queue, c -> {
            try (PreparedStatement list = c.prepareStatement(sql.jobs(condition))) {
                int parameter = 1;
                list.setString(parameter++, queue);
                if (state == JobState.WAITING || state == JobState.DELAYED) {
                    list.setObject(parameter++, Jdbc.timestamp(now));
                }
                if (beforeId.isPresent()) {
                    list.setLong(parameter++, beforeId.getAsLong());
                }
                list.setInt(parameter++, Math.max(0, offset));
                list.setInt(parameter, Math.max(0, limit));
                return rows(list, now);
            }
        });
    }

    public Optional<JobRecord> job(String queue, String jobId, Instant now) {
        return Jdbc.withConnection(dataSource, "NVENT-0827 reading job " + jobId + " of queue " + queue, c -> {
            try (PreparedStatement read = c.prepareStatement(sql.jobs("job_id = ?"))) {
                read.setString(1, queue);
                read.setString(2, jobId);
                read.setInt(3, 0);
                read.setInt(4, 1);
                return records(rows(read, now), queue).stream().findFirst();
            }
        });
    }

    /** Deletes completed jobs that finished before a time, at most a few thousand per call. */
    public int purgeCompleted(String queue, Instant before) {
        return Jdbc.withConnection(dataSource, "NVENT-0828 purging completed jobs of queue " + queue, c -> {
            try (PreparedStatement purge = c.prepareStatement(sql.purgeCompleted)) {
                purge.setString(1, queue);
                purge.setObject(2, Jdbc.timestamp(before));
                return purge.executeUpdate();
            }
        });
    }

    /** Folds the count rows of backends into one row per queue, so they do not pile up. */
    public long compactCounts(String queue) {
        return Jdbc.withConnection(dataSource, "NVENT-0828 compacting the counts of queue " + queue, c -> {
            try (PreparedStatement compact = c.prepareStatement(sql.compactCounts)) {
                compact.setString(1, queue);
                return count(compact);
            }
        });
    }

    /** The single number a statement ending in {@code SELECT count(*) ...} returns. */
    private static long count(PreparedStatement statement) throws SQLException {
        try (ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static List<JobRecord> records(Map<Long, Row> rows, String queue) {
        return rows.values().stream().map(row -> row.toRecord(queue)).toList();
    }

    /** The jobs a query reads, by row id in the order read, each with its attempts. */
    private static Map<Long, Row> rows(PreparedStatement query, Instant now) throws SQLException {
        Map<Long, Row> rows = new LinkedHashMap<>();
        try (ResultSet result = query.executeQuery()) {
            while (result.next()) {
                long id = result.getLong("id");
                Row row = rows.get(id);
                if (row == null) {
                    Instant availableAt = Jdbc.instant(result, "available_at").orElseThrow();
                    JobState state = JobState.valueOf(result.getString("state"));
                    if (state == JobState.WAITING && availableAt.isAfter(now)) {
                        state = JobState.DELAYED;
                    }
                    Optional<JobAttempt> latest = Optional.empty();
                    Optional<Instant> latestStart = Jdbc.instant(result, "started_at");
                    if ((state == JobState.ACTIVE || state == JobState.COMPLETED) && latestStart.isPresent()) {
                        // The running or successful attempt lives in plain columns, not in the history.
                        latest = Optional.of(new JobAttempt(result.getInt("attempt"), latestStart.get(),
                                Jdbc.instant(result, "finished_at"), Optional.empty()));
                    }
                    row = new Row(result.getString("job_id"), result.getString("name"), state,
                            result.getString("payload"), result.getInt("max_attempts"),
                            Jdbc.instant(result, "created_at").orElseThrow(), availableAt, new ArrayList<>(), latest);
                    rows.put(id, row);
                }
                Optional<Instant> started = Jdbc.instant(result, "a_started");
                if (started.isPresent()) {
                    row.history().add(new JobAttempt(result.getInt("a_attempt"), started.get(),
                            Jdbc.instant(result, "a_ended"), Optional.ofNullable(result.getString("a_error"))));
                }
            }
        }
        return rows;
    }

    /** A job as read: the failed or lost attempts from the history, then the latest one. */
    private record Row(String jobId, String name, JobState state, String payload, int maxAttempts, Instant createdAt,
                       Instant availableAt, List<JobAttempt> history, Optional<JobAttempt> latest) {

        JobRecord toRecord(String queue) {
            List<JobAttempt> attempts = new ArrayList<>(history);
            latest.ifPresent(attempts::add);
            return new JobRecord(queue, jobId, name, state, payload, maxAttempts, createdAt, availableAt, attempts);
        }
    }
}
