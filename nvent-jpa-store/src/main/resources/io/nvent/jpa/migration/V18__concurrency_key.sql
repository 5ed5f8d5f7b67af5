-- nvent store schema, version 18: concurrency keys (StartOptions.concurrencyKey: runs with one key run one
-- at a time). concurrency_key on the run table is the key a run was started with (RunRecord.concurrencyKey),
-- null for the runs without one: a nullable column without a default, so adding it rewrites no row. The
-- table concurrency_key has one row per key a run ever held, naming the run that holds it now (null while
-- it is free). Its primary key makes the first insert of a key the only one, and settling a key
-- (SchedulingStore.settleConcurrencyKey) locks its row, so that instances settling one key take turns. The
-- runs waiting for a key are their awaits of type concurrency_key (event_name: the key).
alter table ${prefix}run add column concurrency_key varchar(200);
create table ${prefix}concurrency_key (
    concurrency_key  varchar(200)             not null,
    holder_run_id    varchar(255),
    held_since       timestamp with time zone,
    constraint ${prefix}concurrency_key_pk primary key (concurrency_key)
);
create index ${prefix}concurrency_key_holder_idx on ${prefix}concurrency_key (holder_run_id);
