-- nvent store schema, version 2: a leaner history table (H2; PostgreSQL: postgresql/V2__lean_history.sql).
-- A history row costs most of what a run writes, and its foreign key and type index were the part of
-- that cost that protected nothing the store does not already guarantee:
--   * the foreign key: history is only appended in the transaction that holds the run's row lock,
--     and the store deletes a run's history in the transaction that deletes the run;
--   * the type index: a run's history is read through the primary key (run_id, seq), and a filter by
--     type reads the run's rows in that range.
alter table ${prefix}run_event drop constraint ${prefix}run_event_run_fk;
drop index ${prefix}run_event_type_idx;
