-- nvent store schema, version 46: an index on a flow's runs by status and end time, for the end of its latest
-- completed run (FlowStats.lastCompletedAt), read with the flow's counts each time they are asked for (the console's
-- flow list and live statistics, code waiting for runs to complete). Without it the end time of every completed run
-- of the flow is read from its table page, each time. On H2 (and other databases) a plain index led by the flow and
-- the status, the end time descending: H2 reads the latest end as the index's first entry only in the index's order
-- (RunTables.stats); on PostgreSQL a partial one of the completed runs alone, see postgresql/V46.
create index ${prefix}run_flow_completed_idx on ${prefix}run (flow, status, ended_at desc);
