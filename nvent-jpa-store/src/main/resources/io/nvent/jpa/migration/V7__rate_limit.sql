-- nvent store schema, version 7: the starts of rate-limited queues, which every instance sharing the
-- store counts (SchedulingStore.takeRateLimitedStart), so that a queue's limit holds for the cluster.
-- One row per queue, locked while a start is decided, with the number of its starts recorded in
-- rate_start: counting them would read up to the limit's max rows for every start.
create table ${prefix}rate_limit (
    queue_name  varchar(200) not null,
    recorded    integer      not null,
    constraint ${prefix}rate_limit_pk primary key (queue_name)
);

create table ${prefix}rate_start (
    queue_name  varchar(200)             not null,
    started_at  timestamp with time zone not null
);

create index ${prefix}rate_start_by_time on ${prefix}rate_start (queue_name, started_at);
