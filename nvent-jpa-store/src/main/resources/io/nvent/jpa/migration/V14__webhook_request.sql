-- nvent store schema, version 14: the signed webhook requests received and still within their replay window
-- (SchedulingStore.recordWebhookRequest). The primary key makes a request's first receipt the only one across
-- instances, and the rows outlive a restart: a captured signed request sent again is refused (409) by every
-- instance, not only by the one that took it until it restarted. request_id is a SHA-256 digest (hex) of the
-- signed timestamp and signature; idempotency_key the key the request came with, so that its sender's retry
-- with that key is told from a replay. Rows are dropped once valid_until has passed.
create table ${prefix}webhook_request (
    trigger_name     varchar(100)             not null,
    request_id       varchar(64)              not null,
    idempotency_key  varchar(255),
    valid_until      timestamp with time zone not null,
    constraint ${prefix}webhook_request_pk primary key (trigger_name, request_id)
);
create index ${prefix}webhook_request_valid_idx on ${prefix}webhook_request (valid_until);
