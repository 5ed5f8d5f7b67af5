-- nvent store schema, version 21: an index on a flow's finished runs, newest end first, for the cut-off
-- of retention by count per flow (nvent.store.retention.max-finished-runs-per-flow): the end of a
-- flow's N-th newest finished run. Read in its order, the cut-off query stops at the N-th entry, and
-- at the flow's last finished run when it has fewer: it no longer reads (and sorts) every run of the
-- flow to leave out the unfinished ones, the rows of which are spread over the whole table.
-- On H2 a plain index (H2 has no partial one); on PostgreSQL a partial one, see postgresql/V21.
create index ${prefix}run_flow_finished_idx on ${prefix}run (flow, ended_at desc, run_id desc);
