-- nvent store schema, version 39: the slot of a debounced or batching trigger's pending run kept whole, so that the
-- maintenance sweep can store the run of a slot whose instance stopped before it stored it (SchedulingStore
-- .overdueDebounceSlots), and the instance that opened a slot can read the fires folded into it while it stored the
-- run (debounceSlotOf). slot_text is the trigger, flow and key, percent-encoded (URL form, UTF-8: the U+0000 between
-- them, which PostgreSQL's text cannot hold, as %00); null for every slot opened before this version, which the sweep
-- leaves to the next fire of its key. The index on due_at finds the few slots overdue among the pending ones.
-- The same SQL on PostgreSQL and H2.
alter table ${prefix}trigger_debounce add column slot_text ${text_type};
create index ${prefix}trigger_debounce_due_idx on ${prefix}trigger_debounce (due_at);
