-- nvent store schema, version 31: a run's timeout and deadline (StartOptions.timeout, FlowStep.runTimeoutMs).
--   * run.run_timeout_ms: how long the run may take; null for a run without a timeout, as for every run stored
--     before this version.
--   * run.deadline: when it times out (its start, or its latest retry once it ended, plus the timeout); null
--     without a timeout.
--   * run_deadline_idx: the maintenance sweep of every instance asks for the runs under way past their deadline
--     (FlowStore.runsPastDeadline), earliest first. H2 has no partial indexes: one on the status and the deadline,
--     so that the look reads the runs under way alone; led by the deadline, it would read every run that ended
--     with a deadline now past as well (see postgresql/ for PostgreSQL's, which holds only the runs under way with
--     a deadline).
alter table ${prefix}run add column run_timeout_ms bigint;
alter table ${prefix}run add column deadline timestamp with time zone;
create index ${prefix}run_deadline_idx on ${prefix}run (status, deadline);
