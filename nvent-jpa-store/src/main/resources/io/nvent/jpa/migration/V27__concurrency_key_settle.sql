-- nvent store schema, version 27: the concurrency keys that may need settling, so that the maintenance sweep
-- reads these instead of every key held and every run waiting for one. A row is written (or its mark_id
-- replaced) in the transaction of the write that may leave its key unsettled: a run with a key ending (its
-- holder's end, which the run's own settle normally hands on, but an instance may stop in between), an await
-- for a key stored (a waiter the start's settle normally lets in or puts in line). The sweep settles the
-- marked keys that need it and deletes a mark once it found its key settled, by key and mark_id, so that a
-- mark written again meanwhile stays. Rows written by an earlier build mark nothing: the sweep's full pass,
-- on its first run and every 10 minutes, settles those.
create table ${prefix}concurrency_key_settle (
    concurrency_key  varchar(200)             not null,
    mark_id          varchar(36)              not null,
    constraint ${prefix}concurrency_key_settle_pk primary key (concurrency_key)
);
