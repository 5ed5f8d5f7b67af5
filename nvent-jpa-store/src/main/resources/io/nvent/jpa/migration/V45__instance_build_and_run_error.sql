-- nvent store schema, version 45 (H2; PostgreSQL: postgresql/V45__instance_build_and_run_error.sql).
-- 1. Which build each start of an instance runs, with its record (InstanceRecord.storeSchema and commit): the store
--    schema version its build brings and the git commit it was built from, so that the instances show a rolling
--    upgrade's old and new builds side by side. Null in a row an older nvent writes (its insert names the columns it
--    knows): not known. Nullable columns without a default on a small table.
alter table ${prefix}instance add column store_schema varchar(20);
alter table ${prefix}instance add column nvent_commit varchar(64);
-- 2. The error of a run that failed before V15 (error_text null), from its latest flow.failed history entry's
--    "error", cut as the store cuts a new run's (RunRecord.MAX_ERROR_LENGTH: its first 999 characters and an
--    ellipsis when longer than 1,000). One statement over the failed runs without an error only (each run's latest
--    flow.failed entry found through the history's primary key, backwards); a failed run without such an entry
--    keeps none.
--    H2 reads no field of a JSON text: the string is found by a regular expression (the engine writes "error" as a
--    top-level field, and no quote goes unescaped inside a string) and its escapes undone; the backslash of an
--    escaped backslash is set aside as U+0001 first (a control character, which a JSON string holds escaped only),
--    so that "\\n" reads as a backslash and an n. An error with a \u escape (a control character other than a tab or a
--    line break, as the engine's JSON writer escapes them) is left out: its run keeps no error, its history has it.
update ${prefix}run r set error_text = (
    select case when char_length(unescaped.error) <= 1000 then unescaped.error
                else substring(unescaped.error from 1 for 999) || '…' end
    from (select replace(replace(replace(replace(replace(replace(replace(replace(latest.error,
                     '\"', '"'), '\/', '/'), '\n', char(10)), '\r', char(13)), '\t', char(9)), '\b', char(8)),
                     '\f', char(12)), char(1), '\') as error
          from (select replace(regexp_substr(e.payload, '"error"\s*:\s*"((?:[^"\\]++|\\.)*+)"', 1, 1, '', 1),
                               '\\', char(1)) as error
                from ${prefix}run_event e
                where e.run_id = r.run_id and e.event_type = 'flow.failed'
                order by e.seq desc
                fetch first 1 row only) latest
          where position('\u' in latest.error) = 0) unescaped)
where r.status = 'failed' and r.error_text is null;
