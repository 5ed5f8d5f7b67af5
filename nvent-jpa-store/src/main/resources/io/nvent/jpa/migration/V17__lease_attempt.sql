-- nvent store schema, version 17: the attempt of the step a lease was taken for (StepLease.attempt). An
-- instance holds one lease per step whichever of its attempts runs: a timed-out attempt that still runs and
-- its retry on the same instance share the owner. The progress kept with the lease (V16) is its attempt's
-- only: recordProgress writes only while the lease is that attempt's, and taking the lease for another attempt
-- clears it. Null for a lease taken for no attempt (the sweep marking a step stalled) or written before this
-- version. A nullable column without a default: no table rewrite.
alter table ${prefix}step_lease add column attempt integer;
