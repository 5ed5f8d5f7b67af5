-- nvent store schema, version 46 on PostgreSQL: the index of ../V46__run_flow_completed_index.sql, partial: only the
-- completed runs (the stats query names the status in its text, so that a generic plan uses it too). Holding
-- (flow, ended_at), it answers "when did the flow's latest completed run end" with one entry read from its end, from
-- the index alone, however many runs the flow has and however many of its latest ones failed.
create index ${prefix}run_flow_completed_idx on ${prefix}run (flow, ended_at)
    where status = 'completed';
