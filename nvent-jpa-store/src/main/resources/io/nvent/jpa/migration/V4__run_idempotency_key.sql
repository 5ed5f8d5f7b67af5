-- nvent store schema, version 4: the idempotency key a run holds (FlowStore.createRun with a key),
-- unique, so that of two starts with one key only one creates a run, and freed with its row when
-- the run is deleted. Null for runs started without a key; a unique index allows many nulls.
alter table ${prefix}run add column idempotency_key varchar(64);
create unique index ${prefix}run_idempotency_key_idx on ${prefix}run (idempotency_key);
