-- nvent store schema, version 42 on PostgreSQL: the index of ../V42__run_await_waiting_index.sql, partial: only the
-- waiting awaits (the status named as the query names it, so that a generic plan uses it too). The sweep's look for
-- runs awaiting with no await reads the waiting awaits' runs and steps from it alone into a hash, once a look,
-- instead of a probe into the awaits' table per awaiting run (about 4 pages each: 160,000 for 40,000 awaiting runs).
-- Small (waiting awaits only), whatever the number of resolved awaits kept.
create index ${prefix}run_await_waiting_idx on ${prefix}run_await (run_id, step_name) where status = 'waiting';
