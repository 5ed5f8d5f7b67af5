-- nvent store schema, version 44: the fire-all catch-ups of a schedule's missed ticks not done yet
-- (SchedulingStore.replaceOwedCatchUp), one row per trigger, written before a start fires the ticks it missed and
-- deleted once they fired, so that a catch-up the store's outage cut short is finished by the next start of its
-- instance, or by another instance once held_until passed, not forgotten with the instance (NVENT-0473).
-- owner is the start holding it (instance id @ start token, as a lease owner); schedule the trigger's schedule in
-- words then; ticks_text the ticks still owed, the oldest first, as ISO-8601 instants separated by a space, or '' while
-- the check itself is owed (as of checked_at). A new, small table: the same SQL on PostgreSQL and H2.
create table ${prefix}owed_catch_up (
    trigger_name  varchar(100)             not null,
    owner_id      varchar(255)             not null,
    held_until    timestamp with time zone not null,
    started_at    timestamp with time zone not null,
    checked_at    timestamp with time zone not null,
    schedule_text varchar(1000)            not null,
    ticks_text    ${text_type}             not null,
    constraint ${prefix}owed_catch_up_pk primary key (trigger_name)
);
