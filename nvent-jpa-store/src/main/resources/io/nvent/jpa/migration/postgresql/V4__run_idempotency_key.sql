-- nvent store schema, version 4 on PostgreSQL: the idempotency key a run holds (see
-- ../V4__run_idempotency_key.sql), unique among the runs that have one. A partial index: most runs
-- have none, and a full one would take an entry for each of them, all equal (null) and so all on
-- the same last leaf page, which concurrent run inserts would then contend for.
alter table ${prefix}run add column idempotency_key varchar(64);
create unique index ${prefix}run_idempotency_key_idx on ${prefix}run (idempotency_key)
    where idempotency_key is not null;
