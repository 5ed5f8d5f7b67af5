-- nvent store schema, version 2 on PostgreSQL: a leaner history table (see ../V2__lean_history.sql),
-- and history payloads as text: stored as the engine wrote them (validated JSON) instead of parsed
-- into jsonb on every insert. Nothing queries inside them; run inputs, results and state stay jsonb.
-- Rewrites the history table once.
alter table ${prefix}run_event drop constraint ${prefix}run_event_run_fk;
drop index ${prefix}run_event_type_idx;
alter table ${prefix}run_event alter column payload type text using payload::text;
