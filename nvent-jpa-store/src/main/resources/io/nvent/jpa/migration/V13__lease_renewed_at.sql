-- nvent store schema, version 13: when a step lease's owner last took or renewed it (StepLease.renewedAt).
-- With the end it tells how long that owner's leases last, so an instance restarted under the same
-- nvent.instance-id judges how long a lease of its earlier start has gone unrenewed by that start's lease
-- duration, not by its own. Null for a lease written before this version (or without the time), which is
-- judged as before. A nullable column without a default: no table rewrite.
alter table ${prefix}step_lease add column renewed_at timestamp with time zone;
