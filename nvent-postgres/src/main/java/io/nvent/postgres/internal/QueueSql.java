package io.nvent.postgres.internal;

/**
 * Every statement of the job queue, with the table prefix filled in once. The prefix is validated
 * as an identifier by the options, so splicing it is safe.
 */
public final class QueueSql {

    /** Epoch microseconds (bigint) to {@code timestamptz}, exactly. */
    private static final String MICROS = "timestamptz 'epoch' + %s * interval '1 microsecond'";
    /** Appends the latest attempt, ended, to the history ({@code %s}: its error). */
    private static final String ENDED_ATTEMPT = "%1$sattempts || jsonb_build_object('attempt', %1$sattempt,"
            + " 'startedAt', %1$sstarted_at, 'endedAt', ?::timestamptz, 'error', %2$s)";

    public final String channel;
    public final String insert;
    /** Inserts jobs that ran as continuations, with their one attempt's outcome. */
    public final String insertContinued;
    public final String notify;
    public final String flushAndClaim;
    /** {@link #flushAndClaim} for jobs after a (priority, id) in claim order only. */
    public final String flushAndClaimAfter;
    public final String nextDue;
    public final String renew;
    public final String fail;
    public final String requeueExpired;
    public final String release;
    public final String unclaim;
    public final String requeueOwn;
    public final String retry;
    public final String redrive;
    public final String discard;
    public final String setPaused;
    public final String isPaused;
    public final String pausedAmong;
    public final String pauseChanges;
    public final String instancesRunning;
    public final String knowQueue;
    public final String queues;
    public final String counts;
    public final String oldestWaiting;
    public final String compactCounts;
    public final String purgeCompleted;
    private final String job;
    private final String countTable;

    public QueueSql(String p) {
        countTable = p + "count";
        channel = p + "jobs";
        String insertRows = "INSERT INTO " + p + "job (queue, job_id, name, payload, priority, max_attempts, backoff, "
                + "initial_delay_ms, max_delay_ms, timeout_ms, retry_schedule, created_at, available_at) "
                + "SELECT q, j, n, pl, pr, ma, b, idm, mdm, tm, rs, " + MICROS.formatted("c") + ", " + MICROS.formatted("a")
                + " FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::int[], ?::text[], "
                + "?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[]) WITH ORDINALITY "
                + "AS t(q, j, n, pl, pr, ma, b, idm, mdm, tm, rs, c, a, ord) ORDER BY ord "
                + "ON CONFLICT (queue, job_id) DO NOTHING RETURNING queue";
        // Ids already present are skipped (ON CONFLICT): only the rows inserted are counted.
        insert = "WITH ins AS (" + insertRows + "), " + tally("SELECT queue, 1, 0, 0, 0 FROM ins")
                + " SELECT count(*) FROM ins";
        // A continued job ran before it had a row: it gets one with the outcome of its first attempt
        // (completed, due again after its backoff, or dead), as a claimed job would have after it.
        String started = MICROS.formatted("s");
        insertContinued = "WITH ins AS (INSERT INTO " + p + "job (queue, job_id, name, payload, priority, max_attempts,"
                + " backoff, initial_delay_ms, max_delay_ms, timeout_ms, retry_schedule, created_at, available_at, state,"
                + " attempt, fence, started_at, finished_at, last_error, attempts) "
                + "SELECT q, j, n, pl, pr, ma, b, idm, mdm, tm, rs, " + started + ", " + MICROS.formatted("a") + ", st, 1, 1, "
                + started + ", CASE WHEN st = 'WAITING' THEN NULL ELSE " + MICROS.formatted("e") + " END, err,"
                + " CASE WHEN err IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('attempt', 1,"
                + " 'startedAt', " + started + ", 'endedAt', " + MICROS.formatted("e") + ", 'error', err)) END"
                + " FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::int[], ?::text[], ?::bigint[],"
                + " ?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[])"
                + " AS t(q, j, n, pl, pr, ma, b, idm, mdm, tm, rs, s, e, a, st, err)"
                + " ON CONFLICT (queue, job_id) DO NOTHING RETURNING queue, state), "
                + tally("SELECT queue, (state = 'WAITING')::int, 0, (state = 'FAILED')::int, (state = 'COMPLETED')::int"
                + " FROM ins") + " SELECT count(*) FROM ins";
        notify = "SELECT pg_notify('" + channel + "', m) FROM unnest(?::text[]) AS m";
        // One round trip: record the finished attempts of this instance (done), then claim up to the
        // free worker slots. Both touch disjoint rows (ACTIVE vs WAITING), so one snapshot is fine.
        // Rows are reached only through "id = ANY(array)" index conditions: a join the planner may
        // turn around (it does, on a table whose statistics still say "empty") would walk the whole
        // table once per round. Completions match on the lease (locked_by), not on state = 'ACTIVE',
        // which would offer the ACTIVE index, holding an entry for every job that ever ran until vacuumed.
        String claim = "WITH done AS ("
                + "UPDATE " + p + "job j SET state = 'COMPLETED', finished_at = "
                + MICROS.formatted("(?::bigint[])[array_position(?::bigint[], j.id)]")
                + ", locked_by = NULL, locked_until = NULL"
                + " WHERE j.id = ANY(?::bigint[]) AND j.fence = (?::int[])[array_position(?::bigint[], j.id)]"
                + " AND j.locked_by = ? RETURNING j.queue"
                + "), next AS ("
                + "SELECT id FROM " + p + "job WHERE queue = ? AND state = 'WAITING' AND available_at <= "
                + MICROS.formatted("?::bigint") + "%s AND NOT EXISTS (SELECT 1 FROM " + p + "queue q WHERE q.queue = ? AND q.paused)"
                + " ORDER BY (-priority), id LIMIT ? FOR UPDATE SKIP LOCKED"
                + "), claimed AS (UPDATE " + p + "job j SET state = 'ACTIVE', attempt = j.attempt + 1, fence = j.fence + 1,"
                + " started_at = " + MICROS.formatted("?::bigint") + ", locked_by = ?, locked_until = "
                + MICROS.formatted("?::bigint")
                + " WHERE j.id = ANY(ARRAY(SELECT id FROM next))"
                + " RETURNING j.id, j.fence, j.queue, j.job_id, j.name, j.payload, j.priority, j.attempt, j.max_attempts,"
                + " j.backoff, j.initial_delay_ms, j.max_delay_ms, j.timeout_ms, j.retry_schedule"
                + "), " + tally("SELECT queue, 0, -1, 0, 1 FROM done UNION ALL SELECT queue, -1, 1, 0, 0 FROM claimed")
                + " SELECT * FROM claimed";
        flushAndClaim = claim.formatted("");
        flushAndClaimAfter = claim.formatted(" AND ((-priority), id) > (-?::int, ?::bigint)");
        // Any job due later was enqueued with a delay or made due again later: the due index holds it.
        nextDue = "SELECT min(available_at) FROM " + p + "job WHERE queue = ? AND state = 'WAITING'"
                + " AND available_at > created_at AND available_at > ?";
        // SKIP LOCKED: a row locked right now is being completed or failed; waiting for it could deadlock.
        renew = "UPDATE " + p + "job j SET locked_until = ? WHERE j.id = ANY(ARRAY(SELECT s.id FROM " + p + "job s"
                + " WHERE s.id = ANY(?::bigint[]) AND s.fence = (?::int[])[array_position(?::bigint[], s.id)]"
                + " AND s.locked_by = ? FOR UPDATE SKIP LOCKED))";
        fail = "WITH f AS (UPDATE " + p + "job SET state = ?, available_at = ?, finished_at = ?, locked_by = NULL,"
                + " locked_until = NULL, last_error = ?, attempts = " + ENDED_ATTEMPT.formatted("", "?::text")
                + " WHERE id = ? AND fence = ? AND state = 'ACTIVE' RETURNING queue, state), "
                + tally("SELECT queue, (state = 'WAITING')::int, -1, (state = 'FAILED')::int, 0 FROM f")
                + " SELECT count(*) FROM f";
        // A lost attempt (its instance died or left) does not use up an attempt: it runs again with
        // the same number; its history entry says what happened.
        String lost = "state = 'WAITING', available_at = ?, locked_by = NULL, locked_until = NULL,"
                + " attempt = greatest(j.attempt - 1, 0), attempts = "
                + ENDED_ATTEMPT.formatted("j.", "?::text || coalesce(j.locked_by, 'unknown')");
        String requeued = "), " + tally("SELECT queue, 1, -1, 0, 0 FROM r") + " SELECT * FROM r";
        requeueExpired = "WITH r AS (UPDATE " + p + "job j SET " + lost + " WHERE j.id = ANY(ARRAY(SELECT id FROM " + p + "job"
                + " WHERE state = 'ACTIVE' AND locked_until < ? ORDER BY locked_until LIMIT 1000 FOR UPDATE SKIP LOCKED))"
                + " RETURNING j.queue, j.job_id" + requeued;
        release = "WITH r AS (UPDATE " + p + "job j SET " + lost + " WHERE j.id = ANY(?::bigint[])"
                + " AND j.fence = (?::int[])[array_position(?::bigint[], j.id)] AND j.locked_by = ? RETURNING j.queue"
                + requeued;
        // A claim undone before its attempt started: no attempt used, nothing in the history.
        unclaim = "WITH r AS (UPDATE " + p + "job j SET state = 'WAITING', attempt = j.attempt - 1, started_at = NULL,"
                + " locked_by = NULL, locked_until = NULL WHERE j.id = ANY(?::bigint[])"
                + " AND j.fence = (?::int[])[array_position(?::bigint[], j.id)] AND j.locked_by = ? RETURNING j.queue"
                + requeued;
        requeueOwn = "WITH r AS (UPDATE " + p + "job j SET " + lost + " WHERE j.state = 'ACTIVE' AND j.locked_by = ?"
                + " RETURNING j.queue" + requeued;
        String again = "WITH r AS (UPDATE " + p + "job SET state = 'WAITING', attempt = 0, available_at = ?, finished_at = NULL";
        String retried = " RETURNING queue), " + tally("SELECT queue, 1, 0, -1, 0 FROM r") + " SELECT count(*) FROM r";
        retry = again + " WHERE queue = ? AND job_id = ? AND state = 'FAILED'" + retried;
        redrive = again + " WHERE queue = ? AND state = 'FAILED'" + retried;
        discard = "WITH r AS (DELETE FROM " + p + "job WHERE queue = ? AND job_id = ? AND state = 'FAILED'"
                + " RETURNING queue), " + tally("SELECT queue, 0, 0, -1, 0 FROM r") + " SELECT count(*) FROM r";
        // The trigger keeps a paused queue's first pause when paused again, and clears them on a resume. updated_at
        // too changes only with paused: it is the time of a pause from before the table kept who (pauseChanges).
        setPaused = "WITH s AS (INSERT INTO " + p + "queue AS q (queue, paused, updated_at, paused_at, paused_by,"
                + " paused_reason) VALUES (?, ?, now(), ?, ?, ?) ON CONFLICT (queue) DO UPDATE SET paused = EXCLUDED.paused,"
                + " updated_at = CASE WHEN q.paused = EXCLUDED.paused THEN q.updated_at ELSE now() END,"
                + " paused_at = EXCLUDED.paused_at, paused_by = EXCLUDED.paused_by,"
                + " paused_reason = EXCLUDED.paused_reason RETURNING queue) SELECT pg_notify('" + channel + "', ?) FROM s";
        isPaused = "SELECT paused FROM " + p + "queue WHERE queue = ?";
        pausedAmong = "SELECT queue FROM " + p + "queue WHERE paused AND queue = ANY (?)";
        // paused_at is null only in the row of a pause from before the columns: the trigger stamps every pause since.
        pauseChanges = "SELECT queue, paused_by, coalesce(paused_at, updated_at), paused_reason, paused_at IS NULL"
                + " FROM " + p + "queue WHERE paused AND queue = ANY (?)";
        instancesRunning = "SELECT DISTINCT locked_by FROM " + p + "job WHERE queue = ? AND state = 'ACTIVE'"
                + " AND locked_by IS NOT NULL AND locked_until >= ?";
        knowQueue = "INSERT INTO " + p + "queue (queue) VALUES (?) ON CONFLICT (queue) DO NOTHING";
        // Queues with jobs, found by a loose index scan (one probe per queue, not a scan of all
        // jobs), plus queues only paused or given workers so far.
        queues = "WITH RECURSIVE q AS ((SELECT queue FROM " + p + "job ORDER BY queue LIMIT 1) UNION ALL"
                + " SELECT (SELECT j.queue FROM " + p + "job j WHERE j.queue > q.queue ORDER BY j.queue LIMIT 1)"
                + " FROM q WHERE q.queue IS NOT NULL)"
                + " SELECT queue FROM q WHERE queue IS NOT NULL UNION SELECT queue FROM " + p + "queue";
        // Counters for all but the delayed jobs, which only the due index knows (they become due by
        // time passing, without a write): no count walks a backlog.
        counts = "SELECT coalesce(sum(c.waiting), 0) - d.n, d.n, coalesce(sum(c.active), 0), coalesce(sum(c.completed), 0),"
                + " coalesce(sum(c.failed), 0) FROM (SELECT count(*) AS n FROM " + p + "job WHERE queue = ?"
                + " AND state = 'WAITING' AND available_at > created_at AND available_at > ?) d"
                + " LEFT JOIN " + p + "count c ON c.queue = ? GROUP BY d.n";
        // The oldest waiting job, through the indexes only, without reading the backlog: a job
        // enqueued without a delay and never made due again (available_at = created_at) has no
        // entry in the due index, but in the claim index it is behind the older ones of its
        // priority (ids grow with enqueue time), so it is the first of its priority's entries with
        // available_at = created_at; the priorities in use are found by a skip scan (a recursive
        // step per priority). Every other waiting job is in the due index, ordered by when it
        // became due. A lane is walked from its start by a row comparison, in index order: with an
        // equality on the priority the planner expects a few rows and reads the whole lane through
        // a bitmap to sort it (24 ms instead of 0.2 ms at 22,000 waiting jobs); a job the walk finds
        // in a later lane is that lane's own to report.
        oldestWaiting = "WITH RECURSIVE lane(np) AS ((SELECT -priority FROM " + p + "job WHERE queue = ?"
                + " AND state = 'WAITING' ORDER BY -priority LIMIT 1) UNION ALL SELECT (SELECT -j.priority FROM "
                + p + "job j WHERE j.queue = ? AND j.state = 'WAITING' AND -j.priority > lane.np"
                + " ORDER BY -j.priority LIMIT 1) FROM lane WHERE lane.np IS NOT NULL)"
                + " SELECT min(t) FROM (SELECT (SELECT CASE WHEN -j.priority = lane.np THEN j.available_at END FROM "
                + p + "job j WHERE j.queue = ? AND j.state = 'WAITING' AND ((-j.priority), j.id) >= (lane.np, 0::bigint)"
                + " AND j.available_at = j.created_at AND j.available_at <= ? ORDER BY (-j.priority), j.id LIMIT 1) AS t"
                + " FROM lane WHERE lane.np IS NOT NULL"
                + " UNION ALL SELECT min(available_at) FROM " + p + "job WHERE queue = ? AND state = 'WAITING'"
                + " AND available_at > created_at AND available_at <= ?) oldest";
        // The slots of backends come and go: fold them into slot 0 now and then.
        compactCounts = "WITH gone AS (DELETE FROM " + p + "count WHERE queue = ? AND slot <> 0"
                + " RETURNING queue, waiting, active, failed, completed), "
                + tally("SELECT * FROM gone", "0") + " SELECT count(*) FROM gone";
        purgeCompleted = "DELETE FROM " + p + "job WHERE id = ANY(ARRAY(SELECT id FROM " + p + "job WHERE queue = ?"
                + " AND state = 'COMPLETED' AND finished_at < ? ORDER BY id LIMIT 5000 FOR UPDATE SKIP LOCKED))";
        job = "SELECT j.id, j.job_id, j.name, j.state, j.payload, j.max_attempts, j.created_at, j.available_at,"
                + " j.attempt, j.started_at, j.finished_at,"
                + " (a.e ->> 'attempt')::int AS a_attempt, (a.e ->> 'startedAt')::timestamptz AS a_started,"
                + " (a.e ->> 'endedAt')::timestamptz AS a_ended, a.e ->> 'error' AS a_error"
                + " FROM (SELECT * FROM " + p + "job WHERE queue = ? AND %s ORDER BY id DESC OFFSET ? LIMIT ?) j"
                + " LEFT JOIN LATERAL jsonb_array_elements(j.attempts) WITH ORDINALITY AS a(e, ord) ON true"
                + " ORDER BY j.id DESC, a.ord";
    }

    /**
     * A data-modifying CTE named {@code tally} that adds changes of the job counts to this backend's
     * row of the count table.
     *
     * @param changes a query of rows (queue, waiting, active, failed, completed): one change each
     */
    private String tally(String changes) {
        return tally(changes, "pg_backend_pid()");
    }

    /**
     * Counts are kept in rows per (queue, slot), the slot being the writing backend: one transaction
     * at a time per backend, so concurrent writers never wait for each other's row, and counts() sums
     * a handful of rows instead of walking the jobs. Every statement that changes a job's state adds
     * its changes here, in the same transaction.
     */
    private String tally(String changes, String slot) {
        return "tally AS (INSERT INTO " + countTable + " AS c (queue, slot, waiting, active, failed, completed)"
                + " SELECT t.q, " + slot + ", sum(t.w), sum(t.a), sum(t.f), sum(t.d)"
                + " FROM (" + changes + ") AS t(q, w, a, f, d) GROUP BY t.q"
                + " ON CONFLICT (queue, slot) DO UPDATE SET waiting = c.waiting + EXCLUDED.waiting,"
                + " active = c.active + EXCLUDED.active, failed = c.failed + EXCLUDED.failed,"
                + " completed = c.completed + EXCLUDED.completed)";
    }

    /**
     * Job records with their attempts, one row per attempt (newest job first). Parameters: queue,
     * then those of the condition, then offset and limit.
     *
     * @param condition {@code state = ?} or an availability test
     */
    public String jobs(String condition) {
        return job.formatted(condition);
    }
}
