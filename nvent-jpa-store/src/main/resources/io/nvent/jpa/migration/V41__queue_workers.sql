-- nvent store schema, version 41: the workers per instance an operator set for a queue at run time,
-- one row each (SchedulingStore.setQueueWorkers). Every instance applies them to its queue adapter in
-- place of its nvent.queue.<name>.concurrency, also after a restart; removing the row goes back to it.
create table ${prefix}queue_workers (
    queue_name  varchar(200)             not null,
    workers     integer                  not null,
    set_at      timestamp with time zone not null,
    constraint ${prefix}queue_workers_pk primary key (queue_name)
);
