-- nvent store schema, version 42 on PostgreSQL: the column of ../V42__await_line_claim.sql, and its index partial:
-- only the awaits claimed, none at the upgrade, so that it is built at once on a large table and costs the awaits of
-- every other kind nothing.
alter table ${prefix}run_await add column line_claim bigint;
create index ${prefix}run_await_line_claim_idx on ${prefix}run_await (event_name, line_claim)
    where line_claim is not null;
