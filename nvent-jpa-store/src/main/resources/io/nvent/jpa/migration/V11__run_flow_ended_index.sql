-- nvent store schema, version 11: an index on a flow's runs by end time, for retention by count per
-- flow (nvent.store.retention.max-finished-runs-per-flow). The purge finds a flow's cut-off (the
-- end of its N-th newest finished run) by reading the index backwards from the newest, and then
-- the runs that ended before it by a range of the index, chunk by chunk, instead of sorting every
-- finished run of the flow for each chunk. (The age purge uses run_status_ended_idx, schema V1.)
-- The same SQL on PostgreSQL and H2.
create index ${prefix}run_flow_ended_idx on ${prefix}run (flow, ended_at, run_id);
