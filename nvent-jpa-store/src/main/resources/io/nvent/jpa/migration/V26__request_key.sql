-- nvent store schema, version 26: idempotency keys of emits and publishes (EventOptions.idempotencyKey, the
-- Idempotency-Key header of POST .../runs/{id}/emit/{event} and POST .../events/{event}; SchedulingStore
-- .claimRequestKey). The primary key makes a key's first claim the only one across instances, taken before the
-- event is delivered, so that two instances racing one key deliver it once. scope is 'emit' or 'publish'; target
-- the run emitted into or the published event's name; key_digest and request_digest SHA-256 digests (hex) of the
-- key and of the event with its payload (a repeat with another one is refused); response what the request
-- answered, null while it is delivered. A claim whose delivery failed is deleted, so that a retry delivers; rows
-- whose expires_at has passed are deleted by the maintenance sweep (and as new claims come).
create table ${prefix}request_key (
    scope            varchar(20)              not null,
    target           varchar(255)             not null,
    key_digest       varchar(64)              not null,
    request_digest   varchar(64)              not null,
    response         ${text_type},
    created_at       timestamp with time zone not null,
    expires_at       timestamp with time zone not null,
    constraint ${prefix}request_key_pk primary key (scope, target, key_digest)
);
create index ${prefix}request_key_expires_idx on ${prefix}request_key (expires_at);
