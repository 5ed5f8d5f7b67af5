-- nvent store schema, version 33: what a trigger's fire does while a run it started is under way
-- (TriggerSpec.overlap), as its wire name: skip, buffer-one, buffer-all or cancel-other; null for allow-all (runs side
-- by side), as for every trigger stored before this version: a nullable column without a default, so adding it
-- rewrites no row.
-- The same SQL on PostgreSQL and H2.
alter table ${prefix}flow_trigger add column overlap_policy varchar(20);
