-- nvent store schema, version 3: schedule triggers that tick at a fixed interval (TriggerSpec.every)
-- instead of on a cron expression. In whole seconds, as the interval is; null for every other trigger.
alter table ${prefix}flow_trigger add column every_s bigint;
