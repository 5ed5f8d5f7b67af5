-- nvent store schema, version 37: the last heartbeat a running step's attempt sent (StepContext.heartbeat,
-- SchedulingStore.recordHeartbeat), kept with the step's lease as its progress is (V16): written at most once per a
-- quarter of the step's heartbeat timeout (at least a second apart), only for steps that call heartbeat(), read with
-- a run's waits on any instance, and gone with the lease. Null for a lease whose attempt sent none. A nullable
-- column without a default: no table rewrite.
alter table ${prefix}step_lease add column heartbeat_at timestamp with time zone;
