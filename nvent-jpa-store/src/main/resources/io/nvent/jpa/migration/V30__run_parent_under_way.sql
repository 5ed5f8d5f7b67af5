-- nvent store schema, version 30: whether a run has a child still under way (FlowStore.hasChildRunsUnderWay),
-- asked after each child's end while its parent waits on an await of type CHILDREN. H2 has no partial
-- indexes: one on the parent and the status (see postgresql/ for PostgreSQL's). The count of the children by
-- status, asked once none is under way, reads the index on the parent (V19).
create index ${prefix}run_parent_under_way_idx on ${prefix}run (parent_run_id, status);
