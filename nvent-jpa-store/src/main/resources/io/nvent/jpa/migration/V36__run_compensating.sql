-- nvent store schema, version 36: runs in the status compensating (RunStatus.COMPENSATING, since 0.2: undoing their
-- completed steps after a step failed for good) are under way, as running, awaiting and stalled ones are. The status
-- column (varchar(16), no check) takes its wire name as it is; H2's indexes of the runs under way (V30, V31) are on
-- the status, not partial, and hold them already: nothing to change here (see postgresql/ for PostgreSQL's).
select 1;
