-- nvent store schema, version 22: a trigger's concurrency key (TriggerSpec.concurrencyKey,
-- concurrencyKeyFrom, concurrencyKeyPrefix): a fixed key every run it starts holds, or a JSON Pointer to
-- each fire's key in its payload with a prefix put before it. Each at most 200 characters
-- (StartOptions.MAX_CONCURRENCY_KEY_LENGTH, as run.concurrency_key); null for none, as for every trigger
-- stored before this version: nullable columns without a default, so adding them rewrites no row.
alter table ${prefix}flow_trigger add column concurrency_key varchar(200);
alter table ${prefix}flow_trigger add column concurrency_key_from varchar(200);
alter table ${prefix}flow_trigger add column concurrency_key_prefix varchar(200);
