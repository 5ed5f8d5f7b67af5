-- nvent store schema, version 34: the ticks a schedule trigger does not fire at (TriggerSpec.exclude), its rules one
-- a line as written (2026-12-25, --12-26, 2026-12-20/2027-01-04, cron:..., calendar:...; at most 100 of at most 300
-- characters); null for none, as for every trigger stored before this version: a nullable column without a default,
-- so adding it rewrites no row.
-- The same SQL on PostgreSQL and H2.
alter table ${prefix}flow_trigger add column exclude_rules varchar(32000);
