-- nvent store schema, version 43: who paused a queue, or set its workers at run time, and why
-- (SchedulingStore.setQueuePaused and setQueueWorkers with a QueueChange); when is paused_at and set_at,
-- from the engine's clock. By '' for a change made in code acting as nobody (no operator's name is empty); null for
-- a row stored without a change, or before this version: who made it is unknown.
-- Nullable columns without a default: neither PostgreSQL nor H2 rewrites anything for them beyond the small tables.
alter table ${prefix}queue_pause add column paused_by varchar(200);
alter table ${prefix}queue_pause add column pause_reason varchar(1000);
alter table ${prefix}queue_workers add column set_by varchar(200);
alter table ${prefix}queue_workers add column set_reason varchar(1000);
