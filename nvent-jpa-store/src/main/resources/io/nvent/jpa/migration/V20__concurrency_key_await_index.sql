-- nvent store schema, version 20: an index for the concurrency keys' sweep (unsettledConcurrencyKeys), which
-- every 5 s looks for the keys waited for ("await_type = 'concurrency_key' and status = 'waiting'", then the
-- key in event_name). No index began with await_type: each sweep read every waiting await of every type.
-- The same SQL on PostgreSQL and H2.
create index ${prefix}run_await_type_idx on ${prefix}run_await (await_type, status, event_name);
