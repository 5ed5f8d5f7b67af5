-- nvent store schema, version 12: a schedule trigger's own misfire policy and grace
-- (TriggerSpec.misfire, TriggerSpec.misfireGrace), what a start does with the ticks that fell while no
-- instance ran. The policy as its wire name (fire-once, skip); null inherits the deployment's
-- nvent.triggers.misfire, as every trigger stored before this version does. The grace in whole seconds, as
-- it is; null inherits nvent.triggers.misfire-grace.
alter table ${prefix}flow_trigger add column misfire_policy varchar(16);
alter table ${prefix}flow_trigger add column misfire_grace_s bigint;
