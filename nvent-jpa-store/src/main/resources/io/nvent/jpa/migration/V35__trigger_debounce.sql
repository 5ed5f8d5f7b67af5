-- nvent store schema, version 35: debounced triggers (TriggerSpec.debounce). flow_trigger keeps a trigger's debounce
-- in whole seconds, its key pointer and its bound in whole seconds; null for none, as for every trigger stored before
-- this version: nullable columns without a default, so adding them rewrites no row.
-- trigger_debounce keeps the pending run of each debounced trigger's flow and key (SchedulingStore.openDebounce): its
-- primary key, a SHA-256 digest (hex) of trigger, flow and key, makes one fire's insert the only one across instances;
-- payload is the latest payload folded into it, which the run takes as it starts, deleting the row (takeDebounced).
-- The same SQL on PostgreSQL and H2.
alter table ${prefix}flow_trigger add column debounce_s bigint;
alter table ${prefix}flow_trigger add column debounce_key_from varchar(255);
alter table ${prefix}flow_trigger add column debounce_max_s bigint;
create table ${prefix}trigger_debounce (
    slot_digest   varchar(64)              not null,
    trigger_name  varchar(100)             not null,
    run_id        varchar(255)             not null,
    payload       ${text_type}             not null,
    first_at      timestamp with time zone not null,
    due_at        timestamp with time zone not null,
    folded        integer                  not null,
    constraint ${prefix}trigger_debounce_pk primary key (slot_digest)
);
create index ${prefix}trigger_debounce_run_idx on ${prefix}trigger_debounce (run_id);
