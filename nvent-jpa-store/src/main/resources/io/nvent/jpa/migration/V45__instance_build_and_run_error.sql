-- nvent store schema, version 45 on a database other than H2 and PostgreSQL (theirs: h2/ and postgresql/
-- V45__instance_build_and_run_error.sql). Which build each start of an instance runs, with its record
-- (InstanceRecord.storeSchema and commit): null in a row an older nvent writes, not known. H2 and PostgreSQL also
-- give the runs that failed before V15 the error of their latest flow.failed entry, each with SQL of its own (H2's
-- regular expressions, PostgreSQL's JSON functions) that would fail the upgrade here: these runs keep no error, their
-- history has it.
alter table ${prefix}instance add column store_schema varchar(20);
alter table ${prefix}instance add column nvent_commit varchar(64);
