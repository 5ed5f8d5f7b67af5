-- nvent store schema, version 42: the steps of the waiting awaits, by run, for the sweep's look for runs awaiting
-- with no await (SchedulingStore.runsAwaitingWithoutAwait), which anti-joins the awaiting steps of the awaiting runs
-- to them. H2 has no partial indexes: one on the status, the run and the step (see postgresql/ for PostgreSQL's).
create index ${prefix}run_await_waiting_idx on ${prefix}run_await (status, run_id, step_name);
