-- nvent store schema, version 1. Runs unchanged on PostgreSQL 14+ and H2 2.x:
--   ${prefix}     table and index name prefix (nvent.store.table-prefix)
--   ${json_type}  jsonb on PostgreSQL, character large object on H2
--   ${text_type}  text on PostgreSQL, character large object on H2
-- Column names avoid words H2 reserves (key, value, year, ...).

-- Runs -------------------------------------------------------------------------------------------
create table ${prefix}run (
    run_id         varchar(255)             not null,
    flow           varchar(255)             not null,
    status         varchar(16)              not null,  -- RunStatus wire name: running, awaiting, ...
    input_json     ${json_type}             not null,
    result_json    ${json_type},
    parent_run_id  varchar(255),                        -- no foreign key: a parent may be purged first
    steps_json     ${json_type}             not null,  -- {"step": "queued", ...}
    emitted_json   ${json_type}             not null,  -- {"event": payload, ...}, first emission each
    started_at     timestamp with time zone not null,
    ended_at       timestamp with time zone,
    last_seq       bigint                   not null,  -- highest history sequence number handed out
    version        bigint                   not null,  -- optimistic locking
    constraint ${prefix}run_pk primary key (run_id)
);
create index ${prefix}run_flow_started_idx on ${prefix}run (flow, started_at desc);
create index ${prefix}run_flow_status_started_idx on ${prefix}run (flow, status, started_at desc);
create index ${prefix}run_status_started_idx on ${prefix}run (status, started_at desc);
create index ${prefix}run_status_ended_idx on ${prefix}run (status, ended_at);
create index ${prefix}run_parent_idx on ${prefix}run (parent_run_id);

-- History: append-only, sequence numbers 1..n per run without gaps ---------------------------------
create table ${prefix}run_event (
    run_id       varchar(255)             not null,
    seq          bigint                   not null,
    event_type   varchar(32)              not null,  -- EventType wire name: step.completed, ...
    step_name    varchar(255),
    attempt      integer                  not null,
    occurred_at  timestamp with time zone not null,
    payload      ${json_type}             not null,
    constraint ${prefix}run_event_pk primary key (run_id, seq),
    constraint ${prefix}run_event_run_fk foreign key (run_id)
        references ${prefix}run (run_id) on delete cascade
);
create index ${prefix}run_event_type_idx on ${prefix}run_event (run_id, event_type, seq);

-- Run state: key/value per run, optionally expiring ----------------------------------------------
create table ${prefix}run_state (
    run_id      varchar(255)             not null,
    state_key   varchar(255)             not null,
    payload     ${json_type}             not null,
    expires_at  timestamp with time zone,             -- null: never
    constraint ${prefix}run_state_pk primary key (run_id, state_key),
    constraint ${prefix}run_state_run_fk foreign key (run_id)
        references ${prefix}run (run_id) on delete cascade
);
create index ${prefix}run_state_expires_idx on ${prefix}run_state (expires_at);

-- Awaits: a step held until a time, a schedule tick, a webhook call or an event (SchedulingStore) --
create table ${prefix}run_await (
    await_id        varchar(255)             not null,
    token           varchar(255)             not null,  -- secret part of the webhook URL
    run_id          varchar(255)             not null,
    flow            varchar(255)             not null,
    step_name       varchar(255)             not null,
    await_position  varchar(16)              not null,  -- AwaitPosition: before, after
    await_type      varchar(16)              not null,  -- AwaitType: time, schedule, webhook, event
    status          varchar(16)              not null,  -- AwaitStatus: waiting, resolved, timed_out, canceled
    registered_at   timestamp with time zone not null,
    resolve_at      timestamp with time zone,             -- time/schedule awaits resolve by themselves
    timeout_at      timestamp with time zone,
    timeout_action  varchar(16)              not null,  -- TimeoutAction: fail, continue, retry
    event_name      varchar(255),                         -- event awaits
    filter_value    ${text_type},                         -- event awaits: key=JSON value to match
    held            ${json_type}             not null,  -- after-awaits: emissions held back (array)
    payload         ${json_type},                         -- resolution data
    closed_at       timestamp with time zone,
    version         bigint                   not null,
    constraint ${prefix}run_await_pk primary key (await_id),
    constraint ${prefix}run_await_token_uk unique (token),
    constraint ${prefix}run_await_run_fk foreign key (run_id)
        references ${prefix}run (run_id) on delete cascade
);
create index ${prefix}run_await_run_idx on ${prefix}run_await (run_id);
create index ${prefix}run_await_resolve_idx on ${prefix}run_await (status, resolve_at);
create index ${prefix}run_await_timeout_idx on ${prefix}run_await (status, timeout_at);
create index ${prefix}run_await_event_idx on ${prefix}run_await (event_name, status);
create index ${prefix}run_await_registered_idx on ${prefix}run_await (registered_at desc);

-- Triggers: what starts runs, with statistics and a history (SchedulingStore) ------------------------
create table ${prefix}flow_trigger (
    trigger_name   varchar(100)             not null,  -- letters, digits, . _ -
    trigger_type   varchar(16)              not null,  -- TriggerType: schedule, webhook, manual, event
    flows          ${json_type}             not null,  -- JSON array of flow names
    cron           varchar(255),
    time_zone      varchar(64)              not null,  -- zone of the cron expression, e.g. Europe/Berlin
    event_name     varchar(255),
    description    ${text_type}             not null,
    enabled        boolean                  not null,
    declared       boolean                  not null,  -- from an annotation rather than the API
    created_at     timestamp with time zone not null,
    fires          bigint                   not null,
    runs_started   bigint                   not null,
    last_fired_at  timestamp with time zone,
    last_error     ${text_type},
    last_seq       bigint                   not null,  -- highest history sequence number
    version        bigint                   not null,
    constraint ${prefix}flow_trigger_pk primary key (trigger_name)
);
create index ${prefix}flow_trigger_type_idx on ${prefix}flow_trigger (trigger_type, enabled);
create index ${prefix}flow_trigger_event_idx on ${prefix}flow_trigger (event_name);

create table ${prefix}trigger_event (
    trigger_name  varchar(100)             not null,
    seq           bigint                   not null,
    event_type    varchar(32)              not null,  -- trigger.registered, trigger.fired, ...
    occurred_at   timestamp with time zone not null,
    payload       ${json_type}             not null,
    constraint ${prefix}trigger_event_pk primary key (trigger_name, seq),
    constraint ${prefix}trigger_event_trigger_fk foreign key (trigger_name)
        references ${prefix}flow_trigger (trigger_name) on delete cascade
);

-- One row per claimed schedule tick: the primary key makes the claim exactly-once across instances.
create table ${prefix}schedule_tick (
    trigger_name  varchar(100)             not null,
    scheduled_at  timestamp with time zone not null,
    claimed_at    timestamp with time zone not null,
    constraint ${prefix}schedule_tick_pk primary key (trigger_name, scheduled_at)
);
create index ${prefix}schedule_tick_claimed_idx on ${prefix}schedule_tick (claimed_at);

-- Step leases: which instance executes a step, until when (stall detection) -----------------------
create table ${prefix}step_lease (
    run_id      varchar(255)             not null,
    step_name   varchar(255)             not null,
    owner       varchar(255)             not null,  -- instance id
    expires_at  timestamp with time zone not null,
    constraint ${prefix}step_lease_pk primary key (run_id, step_name),
    constraint ${prefix}step_lease_run_fk foreign key (run_id)
        references ${prefix}run (run_id) on delete cascade
);
create index ${prefix}step_lease_owner_idx on ${prefix}step_lease (owner);
create index ${prefix}step_lease_expires_idx on ${prefix}step_lease (expires_at);

-- Jobs: a durable record per job with its attempt history (for a database-backed queue) -----------
create table ${prefix}job (
    queue_name     varchar(255)             not null,
    job_id         varchar(255)             not null,
    job_name       varchar(255)             not null,
    run_id         varchar(255),                        -- run the job belongs to, if any
    state          varchar(16)              not null,  -- JobState: waiting, delayed, active, completed, failed
    payload        ${json_type}             not null,
    priority       integer                  not null,
    max_attempts   integer                  not null,
    attempts       integer                  not null,  -- attempts started so far
    retry_policy   ${json_type},                        -- backoff type and delays
    timeout_ms     bigint                   not null,
    created_at     timestamp with time zone not null,
    available_at   timestamp with time zone not null,  -- due time (delay or backoff)
    locked_by      varchar(255),                        -- worker holding it while active
    locked_until   timestamp with time zone,            -- lease end; expired leases are re-queued
    finished_at    timestamp with time zone,
    last_error     ${text_type},
    version        bigint                   not null,
    constraint ${prefix}job_pk primary key (queue_name, job_id)
);
create index ${prefix}job_due_idx on ${prefix}job (queue_name, state, priority desc, available_at);
create index ${prefix}job_lease_idx on ${prefix}job (state, locked_until);
create index ${prefix}job_run_idx on ${prefix}job (run_id);

create table ${prefix}job_attempt (
    queue_name  varchar(255)             not null,
    job_id      varchar(255)             not null,
    attempt     integer                  not null,  -- 1-based
    started_at  timestamp with time zone not null,
    ended_at    timestamp with time zone,
    worker      varchar(255),
    error       ${text_type},                        -- message and stack trace of a failed attempt
    constraint ${prefix}job_attempt_pk primary key (queue_name, job_id, attempt),
    constraint ${prefix}job_attempt_job_fk foreign key (queue_name, job_id)
        references ${prefix}job (queue_name, job_id) on delete cascade
);
