-- nvent store schema, version 9: the latest time booked for a step that a group's rate limit
-- refused (SchedulingStore.bookRateLimitedReturn), so that such steps come back spread at the
-- limit's rate across every instance.
alter table ${prefix}rate_limit add column booked_until timestamp with time zone;
