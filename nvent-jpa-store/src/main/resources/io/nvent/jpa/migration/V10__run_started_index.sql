-- nvent store schema, version 10: an index in the order of the run list without a filter (newest
-- first, FlowStore.findRuns with neither flow nor status: the console's default Runs view), so that
-- a page of it, and the page after a cursor, is read from the index's start instead of by sorting
-- every stored run (a parallel full scan and top-N sort, ~300 ms at 200,000 runs on PostgreSQL).
-- The same SQL on PostgreSQL and H2, both can read an index backwards too.
create index ${prefix}run_started_idx on ${prefix}run (started_at desc, run_id desc);
