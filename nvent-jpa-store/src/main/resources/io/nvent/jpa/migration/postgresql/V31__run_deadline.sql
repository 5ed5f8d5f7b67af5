-- nvent store schema, version 31 on PostgreSQL: the columns of ../V31__run_deadline.sql, and its index partial:
-- only the runs under way with a deadline (the statuses named as the query names them, so that a generic plan
-- uses it too). Runs without a timeout, and runs that ended, are not in it: they cost it nothing, and the sweep's
-- look for the runs past their deadline reads only those it returns.
alter table ${prefix}run add column run_timeout_ms bigint;
alter table ${prefix}run add column deadline timestamp with time zone;
create index ${prefix}run_deadline_idx on ${prefix}run (deadline, run_id)
    where deadline is not null and status in ('running', 'awaiting', 'stalled');
