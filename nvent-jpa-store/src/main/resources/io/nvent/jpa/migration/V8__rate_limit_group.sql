-- nvent store schema, version 8: rate limits per group of a queue's steps (limiter.group-key), each
-- group counted on its own. The whole queue is the empty group, which the rows of version 7 become.
alter table ${prefix}rate_limit add column limit_group varchar(64) default '' not null;
alter table ${prefix}rate_start add column limit_group varchar(64) default '' not null;

alter table ${prefix}rate_limit drop constraint ${prefix}rate_limit_pk;
alter table ${prefix}rate_limit add constraint ${prefix}rate_limit_pk primary key (queue_name, limit_group);

drop index ${prefix}rate_start_by_time;
create index ${prefix}rate_start_by_time on ${prefix}rate_start (queue_name, limit_group, started_at);
