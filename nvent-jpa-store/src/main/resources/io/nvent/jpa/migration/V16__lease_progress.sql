-- nvent store schema, version 16: the progress a running step's attempt last reported
-- (StepContext.reportProgress, SchedulingStore.recordProgress), kept with the step's lease: written at most
-- once a second per running step, read with the run's view on any instance, and gone with the lease when
-- the attempt ends. Null for a lease whose attempt reported none. Nullable columns without a default: no
-- table rewrite.
alter table ${prefix}step_lease add column progress_done bigint;
alter table ${prefix}step_lease add column progress_total bigint;
alter table ${prefix}step_lease add column progress_message varchar(200);
alter table ${prefix}step_lease add column progress_at timestamp with time zone;
