-- nvent store schema, version 6: queues an operator paused, one row each (SchedulingStore.setQueuePaused).
-- Every instance applies them to its queue adapter, also after a restart: a JMS broker keeps no
-- pause of its own.
create table ${prefix}queue_pause (
    queue_name  varchar(200)             not null,
    paused_at   timestamp with time zone not null,
    constraint ${prefix}queue_pause_pk primary key (queue_name)
);
