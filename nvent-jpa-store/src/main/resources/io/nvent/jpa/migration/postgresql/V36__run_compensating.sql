-- nvent store schema, version 36 on PostgreSQL: the partial indexes of the runs under way (V30: children under way;
-- V31: runs with a deadline) take the runs in the status compensating too (RunStatus.COMPENSATING, since 0.2), named
-- as the queries name the statuses under way, so that a generic plan uses them. Small indexes (runs under way only):
-- built again, quick.
drop index ${prefix}run_parent_under_way_idx;
create index ${prefix}run_parent_under_way_idx on ${prefix}run (parent_run_id)
    where parent_run_id is not null and status in ('running', 'awaiting', 'stalled', 'compensating');
drop index ${prefix}run_deadline_idx;
create index ${prefix}run_deadline_idx on ${prefix}run (deadline, run_id)
    where deadline is not null and status in ('running', 'awaiting', 'stalled', 'compensating');
