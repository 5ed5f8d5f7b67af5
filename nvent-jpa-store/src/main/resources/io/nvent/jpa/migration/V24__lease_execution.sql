-- nvent store schema, version 24: the execution of the step a lease was taken for (StepLease.execution), as its
-- owner numbers them. The attempt (V17) does not tell every execution of a step apart: an operator's retry of the
-- step runs a job whose attempts count from 1 again, and may take the step's lease on the instance where a
-- timed-out attempt 1 still runs. The writes made only while the lease is held, its release and the progress
-- kept with it compare the execution too, where both the lease and the write name one. Null for a lease taken
-- for no execution or written before this version. A nullable column without a default: no table rewrite.
alter table ${prefix}step_lease add column execution bigint;
