-- nvent store schema, version 45 on PostgreSQL: the columns of ../V45__instance_build_and_run_error.sql, and the
-- error of a run that failed before V15 (error_text null) read from its latest flow.failed history entry's "error"
-- by PostgreSQL's JSON functions, cut as the store cuts a new run's (RunRecord.MAX_ERROR_LENGTH: its first 999
-- characters and an ellipsis when longer than 1,000).
alter table ${prefix}instance add column store_schema varchar(20);
alter table ${prefix}instance add column nvent_commit varchar(64);
-- One statement; it writes only the failed runs without an error whose latest flow.failed entry has one: found
-- through the index on (status, started_at), each run's latest flow.failed entry through the history's primary key,
-- backwards (a few rows: the failure is among a run's last entries). Runs that failed since V15 have their error and
-- are read, not written. An entry whose payload holds a \u0000 escape is left out (text cannot hold that character,
-- and the JSON function would fail the migration): its run keeps no error, its history has it.
update ${prefix}run r
set error_text = case when char_length(found.error) <= 1000 then found.error
                      else substr(found.error, 1, 999) || '…' end
from (select failed.run_id,
             (select case when strpos(e.payload, '\u0000') = 0 then e.payload::json ->> 'error' end
              from ${prefix}run_event e
              where e.run_id = failed.run_id and e.event_type = 'flow.failed'
              order by e.seq desc
              limit 1) as error
      from ${prefix}run failed
      where failed.status = 'failed' and failed.error_text is null) found
where r.run_id = found.run_id and found.error is not null;
