-- nvent store schema, version 23: concurrency limits (StartOptions.concurrencyLimit: up to that many runs of one
-- concurrency key at a time). concurrency_limit on the run (RunRecord.concurrencyLimit) and on its awaits for the
-- key (AwaitRecord.concurrencyLimit), null for 1, as for every row stored before: nullable columns without a
-- default, so adding them rewrites no row. The row of concurrency_key keeps naming the run that got the key first
-- (holder_run_id), and settling the key still locks that row; the further runs holding the key, where a limit above
-- 1 let them in, are rows of concurrency_key_holder, in the order they got it (place); further_holders on the row
-- counts them (null for none), so that a settle of a key held by one run reads no rows of concurrency_key_holder.
-- Each holder's concurrency_limit (null for 1), on the row or on its holder row, is the limit its await for the key
-- carried: the key has no more holders than the smallest limit among them and the run at the head of the line.
-- A key held before this version is held by the same run after it, with no further holders.
alter table ${prefix}run add column concurrency_limit integer;
alter table ${prefix}run_await add column concurrency_limit integer;
alter table ${prefix}concurrency_key add column concurrency_limit integer;
alter table ${prefix}concurrency_key add column further_holders integer;
create table ${prefix}concurrency_key_holder (
    concurrency_key  varchar(200)             not null,
    holder_run_id    varchar(255)             not null,
    held_since       timestamp with time zone,
    place            integer                  not null,
    concurrency_limit integer,
    constraint ${prefix}concurrency_key_holder_pk primary key (concurrency_key, holder_run_id)
);
create index ${prefix}concurrency_key_holder_run_idx on ${prefix}concurrency_key_holder (holder_run_id);
