-- nvent store schema, version 29: the labels a trigger gives every run it starts (TriggerSpec.labels), sorted, one
-- per line as run.labels_text (V28) holds a run's; null for a trigger without labels, as for every trigger stored
-- before this version: a nullable column without a default, so adding it rewrites no row. Triggers are not found
-- by their labels (their runs are, through run_label), so no table of their own.
-- The same SQL on PostgreSQL and H2.
alter table ${prefix}flow_trigger add column labels_text varchar(700);
