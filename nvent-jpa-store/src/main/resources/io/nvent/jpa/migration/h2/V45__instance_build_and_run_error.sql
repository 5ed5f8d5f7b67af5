-- nvent store schema, version 45 on H2 (PostgreSQL: ../postgresql/V45__instance_build_and_run_error.sql; other
-- databases: ../V45__instance_build_and_run_error.sql, the columns only, as the backfill below is H2's own SQL).
-- 1. Which build each start of an instance runs, with its record (InstanceRecord.storeSchema and commit): the store
--    schema version its build brings and the git commit it was built from, so that the instances show a rolling
--    upgrade's old and new builds side by side. Null in a row an older nvent writes (its insert names the columns it
--    knows): not known. Nullable columns without a default on a small table.
alter table ${prefix}instance add column store_schema varchar(20);
alter table ${prefix}instance add column nvent_commit varchar(64);
-- 2. The error of a run that failed before V15 (error_text null), from its latest flow.failed history entry's
--    "error", cut as the store cuts a new run's (RunRecord.MAX_ERROR_LENGTH: its first 999 characters and an
--    ellipsis when longer than 1,000). One statement that writes only the failed runs without an error whose latest
--    flow.failed entry has one (a MERGE: H2 lets no derived table of an UPDATE's subquery see the row updated).
--    H2 reads no field of a JSON text: the string is found by a regular expression (the engine writes "error" as a
--    top-level field, and no quote goes unescaped inside a string) and its escapes undone; the backslash of an
--    escaped backslash is set aside as U+0001 first (a control character, which a JSON string holds escaped only),
--    so that "\\n" reads as a backslash and an n. An error with a \u escape (a control character other than a tab, a
--    line break, a backspace or a form feed, as JSON writers escape them) is left out: its run keeps no error, its
--    history has it.
merge into ${prefix}run r
using (select unescaped.run_id,
              case when char_length(unescaped.error) <= 1000 then unescaped.error
                   else substring(unescaped.error from 1 for 999) || '…' end as error
       from (select latest.run_id,
                    replace(replace(replace(replace(replace(replace(replace(replace(latest.error,
                        '\"', '"'), '\/', '/'), '\n', char(10)), '\r', char(13)), '\t', char(9)), '\b', char(8)),
                        '\f', char(12)), char(1), '\') as error
             from (select e.run_id,
                          replace(regexp_substr(e.payload, '"error"\s*:\s*"((?:[^"\\]++|\\.)*+)"', 1, 1, '', 1),
                                  '\\', char(1)) as error
                   from ${prefix}run failed
                   join ${prefix}run_event e on e.run_id = failed.run_id and e.event_type = 'flow.failed'
                   where failed.status = 'failed' and failed.error_text is null
                     and e.seq = (select max(later.seq) from ${prefix}run_event later
                                  where later.run_id = e.run_id and later.event_type = 'flow.failed')) latest
             where latest.error is not null and position('\u' in latest.error) = 0) unescaped) found
on r.run_id = found.run_id
when matched then update set error_text = found.error;
