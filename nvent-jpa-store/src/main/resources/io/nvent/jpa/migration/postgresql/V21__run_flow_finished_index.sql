-- nvent store schema, version 21 on PostgreSQL: the index of ../V21__run_flow_finished_index.sql, partial:
-- only finished runs with an end time, the runs the cut-off query asks for (it names the statuses in
-- its text, so that a generic plan can use the index too). Holding (flow, ended_at, run_id), it answers
-- that query from the index alone, entries of one flow side by side, instead of one table page a run.
create index ${prefix}run_flow_finished_idx on ${prefix}run (flow, ended_at desc, run_id desc)
    where status in ('completed', 'failed', 'canceled') and ended_at is not null;
