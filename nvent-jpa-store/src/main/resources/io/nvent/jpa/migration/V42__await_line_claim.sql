-- nvent store schema, version 42: the place of a run's claim in its concurrency key's line
-- (SchedulingStore.claimConcurrencyKeyLine), given one after the other under the key's row lock (V27), so that
-- the racing fires of a trigger with overlap buffer-one, cancel-other, or skip beside a canceled run's step, are
-- ordered by the store and not by their instances' clocks. Null for an await never claimed (every await but those
-- of such fires' first runs, and every await stored before). A nullable column without a default: PostgreSQL does
-- not rewrite the table, H2 copies it (README: about 40 s for a million awaits).
-- The index finds a key's highest place; on PostgreSQL it is partial (postgresql/V42__await_line_claim.sql).
alter table ${prefix}run_await add column line_claim bigint;
create index ${prefix}run_await_line_claim_idx on ${prefix}run_await (event_name, line_claim);
