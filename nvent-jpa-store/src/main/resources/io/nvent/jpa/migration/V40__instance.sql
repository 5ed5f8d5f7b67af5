-- nvent store schema, version 40: the record each start of an instance keeps of itself (SchedulingStore.saveInstance),
-- refreshed by its maintenance sweep every 10 s, so that any instance tells which are live and which queues each takes
-- (GET /api/nvent/instances). One row per start: a restart under the same instance id is another start token.
-- queues_text is the queues with their workers there, as a URL query (name=workers&..., names URL-encoded, UTF-8).
-- The sweep deletes the rows not seen for a day through the index on last_seen. The same SQL on PostgreSQL and H2.
create table ${prefix}instance (
    instance_id     varchar(255)             not null,  -- as long as a lease owner (id@token) takes
    start_token     varchar(64)              not null,
    started_at      timestamp with time zone not null,
    last_seen       timestamp with time zone not null,
    stopped_at      timestamp with time zone,
    nvent_version   varchar(100)             not null,
    engine_enabled  boolean                  not null,
    ticks_triggers  boolean                  not null,
    queues_text     ${text_type}             not null,
    constraint ${prefix}instance_pk primary key (instance_id, start_token)
);
create index ${prefix}instance_seen_idx on ${prefix}instance (last_seen);
