-- nvent store schema, version 32: how long each run a trigger starts may take (TriggerSpec.runTimeout), in
-- milliseconds as run.run_timeout_ms (V31) holds a run's; null for a trigger without one (its runs take their
-- flow's), as for every trigger stored before this version: a nullable column without a default, so adding it
-- rewrites no row.
-- The same SQL on PostgreSQL and H2.
alter table ${prefix}flow_trigger add column run_timeout_ms bigint;
