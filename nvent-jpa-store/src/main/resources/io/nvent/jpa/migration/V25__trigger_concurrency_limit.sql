-- nvent store schema, version 25: a trigger's concurrency limit (TriggerSpec.concurrencyLimit: up to that many
-- runs of one of its keys at a time). Null for 1, as for every trigger stored before this version: a nullable
-- column without a default, so adding it rewrites no row.
alter table ${prefix}flow_trigger add column concurrency_limit integer;
