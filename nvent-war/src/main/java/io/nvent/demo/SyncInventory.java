package io.nvent.demo;

import io.nvent.FlowStep;
import io.nvent.Step;
import io.nvent.StepContext;
import io.nvent.StepRole;
import io.nvent.Trigger;
import io.nvent.TriggerType;
import java.util.Map;

/** The scheduled demo flow: every five minutes (and on demand from the console) it syncs stock levels. */
@FlowStep(flow = "inventory-sync", name = "sync", role = StepRole.ENTRY)
@Trigger(name = "every-5-minutes", type = TriggerType.SCHEDULE, cron = "*/5 * * * *",
        description = "Syncs stock levels every five minutes")
@Trigger(name = "sync-now", type = TriggerType.MANUAL, description = "Syncs stock levels on demand")
public class SyncInventory implements Step<Map<String, Object>, Map<String, Object>> {

    @Override
    public Map<String, Object> execute(Map<String, Object> tick, StepContext ctx) {
        ctx.logger().info("syncing inventory (tick " + tick + ")");
        return Map.of("synced", true);
    }
}
