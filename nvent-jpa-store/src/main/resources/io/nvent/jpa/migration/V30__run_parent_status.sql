-- nvent store schema, version 30: the children of a run counted by status from the index on the parent
-- (FlowStore.childRunCounts).
--   * A run waiting on an await of type CHILDREN has its children counted after each child's end, and by the
--     maintenance sweep: "select status, count(*) ... where parent_run_id = ? group by status". The index on the
--     parent (V19) gets the status as its last column, so that the count reads the index, one entry per child,
--     not every child's row; the run list of one parent still reads it in its order (its leading columns are
--     unchanged). A second index on (parent_run_id, status) would have tempted the planner away from that order.
-- The same SQL on PostgreSQL and H2.
drop index ${prefix}run_parent_started_idx;
create index ${prefix}run_parent_started_idx on ${prefix}run (parent_run_id, started_at desc, run_id desc, status);
