-- nvent store schema, version 30 on PostgreSQL: the index of ../V30__run_parent_under_way.sql, partial: only the
-- children under way (the statuses named as the query names them, so that a generic plan uses it too). Whether
-- a run has a child under way reads one entry, however many of its children ended: asked after each child's
-- end, counting them all would read N² entries for a batch of N. Small (children under way only), it is added
-- rather than the parent's index (V19) rebuilt, and the run list of one parent keeps reading that one in its
-- order: the partial index holds no order, and its predicate does not match the list's query.
create index ${prefix}run_parent_under_way_idx on ${prefix}run (parent_run_id)
    where parent_run_id is not null and status in ('running', 'awaiting', 'stalled');
