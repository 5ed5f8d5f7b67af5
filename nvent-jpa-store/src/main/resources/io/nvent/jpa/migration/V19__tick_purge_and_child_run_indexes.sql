-- nvent store schema, version 19: two indexes in the shape of the queries that read them.
--   * Tick claims: the sweep forgets the claims of ticks scheduled before a cut-off (purgeTickClaims,
--     "scheduled_at < ?"), which neither the primary key (trigger_name, scheduled_at: the time second)
--     nor the index on claimed_at served, so each sweep read the whole table. An index on scheduled_at
--     replaces the one on claimed_at, which no query reads.
--   * Child runs: the runs one run started (RunQuery.withParentRunId), newest first, are read in the
--     order of the run list (as run_started_idx, V10) instead of sorting all of a parent's children
--     for each page. It replaces the index on parent_run_id alone, which it covers.
-- The same SQL on PostgreSQL and H2.
create index ${prefix}schedule_tick_scheduled_idx on ${prefix}schedule_tick (scheduled_at);
drop index ${prefix}schedule_tick_claimed_idx;
create index ${prefix}run_parent_started_idx on ${prefix}run (parent_run_id, started_at desc, run_id desc);
drop index ${prefix}run_parent_idx;
