-- nvent store schema, version 15: what the console's run list and run page show of a run without reading
-- its history. given_key is the idempotency key the run was started with as its starter gave it
-- (RunRecord.idempotencyKey; idempotency_key, V4, holds the key derived from it, which cannot be read
-- back); error_text the error of a failed run (RunRecord.error, at most 1,000 characters), cleared when
-- the run is retried. Both null for the runs stored before this version: their histories have them
-- (the flow.start and flow.failed entries). Nullable columns without a default: adding them rewrites
-- no row, and takes the table's lock only for a moment.
alter table ${prefix}run add column given_key varchar(255);
alter table ${prefix}run add column error_text varchar(1000);
