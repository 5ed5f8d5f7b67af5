-- nvent store schema, version 30: the children of a run counted by status from an index (FlowStore.childRunCounts).
--   * A run waiting on an await of type CHILDREN has its children counted after each child's end, and by the
--     maintenance sweep: "select status, count(*) ... where parent_run_id = ? group by status" reads the index
--     alone, one entry per child, instead of every child's row (run_parent_started_idx, V19, holds no status).
-- The same SQL on PostgreSQL and H2.
create index ${prefix}run_parent_status_idx on ${prefix}run (parent_run_id, status);
