-- nvent store schema, version 5: the filter of an event trigger (TriggerSpec.filter), a JSON object
-- the event's payload must contain. Kept as the compact text the spec holds (not ${json_type}, which
-- PostgreSQL would reformat), so a declared trigger reads back equal to its definition; null for none.
alter table ${prefix}flow_trigger add column event_filter ${text_type};
