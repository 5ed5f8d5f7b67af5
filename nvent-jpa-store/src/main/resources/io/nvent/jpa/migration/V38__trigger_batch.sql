-- nvent store schema, version 38: batching triggers (TriggerSpec.batch). flow_trigger keeps a trigger's batch size, its
-- window in whole seconds and its key pointer; null for none, as for every trigger stored before this version:
-- nullable columns without a default, so adding them rewrites no row.
-- A batch is a row of trigger_debounce (V35) whose payload is the JSON array of its fires' payloads
-- (SchedulingStore.appendBatch); fire_keys holds the idempotency keys of the fires appended to it, one a line, so that a
-- sender's retry is appended once; null for none, as for every debounce slot.
-- The same SQL on PostgreSQL and H2.
alter table ${prefix}flow_trigger add column batch_max integer;
alter table ${prefix}flow_trigger add column batch_window_s bigint;
alter table ${prefix}flow_trigger add column batch_key_from varchar(255);
alter table ${prefix}trigger_debounce add column fire_keys ${text_type};
